/*
 * graph_svg.h - a causal graph drawn as a standalone SVG fragment, laid out on the server with
 * no dependency: nodes are layered left to right by their depth among the directed links
 * (cycles broken by a depth-first search; lagged links count, so a lagged cause sits left of
 * its effect), ordered within a layer by the mean position of their causes; nodes are labelled
 * boxes, links cubic curves whose end marks follow the link type (arrow, circle, bar for a
 * conflict), dashed when contemporaneous, stroke width by |strength|. Graphs with more than
 * fold_above variables are folded: each component is one node ("name (k series)") and links
 * between components are merged (the strongest kept), except the `expand`ed component whose
 * series are drawn one by one. `only` keeps one component's series and their direct
 * neighbours. The path, the changed links and the changed mechanisms are highlighted (classes
 * "path", "changed", "mech"). Every name is XML-escaped; every node and link carries its names
 * in data-name / data-from / data-to and a <title>. Pure; any thread.
 */
#ifndef CAUSALMON_GRAPH_SVG_H
#define CAUSALMON_GRAPH_SVG_H

#include "component_map.h"
#include "prom_text.h"

#include <jansson.h>

struct graph_svg_opts {
    const struct component_map *cmap; /* NULL: "prefix" */
    int fold_above;                   /* fold when more variables than this (0: never) */
    const char *expand;               /* component drawn as its series while folded, or NULL */
    const char *only;                 /* component filter, or NULL */
    const json_t *path;               /* array of names, cause first (highlighted), or NULL */
    const json_t *changed_links;      /* array of {"from","to"} objects, or NULL */
    const json_t *changed_series;     /* array of names whose mechanism changed, or NULL */
    const json_t *tiers; /* array of globs, lowest tier first, or NULL: each tier gets its own
                            band of columns, left to right; series of no tier come last */
};

/* Appends the <svg> element of graph (graph JSON: "variables", "links") to out. Returns the
 * number of nodes drawn (0 for an empty graph, which draws a short note instead). */
int graph_svg(struct prom_text *out, const json_t *graph, const struct graph_svg_opts *o);

/* Appends s with & < > " ' escaped for HTML/XML text and attribute values. */
void xml_escape(struct prom_text *out, const char *s);

#endif
