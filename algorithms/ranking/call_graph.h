/*
 * call_graph.h - a known call graph between components (who calls whom, from a service map or
 * tracing) used to order root-cause candidates callee-first.
 *
 * A slow or failing service makes its callers slow or failing too, often by more than itself
 * in their own series. Given the component scores of a ranking and the call edges, a component
 * is "anomalous" when its score is at least share x the best score. An anomalous component
 * with an anomalous callee is explained by that callee; one without is a candidate root. Two
 * more explanations follow, in this order:
 *   - a front (front_leaf): an anomalous leaf (no callees in the map) with a single caller is
 *     seen only from that caller: a load balancer, proxy or external name that the caller's
 *     client-side spans name, while the service behind it appears as another callee of the
 *     same caller. It is explained by the best anomalous callee of that caller that has
 *     callees of its own (instrumented) and is not explained through it;
 *   - a common cause (common_callees): a component with at least common_callees anomalous
 *     callees that nothing above explains, its own anomaly included, is their common cause:
 *     a saturated caller slows every call it makes, as its callers measure them, while one
 *     slow callee leaves its siblings alone. Those callees are then explained by it, and it
 *     is a candidate root again (a callee two such callers share goes to the better-scoring).
 * Explanations that go round in a circle (calls in a cycle, all anomalous) are cut at the
 * circle's best-scoring member, which becomes a candidate root. The order is:
 *   1. candidate roots reachable from the start component (the KPI's) along calls to
 *      anomalous callees, by score (the traversal an operator does by hand on a service map);
 *   2. other candidate roots, by score (an anomalous component outside the map, or not
 *      reached through anomalous callees);
 *   3. everything else, by score.
 * Pure; any thread.
 */
#ifndef CAUSALMON_CALL_GRAPH_H
#define CAUSALMON_CALL_GRAPH_H

struct call_graph_params {
    double share;       /* anomalous from this share of the best score, in (0, 1] (0.8) */
    int front_leaf;     /* 1: a single-caller anomalous leaf is explained by an instrumented
                         * sibling (1) */
    int common_callees; /* unexplained anomalous callees that make their caller their common
                         * cause; 0: never (2) */
};

/* Fills p with the defaults given above: share 0.8, front_leaf 1, common_callees 2. Any
 * thread. */
void call_graph_params_default(struct call_graph_params *p);

/* Orders components 0..nc-1 as above. score[nc] (NaN or negative: 0); calls[2 * ncalls]
 * caller, callee pairs (entries outside 0..nc-1 and self calls are ignored); start: the
 * start component or -1 (step 1 is then empty). Writes the order into order[nc] and, when
 * explained_by is not NULL, for each component the anomalous component that explains it (a
 * callee, a sibling for a front, the caller for a common cause) or -1. Returns the number of
 * candidate roots (steps 1 and 2), 0 when no score is positive, or -1 on bad arguments
 * (nc < 1, share outside (0, 1], common_callees < 0). */
int call_graph_order(const double *score, int nc, const int *calls, int ncalls, int start,
                     const struct call_graph_params *p, int *order, int *explained_by);

#endif
