/* call_graph.c - callee-first order of root-cause candidates on a known call graph
 * (call_graph.h). */
#include "call_graph.h"

#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct keyed {
    int comp, cls;
    double score; /* as given, NaN as -infinity: a component without series stays last */
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->cls != y->cls) return x->cls - y->cls;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->comp - y->comp;
}

static int valid_call(const int *e, int nc)
{
    return e[0] >= 0 && e[0] < nc && e[1] >= 0 && e[1] < nc && e[0] != e[1];
}

int call_graph_order(const double *score, int nc, const int *calls, int ncalls, int start,
                     double share, int *order, int *explained_by)
{
    if (nc < 1 || !(share > 0 && share <= 1)) return -1;
    double *s = xmallocarray((size_t)nc, sizeof(double));
    double best = 0;
    for (int c = 0; c < nc; c++) {
        s[c] = isnan(score[c]) || score[c] < 0 ? 0 : score[c];
        if (s[c] > best) best = s[c];
    }
    unsigned char *anom = xcalloc((size_t)nc, 1), *reach = xcalloc((size_t)nc, 1);
    int *expl = xmallocarray((size_t)nc, sizeof(int)),
        *queue = xmallocarray((size_t)nc, sizeof(int));
    for (int c = 0; c < nc; c++) {
        anom[c] = best > 0 && s[c] > 0 && s[c] >= share * best;
        expl[c] = -1;
    }
    for (int e = 0; e < ncalls; e++) {
        const int *ed = calls + 2 * e;
        if (!valid_call(ed, nc) || !anom[ed[0]] || !anom[ed[1]]) continue;
        if (expl[ed[0]] < 0 || s[ed[1]] > s[expl[ed[0]]]) expl[ed[0]] = ed[1];
    }
    /* the callees of each caller (compressed rows), then breadth-first from the start along
     * calls to anomalous callees: O(nc + ncalls) */
    int *first = xcalloc((size_t)nc + 1, sizeof(int));
    int *callee = xmallocarray((size_t)(ncalls > 0 ? ncalls : 1), sizeof(int));
    for (int e = 0; e < ncalls; e++)
        if (valid_call(calls + 2 * e, nc)) first[calls[2 * e] + 1]++;
    for (int c = 0; c < nc; c++) first[c + 1] += first[c];
    int *fill = xmallocarray((size_t)nc, sizeof(int));
    memcpy(fill, first, (size_t)nc * sizeof(int));
    for (int e = 0; e < ncalls; e++)
        if (valid_call(calls + 2 * e, nc)) callee[fill[calls[2 * e]]++] = calls[2 * e + 1];
    int head = 0, tail = 0;
    if (best > 0 && start >= 0 && start < nc) reach[start] = 1, queue[tail++] = start;
    while (head < tail) {
        int c = queue[head++];
        for (int a = first[c]; a < first[c + 1]; a++) {
            int d = callee[a];
            if (!anom[d] || reach[d]) continue;
            reach[d] = 1;
            queue[tail++] = d;
        }
    }
    free(first), free(callee), free(fill);
    struct keyed *k = xmallocarray((size_t)nc, sizeof *k);
    int roots = 0;
    for (int c = 0; c < nc; c++) {
        int root = anom[c] && expl[c] < 0;
        k[c] = (struct keyed){c, root ? (reach[c] ? 0 : 1) : 2,
                              isnan(score[c]) ? -INFINITY : score[c]};
        roots += root;
    }
    qsort(k, (size_t)nc, sizeof *k, cmp_keyed);
    for (int a = 0; a < nc; a++) order[a] = k[a].comp;
    if (explained_by)
        for (int c = 0; c < nc; c++) explained_by[c] = expl[c];
    free(k), free(s), free(anom), free(reach), free(expl), free(queue);
    return roots;
}
