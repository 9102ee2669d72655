/*
 * log_series.h - log lines become count series (docs/architecture.md §1, step 2; issue "Streams in"
 * §3).
 *
 * Each stream has its own Drain template miner. A log record adds 1 to the series
 * `log.<stream>.tpl<id>` (id 0 collects lines past the template cap) and, when it has a level,
 * to `log.<stream>.level.<LEVEL>`. Levels are normalised: upper case, WARNING -> WARN,
 * ERR -> ERROR, CRITICAL -> CRIT, EMERGENCY -> EMERG, INFORMATION -> INFO; other characters
 * than A-Z, 0-9 and '_' become '_'; at most LOG_LEVEL_MAX bytes. Stream names are sanitised
 * the same way (letters, digits, '_' and '-' kept, case kept; at most LOG_STREAM_MAX bytes).
 * The records carry value 1; the caller aggregates them with AGG_COUNT (the aligner fills
 * empty buckets of count series with 0).
 *
 * Memory: at most max_streams miners, each bounded by its drain_params. State saves to text
 * and restores exactly. One owner thread.
 */
#ifndef CAUSALMON_LOG_SERIES_H
#define CAUSALMON_LOG_SERIES_H

#include "drain.h"
#include "record.h"

#include <stddef.h>

#define LOG_STREAM_MAX 128
#define LOG_LEVEL_MAX  16

struct log_series;

/* Creates the set. Returns NULL with a message if a parameter is out of range. */
struct log_series *log_series_new(const struct drain_params *dp, int max_streams, char *err,
                                  size_t errlen);
void log_series_free(struct log_series *ls);

/* Mines r's template and emits its count records through fn. Returns the template id (>= 0),
 * -1 when the stream is new and max_streams is reached (nothing emitted), or -2 if fn asked to
 * stop. */
int log_series_add(struct log_series *ls, const struct log_record *r, metric_record_fn fn,
                   void *ctx);

/* The template text behind a series name `log.<stream>.tpl<id>` (owned by the set, valid until
 * the next add), or NULL when the name is not a template series. */
const char *log_series_template(struct log_series *ls, const char *series, size_t len);

int log_series_nstreams(const struct log_series *ls);
/* Stream i's sanitised name and miner (owned by the set). */
const char *log_series_stream(const struct log_series *ls, int i);
struct drain *log_series_drain(struct log_series *ls, int i);

/* Writes the normalised level of s[0..n) into out (LOG_LEVEL_MAX + 1 bytes); returns its length. */
size_t log_level_normalise(const char *s, size_t n, char *out);

/* Serialises every stream's miner into a new buffer the caller frees. */
char *log_series_save(const struct log_series *ls, size_t *len);
/* Restores a saved set; each stream's miner keeps its saved parameters, streams added later
 * use dp. Returns NULL with a message naming what was wrong. */
struct log_series *log_series_load(const char *text, size_t len, const struct drain_params *dp,
                                   int max_streams, char *err, size_t errlen);

#endif
