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

/* The naming rule of log count series, the one place it is written. */
enum log_series_kind {
    LOG_SERIES_NONE = 0, /* not a log series */
    LOG_SERIES_TEMPLATE, /* log.<stream>.tpl<id> */
    LOG_SERIES_LEVEL,    /* log.<stream>.level.<LEVEL> */
};

/* Writes the series name of template id of stream ("log.<stream>.tpl<id>") into out. Returns
 * its length, or -1 when it does not fit in len bytes. Pure; any thread. */
int log_series_template_name(const char *stream, int id, char *out, size_t len);

/* Writes the series name of level (already normalised) of stream ("log.<stream>.level.<LEVEL>")
 * into out. Returns its length, or -1 when it does not fit. Pure; any thread. */
int log_series_level_name(const char *stream, const char *level, char *out, size_t len);

/* Whether name is a log series (template or level): a count series. Pure; any thread. */
int log_series_is_count(const char *name);

/* A parsed log series name; stream and level point into the parsed text (not terminated). */
struct log_series_name {
    enum log_series_kind kind;
    const char *stream;
    size_t stream_len;
    int id;            /* LOG_SERIES_TEMPLATE */
    const char *level; /* LOG_SERIES_LEVEL */
    size_t level_len;
};

/* Parses name[0..len) against the rule: a stream of 1..LOG_STREAM_MAX bytes without '.', then
 * "tpl" and decimal digits, or "level." and 1..LOG_LEVEL_MAX bytes. Returns the kind (also in
 * *out), LOG_SERIES_NONE for any other name. Pure; any thread. */
enum log_series_kind log_series_name_parse(const char *name, size_t len,
                                           struct log_series_name *out);

/* Creates the set. Returns NULL with a message if a parameter is out of range. */
struct log_series *log_series_new(const struct drain_params *dp, int max_streams, char *err,
                                  size_t errlen);
void log_series_free(struct log_series *ls);

/* Mines r's template and emits its count records through fn. Returns the template id (>= 0),
 * -1 when the stream is new and max_streams is reached (nothing emitted), or -2 if fn asked to
 * stop. */
int log_series_add(struct log_series *ls, const struct log_record *r, metric_record_fn fn,
                   void *ctx);

/* The template text behind a template series name (log_series_name_parse; owned by the set,
 * valid until the next add), or NULL when the name is not a template series. */
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
