/*
 * checkpoint.h - the daemon's state on disk: one JSON document in the state directory,
 * written atomically (temp file, fsync, rename, fsync of the directory) so a crash leaves the
 * old or the new checkpoint, never a torn one. Thread: the loop.
 */
#ifndef CAUSALMON_CHECKPOINT_H
#define CAUSALMON_CHECKPOINT_H

#include <jansson.h>
#include <stddef.h>

#define CHECKPOINT_FILE    "checkpoint.json"
#define CHECKPOINT_VERSION 1

/* Writes state (not consumed) as dir/checkpoint.json. Returns 0, or -1 with a message. */
int checkpoint_write(const char *dir, json_t *state, char *err, size_t errlen);

/* Reads dir/checkpoint.json. Returns a new reference; NULL with err empty when there is none,
 * NULL with a message when it is unreadable, corrupt or of another version. */
json_t *checkpoint_read(const char *dir, char *err, size_t errlen);

#endif
