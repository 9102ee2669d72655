/*
 * graph_dot.h - a causal graph in Graphviz DOT: the graph JSON of `discover` and `query graph`
 * ({"variables", "links": [{"from","to","lag","type","strength"}...]}) as a digraph. Link type
 * becomes the end marks (arrowhead/arrowtail: normal for '>' '<', odot for 'o', tee for 'x'),
 * lag the edge label ("lag L"; contemporaneous links are dashed), |strength| the pen width.
 * Pure string handling; any thread.
 */
#ifndef CAUSALMON_GRAPH_DOT_H
#define CAUSALMON_GRAPH_DOT_H

#include <jansson.h>

/* The end marks of a link type string ("-->", "o->", "<->", "o-o", "x-x", "--o", ...):
 * *tail is the mark at `from`, *head at `to`: '>' arrow, 'o' circle, 'x' conflict, '-' none.
 * Anything else reads as "-->". */
void graph_link_marks(const char *type, char *tail, char *head);

/* Returns the DOT text of the graph (caller frees), or NULL with a message in err when
 * graph is not a graph JSON object (no "links" array). name titles the digraph (NULL: the
 * graph's "scope", else "causalmon"). */
char *graph_dot(const json_t *graph, const char *name, char *err, size_t errlen);

#endif
