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

void call_graph_params_default(struct call_graph_params *p)
{
    p->share = 0.8;
    p->front_leaf = 1;
    p->common_callees = 2;
}

/* 1 when following explained-by links from c reaches target (cycles stop after nc steps). */
static int explained_through(const int *expl, int nc, int c, int target)
{
    for (int h = 0; c >= 0 && h <= nc; c = expl[c], h++)
        if (c == target) return 1;
    return 0;
}

/* The front rule (call_graph.h): each anomalous leaf l (no callees, hence unexplained) with a
 * single caller is explained by the best anomalous sibling that has callees and is not
 * explained through l as the explanations stand. first/callee: the callees of each component
 * (compressed rows). */
static void explain_fronts(const double *s, const unsigned char *anom, int nc, const int *first,
                           const int *callee, const int *ncallers, int *expl)
{
    for (int c = 0; c < nc; c++)
        for (int a = first[c]; a < first[c + 1]; a++) {
            int l = callee[a];
            if (!anom[l] || first[l + 1] > first[l] || ncallers[l] != 1) continue;
            for (int b = first[c]; b < first[c + 1]; b++) {
                int sib = callee[b];
                if (sib == l || !anom[sib] || first[sib + 1] == first[sib]) continue;
                if (explained_through(expl, nc, sib, l)) continue;
                if (expl[l] < 0 || s[sib] > s[expl[l]]) expl[l] = sib;
            }
        }
}

/* The common-cause rule (call_graph.h): a component with at least min distinct anomalous
 * callees that nothing explains explains them, and is unexplained itself. A callee that two
 * such callers share goes to the better-scoring one. */
static void explain_common_causes(const double *s, const unsigned char *anom, int nc,
                                  const int *first, const int *callee, int min, int *expl)
{
    int *e1 = xmallocarray((size_t)nc, sizeof(int)), *seen = xmallocarray((size_t)nc, sizeof(int));
    memcpy(e1, expl, (size_t)nc * sizeof(int));
    for (int c = 0; c < nc; c++) seen[c] = -1;
    for (int c = 0; c < nc; c++) {
        int cnt = 0;
        if (!anom[c]) continue;
        for (int a = first[c]; a < first[c + 1]; a++) {
            int y = callee[a];
            if (seen[y] == c) continue; /* a call listed twice counts once */
            seen[y] = c;
            cnt += anom[y] && e1[y] < 0;
        }
        if (cnt < min) continue;
        expl[c] = -1;
        for (int a = first[c]; a < first[c + 1]; a++) {
            int y = callee[a];
            if (anom[y] && e1[y] < 0 && (expl[y] < 0 || s[c] > s[expl[y]])) expl[y] = c;
        }
    }
    free(e1);
    free(seen);
}

/* Explanations that go round in a circle (calls in a cycle, e.g. two services calling each
 * other, all anomalous) would leave none of them a candidate root: the best-scoring member of
 * each circle (the lowest index among equals) is made unexplained. O(nc). */
static void break_circles(const double *s, int nc, int *expl)
{
    unsigned char *state = xcalloc((size_t)nc, 1); /* 0 unseen, 1 on the walk, 2 done */
    int *walk = xmallocarray((size_t)nc, sizeof(int));
    for (int c0 = 0; c0 < nc; c0++) {
        int n = 0, c = c0;
        while (c >= 0 && state[c] == 0) {
            state[c] = 1;
            walk[n++] = c;
            c = expl[c];
        }
        if (c >= 0 && state[c] == 1) { /* a circle: from c to the walk's end */
            int best = c;
            for (int a = n - 1; a >= 0 && walk[a] != c; a--)
                if (s[walk[a]] > s[best] || (s[walk[a]] == s[best] && walk[a] < best))
                    best = walk[a];
            expl[best] = -1;
        }
        for (int a = 0; a < n; a++) state[walk[a]] = 2;
    }
    free(state);
    free(walk);
}

int call_graph_order(const double *score, int nc, const int *calls, int ncalls, int start,
                     const struct call_graph_params *p, int *order, int *explained_by)
{
    if (nc < 1 || !p || !(p->share > 0 && p->share <= 1) || p->common_callees < 0) return -1;
    double share = p->share;
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
    /* the callees of each caller (compressed rows), the two rules of call_graph.h, then
     * breadth-first from the start along calls to anomalous callees: O(nc + ncalls), plus the
     * front rule's O(callees^2) per caller */
    int *first = xcalloc((size_t)nc + 1, sizeof(int));
    int *callee = xmallocarray((size_t)(ncalls > 0 ? ncalls : 1), sizeof(int));
    for (int e = 0; e < ncalls; e++)
        if (valid_call(calls + 2 * e, nc)) first[calls[2 * e] + 1]++;
    for (int c = 0; c < nc; c++) first[c + 1] += first[c];
    int *fill = xmallocarray((size_t)nc, sizeof(int));
    memcpy(fill, first, (size_t)nc * sizeof(int));
    for (int e = 0; e < ncalls; e++)
        if (valid_call(calls + 2 * e, nc)) callee[fill[calls[2 * e]]++] = calls[2 * e + 1];
    /* a call listed twice counts once: fill becomes the number of distinct callers, queue
     * (free until the traversal) marks each callee with the last caller counted */
    memset(fill, 0, (size_t)nc * sizeof(int));
    for (int c = 0; c < nc; c++) queue[c] = -1;
    for (int c = 0; c < nc; c++)
        for (int a = first[c]; a < first[c + 1]; a++)
            if (queue[callee[a]] != c) {
                queue[callee[a]] = c;
                fill[callee[a]]++;
            }
    if (p->front_leaf) explain_fronts(s, anom, nc, first, callee, fill, expl);
    if (p->common_callees > 0)
        explain_common_causes(s, anom, nc, first, callee, p->common_callees, expl);
    break_circles(s, nc, expl);
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
