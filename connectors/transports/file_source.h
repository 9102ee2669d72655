/*
 * file_source.h - a file or stdin as a source, for replay and offline runs.
 *
 * Line formats (influx, json, log, log_json) are read in chunks of whole lines of at most
 * FILE_CHUNK bytes, so memory does not grow with the file. A line longer than the chunk is
 * skipped up to its newline and reported once as too long. (A line-protocol string field with
 * an embedded newline can be split at a chunk boundary; such a line is then rejected.)
 * CSV goes through csv_table (its limits apply) and is replayed row by row: every numeric
 * cell is a record named after its column, at the row's time (the time column; without one,
 * row i is at i seconds).
 *
 * Replay speed is paced by event time (replay_pacer below): as fast as possible, or a speed-up
 * factor over the records' own clock. One owner thread.
 */
#ifndef CAUSALMON_FILE_SOURCE_H
#define CAUSALMON_FILE_SOURCE_H

#include "csv_table.h"
#include "record.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FILE_CHUNK (1024 * 1024)

struct file_source;

/* Opens path ("-" for stdin). Returns NULL with a message naming the file. */
struct file_source *file_source_open(const char *path, char *err, size_t errlen);
/* The next chunk of whole lines (borrowed until the next call). Returns 1 with *buf and *len set,
 * 0 at end of file, -1 on a read error (message in err). *too_long counts lines skipped for
 * length since the previous call. */
int file_source_next(struct file_source *s, const char **buf, size_t *len, long *too_long,
                     char *err, size_t errlen);
void file_source_close(struct file_source *s);

/* Replays row `row` of a CSV table as records (NaN cells are skipped). Returns 0, or 1 if fn
 * asked to stop. */
int csv_row_records(const struct csv_table *t, long row, metric_record_fn fn, void *ctx);

/* Paces a replay: speed <= 0 never waits; otherwise the wall clock follows event time divided
 * by speed, from the first event seen. */
struct replay_pacer {
    double speed;
    int64_t first_event_ns;
    double first_wall_s;
};

/* Seconds to wait before handling an event at event_ns (0 when on time or late). */
double replay_pacer_delay(struct replay_pacer *p, int64_t event_ns, double wall_now_s);

#endif
