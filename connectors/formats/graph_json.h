/*
 * graph_json.h - the links of a causal graph in the graph JSON of docs/architecture.md §3.
 * Main thread or any thread that owns the graph; jansson values follow jansson's reference rules.
 */
#ifndef CAUSALMON_GRAPH_JSON_H
#define CAUSALMON_GRAPH_JSON_H

#include "svar_graph.h"

#include <jansson.h>

/* Returns a new JSON array (caller owns the reference) with one object per adjacency:
 * {"from", "to", "lag", "type", "strength", "pvalue"} plus "qvalue" when g->qval is set.
 * Lagged links point from the past: "-->" (PCMCI+), or a PAG link "-->", "o->" or "<->"
 * (lpcmci). A contemporaneous link is listed once: "-->", "o->" or "--o" in the direction that
 * reads that way, or "o-o", "x-x", "<->" with `from` before `to` in variable order.
 * names[i] names variable i. */
json_t *graph_json_links(const struct svar_graph *g, const char *const *names);

#endif
