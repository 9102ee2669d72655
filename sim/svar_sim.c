#include "svar_sim.h"

#include "xalloc.h"

#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void svar_sim_params_default(struct svar_sim_params *p, int nvars, int tau_max, uint64_t seed)
{
    p->nvars = nvars;
    p->tau_max = tau_max;
    p->links_per_var = 1.0;
    p->contemp_frac = 0.3;
    p->auto_min = 0.4;
    p->auto_max = 0.7;
    p->coef_min = 0.3;
    p->coef_max = 0.5;
    p->level = 0.0;
    p->seed = seed;
}

static double draw_coef(struct rng *r, double lo, double hi)
{
    double v = lo + (hi - lo) * rng_uniform(r);
    return rng_uniform(r) < 0.5 ? -v : v;
}

/* Spectral radius of the companion matrix of the reduced form (I - A0)^-1 A_tau. */
static double spectral_radius(const struct svar_model *m)
{
    int N = m->nvars, L = m->tau_max, K = N * L, T1 = L + 1;
    double *IA = xcalloc((size_t)N * N, sizeof(double)); /* (I - A0), column-major j, i */
    double *B = xcalloc((size_t)N * K, sizeof(double));  /* [A_1 ... A_L] as x_t = B x_lags */
    for (int j = 0; j < N; j++) {
        IA[j * N + j] = 1.0;
        for (int i = 0; i < N; i++) IA[i * N + j] -= m->coef[((size_t)i * N + j) * T1];
        for (int tau = 1; tau <= L; tau++)
            for (int i = 0; i < N; i++)
                B[(size_t)((tau - 1) * N + i) * N + j] = m->coef[((size_t)i * N + j) * T1 + tau];
    }
    lapack_int *piv = xmallocarray((size_t)N, sizeof(lapack_int));
    LAPACKE_dgesv(LAPACK_COL_MAJOR, N, K, IA, N, piv, B, N);
    double *Cm = xcalloc((size_t)K * K, sizeof(double)); /* column-major companion */
    for (int col = 0; col < K; col++)
        for (int row = 0; row < N; row++) Cm[(size_t)col * K + row] = B[(size_t)col * N + row];
    for (int a = N; a < K; a++) Cm[(size_t)(a - N) * K + a] = 1.0;
    double *wr = xmallocarray((size_t)K, sizeof(double)),
           *wi = xmallocarray((size_t)K, sizeof(double));
    double rho = 0.0;
    if (LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', K, Cm, K, wr, wi, NULL, 1, NULL, 1) == 0)
        for (int a = 0; a < K; a++) rho = fmax(rho, hypot(wr[a], wi[a]));
    else
        rho = INFINITY;
    free(IA);
    free(B);
    free(piv);
    free(Cm);
    free(wr);
    free(wi);
    return rho;
}

struct svar_model *svar_model_random(const struct svar_sim_params *p, char *err, size_t errlen)
{
    if (p->nvars < 1 || p->nvars > 2000 || p->tau_max < 1 || p->tau_max > 50 ||
        p->links_per_var < 0 || p->contemp_frac < 0 || p->contemp_frac > 1 ||
        p->auto_min > p->auto_max || p->coef_min > p->coef_max) {
        snprintf(err, errlen, "simulate: parameters out of range");
        return NULL;
    }
    int N = p->nvars, T1 = p->tau_max + 1;
    struct rng r;
    rng_seed(&r, p->seed);
    struct svar_model *m = xcalloc(1, sizeof *m);
    m->nvars = N;
    m->tau_max = p->tau_max;
    m->coef = xcalloc((size_t)N * N * T1, sizeof(double));
    m->noise_sd = xmallocarray((size_t)N, sizeof(double));
    m->mean = xmallocarray((size_t)N, sizeof(double));
    m->order = xmallocarray((size_t)N, sizeof(int));
    int *pos = xmallocarray((size_t)N, sizeof(int));
    for (int a = 0; a < N; a++) m->order[a] = a;
    for (int a = N - 1; a > 0; a--) { /* Fisher-Yates */
        int b = (int)rng_below(&r, (uint64_t)a + 1), t = m->order[a];
        m->order[a] = m->order[b];
        m->order[b] = t;
    }
    for (int a = 0; a < N; a++) pos[m->order[a]] = a;
    for (int j = 0; j < N; j++) {
        m->coef[((size_t)j * N + j) * T1 + 1] = draw_coef(&r, p->auto_min, p->auto_max);
        m->noise_sd[j] = 0.5 + rng_uniform(&r);
        m->mean[j] = p->level * (1.0 + rng_uniform(&r));
    }
    long want = N > 1 ? lround(p->links_per_var * N) : 0;
    for (long made = 0, tries = 0; made < want && tries < 100 * want + 100; tries++) {
        int i = (int)rng_below(&r, (uint64_t)N), j = (int)rng_below(&r, (uint64_t)N);
        if (i == j) continue;
        int tau =
            rng_uniform(&r) < p->contemp_frac ? 0 : 1 + (int)rng_below(&r, (uint64_t)p->tau_max);
        if (tau == 0 && pos[i] > pos[j]) { /* keep the contemporaneous graph acyclic */
            int t = i;
            i = j;
            j = t;
        }
        double *c = &m->coef[((size_t)i * N + j) * T1 + tau];
        if (*c != 0.0 || (tau == 0 && m->coef[((size_t)j * N + i) * T1] != 0.0)) continue;
        *c = draw_coef(&r, p->coef_min, p->coef_max);
        made++;
    }
    free(pos);
    for (int round = 0; round < 100 && spectral_radius(m) > 0.9; round++)
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                for (int tau = 1; tau < T1; tau++) m->coef[((size_t)i * N + j) * T1 + tau] *= 0.9;
    return m;
}

void svar_model_free(struct svar_model *m)
{
    if (!m) return;
    free(m->coef);
    free(m->noise_sd);
    free(m->mean);
    free(m->order);
    free(m);
}

const char *svar_change_kind_str(enum svar_change_kind k)
{
    static const char *const names[] = {"coefficient",    "edge_added", "edge_removed",
                                        "noise_variance", "mean_shift", "nonlinear",
                                        "sign_flip"};
    return k < SVAR_CHANGE_ALL ? names[k] : "unknown";
}

int svar_change_pick(const struct svar_model *m, enum svar_change_kind kind, int at, struct rng *r,
                     struct svar_change *out)
{
    int N = m->nvars, T1 = m->tau_max + 1;
    int needs_parent = kind == SVAR_CHANGE_COEF || kind == SVAR_CHANGE_EDGE_REMOVE ||
                       kind == SVAR_CHANGE_NONLINEAR || kind == SVAR_CHANGE_SIGN_FLIP;
    int start = (int)rng_below(r, (uint64_t)N);
    for (int a = 0; a < N; a++) {
        int j = (start + a) % N;
        out->kind = kind;
        out->var = j;
        out->parent = -1;
        out->lag = 0;
        out->at = at;
        out->set_coef = 0;
        out->coef_after = 0.0;
        if (kind == SVAR_CHANGE_EDGE_ADD) {
            int i = (j + 1 + (int)rng_below(r, (uint64_t)(N > 1 ? N - 1 : 1))) % N;
            if (i == j || m->coef[((size_t)i * N + j) * T1 + 1] != 0.0) continue;
            out->parent = i;
            out->lag = 1;
            return 0;
        }
        if (!needs_parent) return 0;
        /* The cross parent with the largest contribution relative to the child's noise: a
         * change to a negligible link is no scenario. */
        double best = 0.0;
        for (int i = 0; i < N; i++)
            for (int tau = 0; tau < T1; tau++) {
                double c =
                    fabs(m->coef[((size_t)i * N + j) * T1 + tau]) * m->noise_sd[i] / m->noise_sd[j];
                if (i != j && c > best) {
                    best = c;
                    out->parent = i;
                    out->lag = tau;
                }
            }
        if (out->parent >= 0) return 0;
    }
    return -1;
}

int svar_change_pick_contemp(const struct svar_model *m, enum svar_change_kind kind, int at,
                             double size, struct rng *r, struct svar_change *out)
{
    int N = m->nvars, T1 = m->tau_max + 1;
    if (kind != SVAR_CHANGE_COEF && kind != SVAR_CHANGE_EDGE_ADD && kind != SVAR_CHANGE_EDGE_REMOVE)
        return svar_change_pick(m, kind, at, r, out);
    int *pos = xmallocarray((size_t)N, sizeof(int));
    for (int a = 0; a < N; a++) pos[m->order[a]] = a;
    int start = (int)rng_below(r, (uint64_t)N), rc = -1;
    for (int a = 0; a < N && rc < 0; a++) {
        int j = (start + a) % N;
        *out = (struct svar_change){kind, j, -1, 0, at, 1, 0.0};
        if (kind == SVAR_CHANGE_EDGE_ADD) {
            if (pos[j] == 0) continue;
            int i = m->order[rng_below(r, (uint64_t)pos[j])]; /* earlier in the causal order */
            if (m->coef[((size_t)i * N + j) * T1] != 0.0) continue;
            out->parent = i;
            out->coef_after = rng_uniform(r) < 0.5 ? -size : size;
            rc = 0;
            continue;
        }
        double best = 0.0;
        for (int i = 0; i < N; i++) {
            double c = m->coef[((size_t)i * N + j) * T1];
            double w = fabs(c) * m->noise_sd[i] / m->noise_sd[j];
            if (i != j && c != 0.0 && w > best) {
                best = w;
                out->parent = i;
                out->coef_after = kind == SVAR_CHANGE_COEF ? -0.93 * c : 0.0;
            }
        }
        if (out->parent >= 0) rc = 0;
    }
    free(pos);
    return rc;
}

static void simulate(const struct svar_model *m, const struct svar_change *ch, struct rng *r, int T,
                     int burnin, double *X);

void svar_model_simulate(const struct svar_model *m, struct rng *r, int T, int burnin, double *X)
{
    simulate(m, NULL, r, T, burnin, X);
}

void svar_model_simulate_change(const struct svar_model *m, const struct svar_change *ch,
                                struct rng *r, int T, int burnin, double *X)
{
    simulate(m, ch, r, T, burnin, X);
}

/* The coefficient of parent i at lag tau in the mechanism of j, in the regime of row t. */
static double coef_at(const struct svar_model *m, const struct svar_change *ch, int changed, int i,
                      int j, int tau)
{
    double c = m->coef[((size_t)i * m->nvars + j) * (m->tau_max + 1) + tau];
    if (!changed || j != ch->var || i != ch->parent || tau != ch->lag) return c;
    if (ch->set_coef && (ch->kind == SVAR_CHANGE_COEF || ch->kind == SVAR_CHANGE_EDGE_ADD ||
                         ch->kind == SVAR_CHANGE_EDGE_REMOVE || ch->kind == SVAR_CHANGE_SIGN_FLIP))
        return ch->coef_after;
    switch (ch->kind) {
    case SVAR_CHANGE_COEF:
        return 0.25 * c;
    case SVAR_CHANGE_SIGN_FLIP:
        return -c;
    case SVAR_CHANGE_EDGE_ADD:
        return 0.5;
    case SVAR_CHANGE_EDGE_REMOVE:
        return 0.0;
    default:
        return c;
    }
}

static void simulate(const struct svar_model *m, const struct svar_change *ch, struct rng *r, int T,
                     int burnin, double *X)
{
    int N = m->nvars, L = m->tau_max, T1 = L + 1, total = T + burnin;
    double par_sum = 0, par_sq = 0, par_sd = 1;
    long par_n = 0;
    /* Deviations from the mean, in a ring of L + 1 rows. */
    double *dev = xcalloc((size_t)T1 * N, sizeof(double));
    for (int t = 0; t < total; t++) {
        double *cur = dev + (size_t)(t % T1) * N;
        int changed = ch && t >= burnin + ch->at;
        if (ch && changed && t == burnin + ch->at && par_n > 1) {
            double mean = par_sum / par_n;
            par_sd = sqrt(fmax(par_sq / par_n - mean * mean, 1e-12));
        }
        for (int a = 0; a < N; a++) {
            int j = m->order[a];
            int this_var = changed && j == ch->var;
            double sd = m->noise_sd[j];
            double factor = ch && ch->set_coef ? ch->coef_after : 2.0;
            double shift = ch && ch->set_coef ? ch->coef_after : 1.5;
            double v =
                (this_var && ch->kind == SVAR_CHANGE_NOISE ? factor : 1.0) * sd * rng_normal(r);
            if (this_var && ch->kind == SVAR_CHANGE_MEAN) v += shift * sd;
            for (int tau = 0; tau <= L && tau <= t; tau++) {
                const double *src = tau ? dev + (size_t)((t - tau) % T1) * N : cur;
                for (int b = 0; b < (tau ? N : a); b++) {
                    /* contemporaneous parents come earlier in the causal order */
                    int i = tau ? b : m->order[b];
                    double c = coef_at(m, ch, changed, i, j, tau);
                    if (c == 0.0) continue;
                    double x = src[i];
                    if (this_var && ch->kind == SVAR_CHANGE_NONLINEAR && i == ch->parent &&
                        tau == ch->lag)
                        x = par_sd * (x * x / (par_sd * par_sd) - 1.0) / M_SQRT2;
                    v += c * x;
                }
            }
            cur[j] = v;
        }
        if (ch && !changed && t >= burnin && ch->parent >= 0) {
            par_sum += cur[ch->parent];
            par_sq += cur[ch->parent] * cur[ch->parent];
            par_n++;
        }
        if (t >= burnin)
            for (int j = 0; j < N; j++) X[(size_t)(t - burnin) * N + j] = m->mean[j] + cur[j];
    }
    free(dev);
}

struct svar_graph *svar_model_truth(const struct svar_model *m)
{
    int N = m->nvars, T1 = m->tau_max + 1;
    struct svar_graph *g = svar_graph_new(N, m->tau_max);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int tau = 0; tau < T1; tau++) {
                double c = m->coef[((size_t)i * N + j) * T1 + tau];
                if (c == 0.0) continue;
                size_t at = svar_graph_at(g, i, j, tau);
                g->type[at] = LINK_FWD;
                g->pval[at] = 0.0;
                g->val[at] = c;
                if (tau == 0) {
                    size_t mir = svar_graph_at(g, j, i, 0);
                    g->type[mir] = LINK_BWD;
                    g->pval[mir] = 0.0;
                    g->val[mir] = c;
                }
            }
    return g;
}
