/*
 * sources.h - the registry of input types (source.h) and the daemon's set of open inputs.
 * The built-in types are one line each in sources.c; a program may add its own type with
 * sources_register() before it loads a configuration (the tests add a test-only source).
 */
#ifndef CAUSALMON_SOURCES_H
#define CAUSALMON_SOURCES_H
#include "source.h"

#define SOURCES_MAX_TYPES 16

/* Adds an input type (ops must outlive the program). Returns 0, or -1 when the name is taken or
 * the registry is full. Main thread, before config_load. */
int sources_register(const struct source_ops *ops);

/* The registered type names, NULL-terminated, in registration order: the config's choices for
 * inputs[].type, whose value is an index into this list. Any thread once registration is over. */
const char *const *sources_type_names(void);

/* The operations of type index t (NULL when out of range). */
const struct source_ops *sources_ops(int t);

/* The daemon's open inputs. */
struct sources {
    struct source s[CONF_MAX_INPUTS];
    int n;
};

/* Opens every input of env->conf. Returns 0, or -1 with a message naming the input (the inputs
 * opened so far stay in *out for sources_close). */
int sources_open(struct sources *out, const struct source_env *env, char *err, size_t errlen);

/* Fills items with the pollable socket or fd of each input that is not paused; returns how many
 * (at most max). */
int sources_pollitems(struct sources *ss, zmq_pollitem_t *items, int max);

/* Polls every input that is not paused once with the budget, then pauses an input that runs
 * ahead of the others' backlog and resumes one that no longer does (source.h). *backlog: some
 * input has more waiting; *due: seconds until a paced input is next due (-1 none, 0 busy).
 * Returns -1 when an input failed fatally (logged), else 0. */
int sources_poll(struct sources *ss, int budget, int *backlog, double *due);

/* 1 when an input of c holds the aligner's watermark (source_ops.holds_watermark): the aligner
 * then needs hold_ns = lateness. Any thread. */
int sources_hold_watermark(const struct config *c);

/* Tells every input that records before closed_ns are durable. */
void sources_durable(struct sources *ss, int64_t closed_ns);

/* 1 when some input replays what was not durable at a stop. */
int sources_replayable(const struct sources *ss);

/* Registers the per-input counters (records, lines, rejected, skipped, pauses) and each type's
 * own. */
void sources_stats(struct sources *ss, struct stats *reg);

/* The status JSON's "inputs" array: each input's name and type (the counters come from the
 * stats registry). A new reference. */
json_t *sources_status(const struct sources *ss);

/* Closes every input (idempotent). */
void sources_close(struct sources *ss);

#endif
