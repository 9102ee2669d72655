/* rca_graph.c - the graph side of the root-cause ranking (rca_graph.h). */
#include "rca_graph.h"

#include "fdr.h"
#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Removes the link (i, j, tau) and, for tau = 0, its mirror. */
static void drop_link(struct svar_graph *g, int i, int j, int tau)
{
    g->type[svar_graph_at(g, i, j, tau)] = LINK_NONE;
    if (tau == 0) g->type[svar_graph_at(g, j, i, 0)] = LINK_NONE;
}

static void set_contemp(struct svar_graph *g, int from, int to)
{
    g->type[svar_graph_at(g, from, to, 0)] = LINK_FWD;
    g->type[svar_graph_at(g, to, from, 0)] = LINK_BWD;
}

void rca_graph_apply_prior(struct svar_graph *g, const int *kept, int n, const struct rca_prior *pr)
{
    int m = g->nvars;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            int ci = kept[i], cj = kept[j];
            int ti = pr->tier ? pr->tier[ci] : -1, tj = pr->tier ? pr->tier[cj] : -1;
            int against_tier = ti >= 0 && tj >= 0 && ti > tj; /* i (higher) causing j (lower) */
            int forbidden = pr->forbidden && pr->forbidden[(size_t)ci * n + cj];
            for (int tau = 0; tau <= g->tau_max; tau++) {
                if (i == j && tau == 0) continue;
                unsigned char t = g->type[svar_graph_at(g, i, j, tau)];
                if (t == LINK_NONE) continue;
                if (tau > 0 || t == LINK_FWD) { /* i causes j */
                    if (against_tier || forbidden) drop_link(g, i, j, tau);
                } else if (t == LINK_UNORIENTED || t == LINK_CONFLICT) {
                    int fb_ji = pr->forbidden && pr->forbidden[(size_t)cj * n + ci];
                    if ((against_tier || forbidden) && (ti < tj || fb_ji))
                        drop_link(g, i, j, 0);
                    else if (against_tier || forbidden)
                        set_contemp(g, j, i);
                    else if (ti >= 0 && tj >= 0 && ti < tj)
                        set_contemp(g, i, j);
                }
            }
            if (pr->required && pr->required[(size_t)ci * n + cj] && i != j) set_contemp(g, i, j);
        }
}

void rca_graph_summary_parents(const struct svar_graph *g, unsigned char *parent)
{
    int m = g->nvars;
    memset(parent, 0, (size_t)m * m);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            if (i == j) continue;
            for (int tau = 0; tau <= g->tau_max; tau++) {
                unsigned char t = g->type[svar_graph_at(g, i, j, tau)];
                if ((tau > 0 && (t == LINK_FWD || t == LINK_CIRC_FWD)) ||
                    (tau == 0 && (t == LINK_FWD || t == LINK_UNORIENTED || t == LINK_CONFLICT ||
                                  t == LINK_CIRC_FWD || t == LINK_TAIL_CIRC)))
                    parent[(size_t)j * m + i] = 1;
            }
        }
}

int rca_graph_shortest_path(const unsigned char *parent, int m, int a, int b, const int *kept,
                            int *path)
{
    if (a == b) {
        path[0] = kept[a];
        return 1;
    }
    int *prev = xmallocarray((size_t)m, sizeof(int)), *queue = xmallocarray((size_t)m, sizeof(int));
    for (int v = 0; v < m; v++) prev[v] = -2;
    int head = 0, tail = 0, len = 0;
    queue[tail++] = a;
    prev[a] = -1;
    while (head < tail && prev[b] == -2) {
        int u = queue[head++];
        for (int v = 0; v < m; v++) /* u causes v */
            if (prev[v] == -2 && parent[(size_t)v * m + u]) {
                prev[v] = u;
                queue[tail++] = v;
            }
    }
    if (prev[b] != -2) {
        int n = 0;
        for (int v = b; v != -1; v = prev[v]) n++;
        if (n <= RCA_PATH_MAX) {
            len = n;
            for (int v = b, k = n - 1; v != -1; v = prev[v], k--) path[k] = kept[v];
        }
    }
    free(prev);
    free(queue);
    return len;
}

void rca_graph_mechanism(const double *Y, int rows, int m, int split, const struct svar_graph *g,
                         int j, int max_parents, double *pval, enum change_kind *kind)
{
    *pval = 1;
    *kind = CHANGE_NONE;
    int all = m * (g->tau_max + 1), k = 0;
    int *pi = xmallocarray((size_t)all, sizeof(int)), *pt = xmallocarray((size_t)all, sizeof(int));
    double *pv = xmallocarray((size_t)all, sizeof(double));
    for (int i = 0; i < m; i++)
        for (int tau = 0; tau <= g->tau_max; tau++) {
            unsigned char t = g->type[svar_graph_at(g, i, j, tau)];
            if (!(t == LINK_FWD && (tau > 0 || i != j))) continue;
            double v = fabs(g->val[svar_graph_at(g, i, j, tau)]);
            int at = k++; /* insertion by descending strength */
            while (at > 0 && pv[at - 1] < v) {
                pi[at] = pi[at - 1], pt[at] = pt[at - 1], pv[at] = pv[at - 1];
                at--;
            }
            pi[at] = i, pt[at] = tau, pv[at] = v;
        }
    if (k > max_parents) k = max_parents;
    int post = rows - split;
    if (k > post - 3) k = post - 3 > 0 ? post - 3 : 0; /* the incident must fit the regression */
    int start = g->tau_max, nr = 0;
    double *y = xmallocarray((size_t)rows, sizeof(double));
    double *Z = xmallocarray((size_t)rows * (size_t)(k ? k : 1), sizeof(double));
    int *seg = xmallocarray((size_t)rows, sizeof(int));
    for (int t = start; t < rows; t++) {
        double v = Y[(size_t)t * m + j];
        int ok = !isnan(v);
        for (int a = 0; a < k && ok; a++) {
            double z = Y[(size_t)(t - pt[a]) * m + pi[a]];
            ok = !isnan(z);
            Z[(size_t)nr * k + a] = z;
        }
        if (!ok) continue;
        y[nr] = v;
        seg[nr++] = t >= split;
    }
    struct mech_regimes reg = {seg, 2, NULL};
    struct mech_result mr;
    char err[128];
    if (nr > 0 && mech_change_test(y, Z, nr, k, &reg, MECH_CHOW, 1, 0, &mr, err, sizeof err) == 0) {
        *pval = mr.pval;
        *kind = mr.kind;
        mech_result_fini(&mr);
    }
    free(y);
    free(Z);
    free(seg);
    free(pi);
    free(pt);
    free(pv);
}

double rca_corr_rows(const double *a, const double *b, size_t stride, int from, int to, int *n)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    int c = 0;
    for (int t = from; t < to; t++) {
        double x = a[(size_t)t * stride], y = b[(size_t)t * stride];
        if (isnan(x) || isnan(y)) continue;
        sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y, c++;
    }
    *n = c;
    if (c < 3) return NAN;
    double vx = saa - sa * sa / c, vy = sbb - sb * sb / c, cov = sab - sa * sb / c;
    return vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : NAN;
}

void rca_graph_strength_changes(const double *Y, int rows, int m, int split,
                                const struct svar_graph *g, const int *kept, double alpha,
                                struct rca_result *res)
{
    int cap = 64, nl = 0;
    struct rca_link_change *l = xmallocarray((size_t)cap, sizeof *l);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            for (int tau = 0; tau <= g->tau_max; tau++) {
                unsigned char t = g->type[svar_graph_at(g, i, j, tau)];
                if (t == LINK_NONE || t == LINK_BWD || (tau == 0 && i >= j && t != LINK_FWD) ||
                    (i == j))
                    continue;
                int na, nb;
                const double *x = Y + (size_t)i, *y = Y + (size_t)j;
                /* x at t - tau against y at t */
                double ra = rca_corr_rows(x, y + (size_t)tau * m, (size_t)m, 0, split - tau, &na);
                double rb =
                    rca_corr_rows(x, y + (size_t)tau * m, (size_t)m, split - tau, rows - tau, &nb);
                if (isnan(ra) || isnan(rb) || na < 5 || nb < 5) continue;
                double za = atanh(fmax(-0.999999, fmin(0.999999, ra)));
                double zb = atanh(fmax(-0.999999, fmin(0.999999, rb)));
                double z = (za - zb) / sqrt(1.0 / (na - 3) + 1.0 / (nb - 3));
                if (nl == cap) l = xrealloc(l, (size_t)(cap *= 2) * sizeof *l);
                l[nl++] = (struct rca_link_change){
                    kept[i], kept[j], tau, ra, rb, erfc(fabs(z) / sqrt(2.0)), 1};
            }
    double *p = xmallocarray((size_t)nl + 1, sizeof(double));
    for (int a = 0; a < nl; a++) p[a] = l[a].pval;
    fdr_bh(p, (size_t)nl, p);
    int keep = 0;
    for (int a = 0; a < nl; a++)
        if (p[a] <= alpha) {
            l[keep] = l[a];
            l[keep++].qval = p[a];
        }
    free(p);
    res->changed_links = l;
    res->nchanged_links = keep;
}
