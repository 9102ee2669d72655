/*
 * drain.h - online log template mining, Drain-style (He et al., ICWS 2017; Drain3 defaults:
 * depth 4, similarity 0.4, max children 100).
 *
 * A line is split on whitespace (and NUL bytes) into tokens. With masking on (the default, like
 * Drain3's masking_instructions), the value-like part of a token - numbers, times, dates,
 * addresses, 0x and long hex ids, host names with 2+ dots, the value of key=value - becomes
 * "<#>", which matches itself in the similarity. A fixed-depth prefix tree routes it:
 * first by token count, then by its first (depth - 2) tokens, where a token containing a digit goes
 * to the wildcard child, as does any token once a node has max_children children. At the leaf, the
 * cluster whose template shares the most positions (similarity = equal tokens / length, "<*>"
 * counting as no match) takes the line if the similarity reaches sim_threshold; its template
 * turns differing positions into "<*>". Otherwise a new cluster is made.
 *
 * Deterministic: the same lines in the same order give the same ids (1, 2, ...). The state
 * serialises to text and restores exactly (each cluster keeps its routing path), so a restart
 * from a checkpoint continues as if it had never stopped. Memory is bounded: at most
 * max_clusters clusters (further new lines get id 0, "overflow", and are counted), at most
 * DRAIN_MAX_TOKENS tokens per line (further tokens are ignored) and DRAIN_MAX_TOKEN bytes per
 * token (longer tokens are cut). One owner thread.
 */
#ifndef CAUSALMON_DRAIN_H
#define CAUSALMON_DRAIN_H

#include <stddef.h>

#define DRAIN_MAX_TOKENS 128
#define DRAIN_MAX_TOKEN  256

struct drain_params {
    int depth;            /* >= 3 (length layer + depth - 2 token layers) */
    double sim_threshold; /* (0, 1] */
    int max_children;     /* >= 2 */
    int max_clusters;     /* >= 1 */
    int mask;             /* 1: mask variable tokens before matching (default), 0: plain Drain */
};

struct drain;

void drain_params_default(struct drain_params *p);
struct drain *drain_new(const struct drain_params *p, char *err, size_t errlen);
void drain_free(struct drain *d);

/* Assigns line[0..len) to a cluster and returns its id (>= 1), or 0 when the cluster cap is
 * reached and the line matches no existing cluster. */
int drain_add(struct drain *d, const char *line, size_t len);

/* The template of cluster id as tokens joined by single spaces (owned by the miner, valid
 * until the next drain_add), or NULL for an unknown id. */
const char *drain_template(struct drain *d, int id);
int drain_nclusters(const struct drain *d);
long drain_overflow(const struct drain *d);

/* Serialises the whole state into a new NUL-terminated buffer the caller frees. */
char *drain_save(const struct drain *d, size_t *len);
/* Restores a state saved by drain_save. Returns NULL with a message if the text is malformed. */
struct drain *drain_load(const char *text, size_t len, char *err, size_t errlen);

#endif
