/* rca.c - root-cause ranking of one incident (rca.h). */
#include "rca.h"

#include "fdr.h"
#include "rca_graph.h"
#include "rca_learn.h"
#include "svar_discover.h"
#include "robust_score.h"
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
    p->given = NULL;
    p->method = SVAR_METHOD_PCMCIPLUS;
    p->screen_alpha = 0;
    p->screen_top_k = 0;
    rwr_params_default(&p->rwr);
    anomaly_params_default(&p->anomaly);
    p->w_anomaly = 0.45;
    p->w_mechanism = 0.2;
    p->w_relevance = 0.2;
    p->w_walk = 0.1;
    p->w_onset = 0.05;
    p->w_other_symptom = 0.5;
    p->rows_per_param_lo = 0.25;
    p->rows_per_param_hi = 1;
    p->w_component[0] = 0.7;
    p->w_component[1] = 0.2;
    p->w_component[2] = 0.1;
    call_graph_params_default(&p->calls);
    p->graph_max_missing = 0.2;
    p->rank_max_missing = 0.5;
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
    free(res->excluded);
    memset(res, 0, sizeof *res);
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

/* Folds per-series scores (var[a], score[a], ranked or not) to components: w[0] x the best,
 * w[1] x the second and w[2] x the third series of each component (rca.h step 6), ranked. */
static struct rca_component *fold_components(const int *var, const double *score, int nv,
                                             const struct rca_prior *pr, const double *w)
{
    int nc = pr->ncomponents;
    double *top = xcalloc((size_t)nc * 3, sizeof(double));
    struct rca_component *c = xmallocarray((size_t)nc, sizeof *c);
    for (int k = 0; k < nc; k++) c[k] = (struct rca_component){k, -1, -1, -1};
    for (int a = 0; a < nv; a++) {
        int k = pr->component[var[a]];
        double s = isnan(score[a]) ? 0 : score[a];
        if (k < 0 || k >= nc) continue;
        double *t = top + (size_t)k * 3;
        if (c[k].best_var < 0 || s > t[0]) c[k].best_var = var[a];
        for (int b = 0; b < 3; b++) /* insert into the three best */
            if (s > t[b]) {
                for (int e = 2; e > b; e--) t[e] = t[e - 1];
                t[b] = s;
                break;
            }
    }
    for (int k = 0; k < nc; k++) {
        const double *t = top + (size_t)k * 3;
        if (c[k].best_var >= 0) c[k].score = w[0] * t[0] + w[1] * t[1] + w[2] * t[2];
    }
    free(top);
    qsort(c, (size_t)nc, sizeof *c, cmp_component);
    return c;
}

/* Step 7: res->components (ranked by step 6) reordered callee-first on the known calls. */
static void order_by_calls(struct rca_result *res, const struct rca_prior *pr,
                           const struct call_graph_params *cp)
{
    int nc = pr->ncomponents;
    double *score = xmallocarray((size_t)nc, sizeof(double));
    int *order = xmallocarray((size_t)nc, sizeof(int)),
        *expl = xmallocarray((size_t)nc, sizeof(int));
    struct rca_component *by = xmallocarray((size_t)nc, sizeof *by);
    for (int a = 0; a < nc; a++) by[res->components[a].component] = res->components[a];
    for (int c = 0; c < nc; c++) score[c] = by[c].score;
    int start = res->kpi >= 0 ? pr->component[res->kpi] : -1;
    if (call_graph_order(score, nc, pr->calls, pr->ncalls, start, cp, order, expl) > 0)
        for (int a = 0; a < nc; a++) {
            res->components[a] = by[order[a]];
            res->components[a].explained_by = expl[order[a]];
        }
    free(score), free(order), free(expl), free(by);
}

/* Onset row (relative to split) of column j of X (NaN skipped): the first row from
 * split - lookback on that leaves the reference band. */
static int onset_of(const double *X, int rows, int n, int split, int j, double z, int lookback,
                    double *scratch)
{
    double med, iqr;
    int ref_end = split - lookback > 3 ? split - lookback : split;
    if (robust_center(X, rows, n, j, ref_end, &med, &iqr, scratch) < 3) return RCA_NO_ONSET;
    double sd = iqr / 1.349;
    for (int t = ref_end; t < rows; t++) {
        double v = X[(size_t)t * n + j];
        if (!isnan(v) && fabs(v - med) > z * sd) return t - split;
    }
    return RCA_NO_ONSET;
}

/* Step 1: the reason column j is not ranked, or NULL. */
static const char *exclusion(const double *W, int rows, int n, int split, int j, double z,
                             double max_missing)
{
    double first = NAN;
    int varies = 0, ref = 0, inc = 0;
    for (int t = 0; t < rows; t++) {
        double v = W[(size_t)t * n + j];
        if (isnan(v)) continue;
        if (t < split)
            ref++;
        else
            inc++;
        if (isnan(first))
            first = v;
        else if (v != first)
            varies = 1;
    }
    if (!inc) return "no incident values";
    if (isnan(z)) return "too few reference values";
    if (!varies) return "constant";
    if (split - ref > max_missing * split) return "mostly missing in the reference";
    return NULL;
}

/* The KPI as a column: the given one, or the best kpi_pref class, most anomalous within it. */
static int pick_kpi(int kpi, const double *z, const unsigned char *rankable, int n,
                    const struct rca_prior *pr, struct rca_result *res)
{
    if (kpi >= 0) {
        res->kpi_reason = "given";
        res->kpi_is_symptom = 1;
        return rankable[kpi] ? kpi : -1;
    }
    int best = -1, best_class = -1;
    for (int j = 0; j < n; j++) {
        if (!rankable[j]) continue;
        int cl = pr->kpi_pref ? pr->kpi_pref[j] : 0;
        if (cl > best_class || (cl == best_class && z[j] > z[best])) best = j, best_class = cl;
    }
    static const char *const WHY[] = {
        "the most anomalous series (no latency, error or success-rate series found)",
        "the most anomalous latency, error or success-rate series (no entry point found)",
        "the most anomalous latency, error or success-rate series of an entry point"};
    if (best >= 0) {
        res->kpi_reason = WHY[best_class < 0 ? 0 : best_class > 2 ? 2 : best_class];
        res->kpi_is_symptom = best_class >= 2;
    }
    return best;
}

/* Step 4: mechanism and walk of every graph variable, written into the causes of their
 * columns (cause_of[column] indexes res->causes; A and symptom are indexed like the causes). */
static void graph_evidence(const double *Y, int rows, int split, int kpi,
                           const struct rca_params *p, struct rca_result *res, const int *cause_of,
                           const double *A, unsigned char *symptom)
{
    int m = res->nkept, s = -1;
    const struct svar_graph *g = res->graph;
    for (int a = 0; a < m; a++)
        if (res->kept[a] == kpi) s = a;
    unsigned char *parent = xmallocarray((size_t)m * m, 1);
    rca_graph_summary_parents(g, parent);
    double *mp = xmallocarray((size_t)m, sizeof(double)),
           *mq = xmallocarray((size_t)m, sizeof(double));
    enum change_kind *kind = xmallocarray((size_t)m, sizeof *kind);
    for (int j = 0; j < m; j++)
        rca_graph_mechanism(Y, rows, m, split, g, j, p->max_parents, &mp[j], &kind[j]);
    fdr_bh(mp, (size_t)m, mq);
    double *w = xmallocarray((size_t)m, sizeof(double)), *pi = xcalloc((size_t)m, sizeof(double));
    for (int j = 0; j < m; j++) {
        const struct rca_cause *c = &res->causes[cause_of[res->kept[j]]];
        w[j] = 0.5 * A[cause_of[res->kept[j]]] + 0.5 * c->relevance;
    }
    double pimax = 0;
    if (s >= 0) {
        rwr_scores(parent, w, m, s, &p->rwr, pi);
        for (int j = 0; j < m; j++)
            if (j != s && pi[j] > pimax) pimax = pi[j];
    }
    for (int j = 0; j < m; j++) {
        struct rca_cause *c = &res->causes[cause_of[res->kept[j]]];
        c->in_graph = 1;
        c->mech_p = mp[j];
        c->mech_q = mq[j];
        c->mech_changed = mq[j] <= p->mech_alpha;
        c->kind = c->mech_changed ? kind[j] : CHANGE_NONE;
        /* the KPI's own mass less the restarts that always return to it */
        c->walk =
            pimax <= 0 ? 0 : fmax(0, fmin(1, (j == s ? pi[j] - p->rwr.restart : pi[j]) / pimax));
        for (int v = 0; v < m; v++)
            if (parent[(size_t)j * m + v] && mq[v] <= p->mech_alpha) c->parents_changed = 1;
        if (s >= 0) c->path_len = rca_graph_shortest_path(parent, m, j, s, res->kept, c->path);
    }
    /* a symptom: unchanged mechanism while a graph parent is about as anomalous */
    for (int j = 0; j < m; j++) {
        int cj = cause_of[res->kept[j]];
        double amax_parent = 0;
        for (int v = 0; v < m; v++)
            if (parent[(size_t)j * m + v] && A[cause_of[res->kept[v]]] > amax_parent)
                amax_parent = A[cause_of[res->kept[v]]];
        symptom[cj] = !res->causes[cj].mech_changed && A[cj] > 0 && amax_parent >= 0.8 * A[cj];
    }
    free(parent), free(mp), free(mq), free(kind), free(w), free(pi);
}

/* Step 5 for one cause; O the onset evidence, A its anomaly evidence. */
static double combined_score(const struct rca_cause *c, double A, double O, int symptom, double r,
                             const struct rca_params *p)
{
    double M = c->mech_changed ? (0.5 + 0.5 * fmin(1, -log10(fmax(c->mech_p, 1e-300)) / 10)) *
                                     (c->parents_changed ? 0.5 : 1)
                               : 0;
    double graph = c->in_graph ? p->w_mechanism * M + p->w_relevance * c->relevance +
                                     p->w_walk * c->walk + p->w_onset * O
                               : 0;
    double wsum = p->w_anomaly + r * (p->w_mechanism + p->w_relevance + p->w_walk + p->w_onset);
    double s = wsum > 0 ? (p->w_anomaly * A + r * graph) / wsum : A;
    return symptom ? s * (1 - r / 2) : s;
}

/* Step 2's discount: the evidence A[j] of a series that carries the other symptom than the
 * KPI's (a latency when the KPI is a success rate, an error count when it is a latency) is
 * multiplied by w. Nothing changes when kind is NULL or the KPI carries no symptom. */
static void other_symptom_discount(double *A, int n, int kpi, const signed char *kind, double w)
{
    if (!kind || w == 1) return;
    enum metric_symptom sk = metric_kind_symptom((enum metric_kind)kind[kpi]);
    if (sk == MSYMPTOM_NONE) return;
    for (int j = 0; j < n; j++) {
        enum metric_symptom sj = metric_kind_symptom((enum metric_kind)kind[j]);
        if (sj != MSYMPTOM_NONE && sj != sk) A[j] *= w;
    }
}

int rca_run(const double *X, int rows, int n, int split, int kpi, const struct rca_params *p,
            const struct rca_prior *prior, struct rca_result *res, char *err, size_t errlen)
{
    static const struct rca_prior none = {0};
    if (!prior) prior = &none;
    memset(res, 0, sizeof *res);
    int min_ref = p->anomaly.min_reference > 1 ? p->anomaly.min_reference : 1;
    if (split < min_ref || split > rows - 1) {
        snprintf(err, errlen,
                 "the fault time leaves %d reference and %d incident rows (need at "
                 "least %d and 1)",
                 split, rows - split, min_ref);
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

    /* steps 1-2 */
    double *z = xmallocarray((size_t)n, sizeof(double));
    anomaly_scores(W, rows, n, split, prior->dir, prior->kind, &p->anomaly, z);
    unsigned char *rankable = xcalloc((size_t)n, 1);
    res->excluded = xmallocarray((size_t)n, sizeof *res->excluded);
    int nr = 0;
    for (int j = 0; j < n; j++) {
        const char *why = exclusion(W, rows, n, split, j, z[j], p->rank_max_missing);
        if (why)
            res->excluded[res->nexcluded++] = (struct rca_excluded){j, why};
        else
            rankable[j] = 1, nr++;
    }
    int k = pick_kpi(kpi, z, rankable, n, prior, res);
    if (k < 0 || nr == 0) {
        snprintf(err, errlen,
                 kpi >= 0 ? "the KPI is constant, or has no reference or incident values"
                          : "no series is rankable (all constant or without values)");
        free(W), free(z), free(rankable);
        rca_result_free(res);
        return -1;
    }
    res->kpi = k;

    /* anomaly evidence relative to the case's largest (the KPI's own left out) */
    double *A = xcalloc((size_t)n, sizeof(double)), amax = 0;
    for (int j = 0; j < n; j++)
        if (rankable[j] && j != k) amax = fmax(amax, anomaly_evidence(z[j], &p->anomaly));
    for (int j = 0; j < n; j++)
        if (rankable[j]) A[j] = amax > 0 ? anomaly_evidence(z[j], &p->anomaly) / amax : 0;
    if (res->kpi_is_symptom) A[k] = 0;
    other_symptom_discount(A, n, k, prior->kind, p->w_other_symptom);

    res->ncauses = nr;
    res->causes = xcalloc((size_t)nr, sizeof *res->causes);
    int *cause_of = xmallocarray((size_t)n, sizeof(int));
    double *scratch = xmallocarray((size_t)rows, sizeof(double));
    double *Ac = xmallocarray((size_t)nr, sizeof(double));
    int *onset = xmallocarray((size_t)nr, sizeof(int));
    unsigned char *symptom = xcalloc((size_t)nr, 1);
    for (int j = 0, c = 0; j < n; j++) {
        cause_of[j] = rankable[j] ? c : -1;
        if (!rankable[j]) continue;
        struct rca_cause *cs = &res->causes[c];
        cs->var = j;
        cs->anomaly = z[j];
        cs->dir = prior->dir ? prior->dir[j] : MDIR_BOTH;
        cs->mech_p = cs->mech_q = 1;
        cs->kind = CHANGE_NONE;
        int nc;
        double rr = rca_corr_rows(W + j, W + k, (size_t)n, 0, rows, &nc);
        cs->relevance = j == k || isnan(rr) ? 0 : fabs(rr);
        cs->onset = onset[c] = onset_of(W, rows, n, split, j, p->onset_z, p->lookback, scratch);
        Ac[c++] = A[j];
    }

    /* steps 3-4 */
    double *Y = rca_learn_window_graph(W, rows, n, rankable, p, prior, res);
    if (Y) {
        graph_evidence(Y, rows, split, k, p, res, cause_of, Ac, symptom);
        rca_graph_strength_changes(Y, rows, res->nkept, split, res->graph, res->kept, p->mech_alpha,
                                   res);
        free(Y);
    }

    /* step 5 */
    for (int c = 0; c < nr; c++) {
        struct rca_cause *cs = &res->causes[c];
        int earlier = 0, later = 0;
        for (int v = 0; v < nr; v++) {
            if (v == c || onset[v] == RCA_NO_ONSET) continue;
            earlier += onset[v] < onset[c];
            later += onset[v] > onset[c];
        }
        double O = onset[c] == RCA_NO_ONSET ? 0 : (double)(later + 1) / (earlier + later + 1);
        /* the KPI's own mechanism change with unchanged parents does say it is the cause */
        double Aj = cs->var == k && res->kpi_is_symptom && cs->mech_changed && !cs->parents_changed
                        ? anomaly_evidence(z[k], &p->anomaly) / (amax > 0 ? amax : 1)
                        : Ac[c];
        cs->score = combined_score(cs, fmin(1, Aj), O, symptom[c], res->reliability, p);
    }

    /* graph-free ranking: anomaly evidence alone */
    res->baseline = xmallocarray((size_t)nr, sizeof(int));
    res->baseline_score = xmallocarray((size_t)nr, sizeof(double));
    robust_rank(Ac, nr, res->baseline);
    for (int a = 0; a < nr; a++) {
        res->baseline_score[a] = Ac[res->baseline[a]];
        res->baseline[a] = res->causes[res->baseline[a]].var;
    }
    qsort(res->causes, (size_t)nr, sizeof *res->causes, cmp_cause);
    if (prior->component && prior->ncomponents > 0) {
        int *vars = xmallocarray((size_t)nr, sizeof(int));
        double *sc = xmallocarray((size_t)nr, sizeof(double));
        for (int a = 0; a < nr; a++) vars[a] = res->causes[a].var, sc[a] = res->causes[a].score;
        res->components = fold_components(vars, sc, nr, prior, p->w_component);
        res->baseline_components =
            fold_components(res->baseline, res->baseline_score, nr, prior, p->w_component);
        res->ncomponents = prior->ncomponents;
        if (prior->calls && prior->ncalls > 0) order_by_calls(res, prior, &p->calls);
        free(vars);
        free(sc);
    }
    free(W), free(z), free(rankable), free(A), free(cause_of), free(scratch), free(Ac), free(onset),
        free(symptom);
    return 0;
}
