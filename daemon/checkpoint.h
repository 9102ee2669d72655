/*
 * checkpoint.h - the daemon's state on disk: one JSON document in the state directory,
 * written atomically (temp file, fsync, rename, fsync of the directory) so a crash leaves the
 * old or the new checkpoint, never a torn one. The file is a header line
 * "causalmon-checkpoint VERSION LENGTH FNV1A64HEX" (LENGTH zero-padded to 20 digits, so the
 * header is written last in place while the body streams out) and the JSON document: a truncated,
 * altered or foreign file is refused. A write that fails removes its temporary file; a temporary
 * file left by a crash is removed by the next read. Thread: any (these functions touch no daemon
 * state; the daemon writes from its loop or its checkpoint thread, checkpoint_writer.h).
 */
#ifndef CAUSALMON_CHECKPOINT_H
#define CAUSALMON_CHECKPOINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CHECKPOINT_FILE "checkpoint.json"
/* Version 3 stores a scope's window as base64 doubles (scope.h); version 2 files still read. */
#define CHECKPOINT_VERSION        3
#define CHECKPOINT_OLDEST_VERSION 2

/* Writes state (not consumed) as dir/checkpoint.json. Returns 0, or -1 with a message. */
int checkpoint_write(const char *dir, json_t *state, char *err, size_t errlen);

/* The same for dir/file (another document in the same format, e.g. a scope's handover); the
 * read leaves a temporary file alone (another process may be writing it). */
int checkpoint_write_file(const char *dir, const char *file, json_t *state, char *err,
                          size_t errlen);
json_t *checkpoint_read_file(const char *dir, const char *file, char *err, size_t errlen);

/* FNV-1a 64 of p[0..n) (the checkpoint's checksum). */
uint64_t checkpoint_checksum(const char *p, size_t n);

/* Parses a checkpoint file's bytes buf[0..n): header, length, checksum, JSON, version. Returns
 * a new reference, or NULL with a message. */
json_t *checkpoint_parse(const char *buf, size_t n, char *err, size_t errlen);

/* Removes a leftover dir/checkpoint.json.tmp, then reads dir/checkpoint.json. Returns a new
 * reference; NULL with err empty when there is none, NULL with a message when it is unreadable,
 * corrupt or of another version. */
json_t *checkpoint_read(const char *dir, char *err, size_t errlen);

#endif
