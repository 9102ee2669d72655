/*
 * scope_model.h - a scope's latest learned model as typed data: the graph of its last refresh
 * (rca.h struct rca_learned: the graph over window columns, priors applied) with the names of
 * its variables and how it was learned. A worker builds one and hands it over whole; the scope
 * keeps it under its lock, and the graph JSON of docs/architecture.md is rendered from it only
 * when asked (`query graph`, the web UI, DOT).
 */
#ifndef CAUSALMON_SCOPE_MODEL_H
#define CAUSALMON_SCOPE_MODEL_H

#include "rca.h"

#include <jansson.h>

struct scope_model {
    struct rca_learned g; /* graph over window columns g.kept[0..g.nkept) */
    char **names;         /* [g.nkept] variable names, owned */
    int method;           /* enum svar_method */
    int tau_max;
    double alpha;
    double seconds; /* time the refresh took to learn it */
};

/* Takes over *g (left empty) and copies the names of its columns from col_names (window
 * column -> name). Any thread; the caller owns the result. */
struct scope_model *scope_model_new(struct rca_learned *g, char *const *col_names, int method,
                                    int tau_max, double alpha, double seconds);
/* NULL is a no-op. */
void scope_model_free(struct scope_model *m);

/* The graph JSON of scope `scope`: {"scope","method","variables","samples","tau_max","alpha",
 * "test","links","seconds"} (a new reference). Any thread that may read m. */
json_t *scope_model_json(const struct scope_model *m, const char *scope);

#endif
