/*
 * aligner_state.h - the part of the aligner a checkpoint keeps, so a restart neither loses nor
 * double-counts a record: where the closed buckets end (records before it are in the
 * checkpointed windows; replayed ones are dropped as duplicates) and each series' carry-forward
 * state (gaps after the restart are filled as without it). Open buckets are not kept: with
 * store=checkpoint their Kafka records are read again (kafka_source.h).
 * Thread: the loop.
 */
#ifndef CAUSALMON_ALIGNER_STATE_H
#define CAUSALMON_ALIGNER_STATE_H

#include "aligner.h"

#include <jansson.h>
#include <stdint.h>

/* {"closed_before_ns": T, "newest_ns": T, "empty_run": N, "series": [[name, value|null,
 * missing_run], ...]}, or JSON null before the first record. New reference; series names that are
 * not valid UTF-8 are left out (the parsers refuse them, so this is only a guard). */
json_t *aligner_state_save(const struct aligner *al);

/* Resumes al from a saved state (a fresh aligner, before any record). A state whose closed
 * time lies more than max_future_ns (> 0) ahead of now_ns is refused, so a checkpoint written
 * after a far-future record cannot freeze the windows. Returns 0 (also for JSON null: nothing
 * to resume), or -1 with a message when the state is malformed or refused. */
int aligner_state_restore(struct aligner *al, json_t *j, int64_t now_ns, int64_t max_future_ns,
                          char *err, size_t errlen);

#endif
