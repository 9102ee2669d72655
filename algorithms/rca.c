/* rca.c - root-cause ranking of one incident (rca.h). */
#include "rca.h"

#include "fdr.h"
#include "robust_score.h"
#include "seasonality.h"
#include "svar_discover.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rca_params_default(struct rca_params *p)
{
    p->tau_max = 1;
    p->alpha = 0.01;
    p->mech_alpha = 0.01;
    p->max_parents = 6;
    p->onset_z = 3.0;
    p->lookback = 5;
    p->max_gap = 3;
    p->top = 5;
    p->deseason = 0;
    p->cancel = NULL;
    rwr_params_default(&p->rwr);
}

void rca_result_free(struct rca_result *res)
{
    free(res->causes);
    free(res->baseline);
    free(res->baseline_score);
    free(res->components);
    free(res->baseline_components);
    free(res->changed_links);
    svar_graph_free(res->graph);
    free(res->kept);
    memset(res, 0, sizeof *res);
}

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

/* Prior knowledge on the graph over kept columns (rca.h step 2). */
static void apply_prior(struct svar_graph *g, const int *kept, int n, const struct rca_prior *pr)
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

/* parent[u * m + v] = 1 when v causes u at some lag (o-o and x-x both ways); self links left
 * out. */
static void summary_parents(const struct svar_graph *g, unsigned char *parent)
{
    int m = g->nvars;
    memset(parent, 0, (size_t)m * m);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            if (i == j) continue;
            for (int tau = 0; tau <= g->tau_max; tau++) {
                unsigned char t = g->type[svar_graph_at(g, i, j, tau)];
                if ((tau > 0 && t == LINK_FWD) ||
                    (tau == 0 && (t == LINK_FWD || t == LINK_UNORIENTED || t == LINK_CONFLICT)))
                    parent[(size_t)j * m + i] = 1;
            }
        }
}

/* Shortest cause -> effect path from a to b (kept indices), written as input columns. */
static int shortest_path(const unsigned char *parent, int m, int a, int b, const int *kept,
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

/* Chow test of kept series j given its strongest graph parents, reference vs incident rows. */
static void mechanism(const double *Y, int rows, int m, int split, const struct svar_graph *g,
                      int j, const struct rca_params *p, double *pval, enum change_kind *kind)
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
    if (k > p->max_parents) k = p->max_parents;
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

/* Pearson correlation of a[i * sa] and b[i * sb] over rows [from, to) with both present. */
static double corr_rows(const double *a, const double *b, size_t stride, int from, int to, int *n)
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

/* Fisher-z difference of every link's correlation, reference vs incident (rca.h). */
static void strength_changes(const double *Y, int rows, int m, int split,
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
                double ra = corr_rows(x, y + (size_t)tau * m, (size_t)m, 0, split - tau, &na);
                double rb =
                    corr_rows(x, y + (size_t)tau * m, (size_t)m, split - tau, rows - tau, &nb);
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

static int cmp_cause(const void *a, const void *b)
{
    const struct rca_cause *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->var - y->var;
}

static int cmp_component(const void *a, const void *b)
{
    const struct rca_component *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->component - y->component;
}

/* Folds per-series scores to components: best series per component, ranked. */
static struct rca_component *fold_components(const int *var, const double *score, int nv,
                                             const struct rca_prior *pr)
{
    struct rca_component *c = xmallocarray((size_t)pr->ncomponents, sizeof *c);
    for (int k = 0; k < pr->ncomponents; k++) c[k] = (struct rca_component){k, -1, -1};
    for (int a = 0; a < nv; a++) {
        int k = pr->component[var[a]];
        double s = isnan(score[a]) ? -0.5 : score[a];
        if (k >= 0 && k < pr->ncomponents && s > c[k].score) {
            c[k].score = s;
            c[k].best_var = var[a];
        }
    }
    qsort(c, (size_t)pr->ncomponents, sizeof *c, cmp_component);
    return c;
}

/* Onset row (relative to split) of kept series j: first row from split - lookback on that
 * leaves the reference band. */
static int onset_of(const double *Y, int rows, int m, int split, int j, double z, int lookback,
                    double *scratch)
{
    double med, iqr;
    int ref_end = split - lookback > 3 ? split - lookback : split;
    if (robust_center(Y, rows, m, j, ref_end, &med, &iqr, scratch) < 3) return RCA_NO_ONSET;
    double sd = iqr / 1.349;
    for (int t = ref_end; t < rows; t++) {
        double v = Y[(size_t)t * m + j];
        if (!isnan(v) && fabs(v - med) > z * sd) return t - split;
    }
    return RCA_NO_ONSET;
}

int rca_run(const double *X, int rows, int n, int split, int kpi, const struct rca_params *p,
            const struct rca_prior *prior, struct rca_result *res, char *err, size_t errlen)
{
    static const struct rca_prior none = {0};
    if (!prior) prior = &none;
    memset(res, 0, sizeof *res);
    if (split < 10 || split > rows - 1) {
        snprintf(err, errlen,
                 "the fault time leaves %d reference and %d incident rows (need at "
                 "least 10 and 1)",
                 split, rows - split);
        return -1;
    }
    if (kpi >= n) {
        snprintf(err, errlen, "kpi column %d out of range", kpi);
        return -1;
    }
    double *W = xmallocarray((size_t)rows * n, sizeof(double));
    memcpy(W, X, (size_t)rows * n * sizeof(double));
    if (prior->is_count)
        for (size_t a = 0; a < (size_t)rows * n; a++)
            if (prior->is_count[a % n] && isnan(W[a])) W[a] = 0;
    enum column_status *status = xmallocarray((size_t)n, sizeof *status);
    int *kept = xmallocarray((size_t)n, sizeof(int)), m = 0;
    long filled = 0;
    double *Y = svar_prepare(W, rows, n, p->max_gap, 0.5, status, kept, &m, &filled, err, errlen);
    free(W);
    free(status);
    if (!Y) {
        free(kept);
        return -1;
    }
    if (p->deseason) season_remove_columns(Y, rows, m, NULL);
    double *anom = xmallocarray((size_t)m, sizeof(double));
    robust_score(Y, rows, m, split, anom);
    int s = -1; /* the KPI as a kept index */
    for (int a = 0; a < m; a++) {
        if (kpi >= 0 && kept[a] == kpi) {
            s = a;
            break;
        }
        if (kpi < 0 && !isnan(anom[a]) && (s < 0 || anom[a] > anom[s])) s = a;
    }
    if (s < 0) {
        snprintf(err, errlen,
                 kpi >= 0 ? "the KPI is constant or mostly missing" : "no series is scorable");
        free(Y), free(kept), free(anom);
        return -1;
    }
    res->kpi = kept[s];
    res->nkept = m;
    res->kept = kept;
    res->graph = svar_graph_new(m, p->tau_max);
    struct pcmci_params pp;
    pcmci_params_default(&pp, p->tau_max);
    pp.alpha = p->alpha;
    pp.max_conds_dim = 3;
    pp.cancel = p->cancel;
    if (svar_discover_graph(Y, rows, m, &pp, res->graph, NULL, &res->samples, err, errlen)) {
        free(Y), free(anom);
        rca_result_free(res);
        return -1;
    }
    apply_prior(res->graph, kept, n, prior);
    unsigned char *parent = xmallocarray((size_t)m * m, 1);
    summary_parents(res->graph, parent);

    /* mechanism changes, BH over the series */
    double *mp = xmallocarray((size_t)m, sizeof(double)),
           *mq = xmallocarray((size_t)m, sizeof(double));
    enum change_kind *kind = xmallocarray((size_t)m, sizeof *kind);
    for (int j = 0; j < m; j++) mechanism(Y, rows, m, split, res->graph, j, p, &mp[j], &kind[j]);
    fdr_bh(mp, (size_t)m, mq);

    /* walk weights: anomaly and correlation with the KPI */
    double amax = 0;
    for (int j = 0; j < m; j++)
        if (!isnan(anom[j]) && j != s && anom[j] > amax) amax = anom[j];
    double *w = xmallocarray((size_t)m, sizeof(double)),
           *pi = xmallocarray((size_t)m, sizeof(double));
    double *A = xmallocarray((size_t)m, sizeof(double)),
           *rel = xmallocarray((size_t)m, sizeof(double));
    for (int j = 0; j < m; j++) {
        A[j] = isnan(anom[j]) || amax <= 0 ? 0 : fmin(1, log1p(anom[j]) / log1p(amax));
        int nc;
        double r = corr_rows(Y + j, Y + s, (size_t)m, 0, rows, &nc);
        rel[j] = isnan(r) ? 0 : fabs(r);
        w[j] = 0.5 * A[j] + 0.5 * rel[j];
    }
    rwr_scores(parent, w, m, s, &p->rwr, pi);
    double pimax = 0;
    for (int j = 0; j < m; j++)
        if (j != s && pi[j] > pimax) pimax = pi[j];

    /* onset order */
    double *scratch = xmallocarray((size_t)rows, sizeof(double));
    int *onset = xmallocarray((size_t)m, sizeof(int));
    for (int j = 0; j < m; j++)
        onset[j] = onset_of(Y, rows, m, split, j, p->onset_z, p->lookback, scratch);

    res->ncauses = m;
    res->causes = xcalloc((size_t)m, sizeof *res->causes);
    for (int j = 0; j < m; j++) {
        struct rca_cause *c = &res->causes[j];
        c->var = kept[j];
        c->anomaly = anom[j];
        c->mech_p = mp[j];
        c->mech_q = mq[j];
        c->mech_changed = mq[j] <= p->mech_alpha;
        c->kind = c->mech_changed ? kind[j] : CHANGE_NONE;
        c->onset = onset[j];
        /* the KPI's own mass less the restarts that always return to it */
        c->walk =
            pimax <= 0 ? 0 : fmax(0, fmin(1, (j == s ? pi[j] - p->rwr.restart : pi[j]) / pimax));
        double amax_parent = 0;
        for (int v = 0; v < m; v++)
            if (parent[(size_t)j * m + v]) {
                if (mq[v] <= p->mech_alpha) c->parents_changed = 1;
                if (A[v] > amax_parent) amax_parent = A[v];
            }
        int earlier = 0, later = 0;
        for (int v = 0; v < m; v++) {
            if (v == j || onset[v] == RCA_NO_ONSET) continue;
            if (onset[v] < onset[j])
                earlier++;
            else if (onset[v] > onset[j])
                later++;
        }
        double O = onset[j] == RCA_NO_ONSET ? 0 : (double)(later + 1) / (earlier + later + 1);
        double M = c->mech_changed ? (0.5 + 0.5 * fmin(1, -log10(fmax(mp[j], 1e-300)) / 10)) *
                                         (c->parents_changed ? 0.5 : 1)
                                   : 0;
        /* the KPI's own anomaly is the symptom that triggered the analysis, not evidence that
         * it is its own root cause; only its mechanism (with unchanged parents) can say that */
        double Aj = j == s && !(c->mech_changed && !c->parents_changed) ? 0 : A[j];
        c->relevance = j == s ? 0 : rel[j];
        c->score = 0.45 * Aj + 0.2 * M + 0.2 * c->relevance + 0.1 * c->walk + 0.05 * O;
        if (!c->mech_changed && amax_parent >= 0.8 * A[j] && A[j] > 0)
            c->score *= 0.5; /* a symptom */
        c->path_len = shortest_path(parent, m, j, s, kept, c->path);
    }
    qsort(res->causes, (size_t)m, sizeof *res->causes, cmp_cause);

    res->baseline = xmallocarray((size_t)m, sizeof(int));
    res->baseline_score = xmallocarray((size_t)m, sizeof(double));
    robust_rank(anom, m, res->baseline);
    for (int a = 0; a < m; a++) {
        res->baseline_score[a] = anom[res->baseline[a]];
        res->baseline[a] = kept[res->baseline[a]];
    }
    if (prior->component && prior->ncomponents > 0) {
        int *vars = xmallocarray((size_t)m, sizeof(int));
        double *sc = xmallocarray((size_t)m, sizeof(double));
        for (int a = 0; a < m; a++) vars[a] = res->causes[a].var, sc[a] = res->causes[a].score;
        res->components = fold_components(vars, sc, m, prior);
        res->baseline_components = fold_components(res->baseline, res->baseline_score, m, prior);
        res->ncomponents = prior->ncomponents;
        free(vars);
        free(sc);
    }
    strength_changes(Y, rows, m, split, res->graph, kept, p->mech_alpha, res);
    free(Y), free(anom), free(parent), free(mp), free(mq), free(kind), free(w), free(pi), free(A),
        free(rel);
    free(scratch), free(onset);
    return 0;
}
