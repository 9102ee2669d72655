/*
 * bench/lpcmci - accuracy and speed of discovery with hidden variables: LPCMCI next to PCMCI+ on
 * the same simulated structural VAR data with hidden common causes, one core.
 *
 * Per setting (observed series N, hidden H, rows T, tau_max) and seed: a random stable model of
 * N + H series (svar_sim.h defaults), the H variables with the most children hidden
 * (svar_pick_hidden), T rows simulated, the true PAG and MAG of the observed series built
 * (svar_pag.h, history 8 tau_max), and both methods run on the observed columns (alpha 0.01).
 * Reported, mean over seeds:
 *   adj_P/adj_R  adjacency precision/recall against the true PAG;
 *   mark_P/mark_R  edge-mark precision/recall: every end of every link counts as one mark
 *                (tail, arrowhead or circle); an estimated mark is correct when the link is in
 *                the true PAG with the same mark at that end (precision over estimated marks,
 *                recall over true marks). PCMCI+ marks: --> is tail/arrowhead, o-o and x-x
 *                circles;
 *   conf  pairs that share only a hidden cause (<-> in the true MAG, all seeds): the share the
 *         method reports as <->, and the share it reports with a tail at either end (a false
 *         causal claim, --> or <--), and the adjacency precision on those pairs (adjacent and no
 *         tail, over adjacent);
 *   seconds  median wall time of the discovery (covariance + algorithm), and the speed-up over
 *         tigramite's LPCMCI (ParCorr, pc_alpha 0.01, one core) where the issue gives an anchor.
 *
 * usage: bench_lpcmci [--seeds S] [--preliminary K] [N H T TAU ...]
 */
#include "bench_util.h"
#include "pag.h"
#include "rng.h"
#include "svar_discover.h"
#include "svar_pag.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct setting {
    int n, hidden, T, tau;
    double tigramite_s; /* tigramite LPCMCI time from the issue, 0 = none */
};

struct score {
    double adj_p, adj_r, mark_p, mark_r;
    long conf, conf_bidir, conf_tail, conf_adj;
    double seconds[64];
};

static void score_marks(const struct svar_graph *est, const struct svar_graph *tp, double *prec,
                        double *rec)
{
    int N = est->nvars, T1 = est->tau_max + 1;
    struct pag *e = pag_new(N, est->tau_max), *t = pag_new(N, est->tau_max);
    pag_from_graph(e, est);
    pag_from_graph(t, tp);
    long ne = 0, nt = 0, ok = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int tau = 0; tau < T1; tau++) {
                if (tau == 0 && i >= j) continue;
                size_t at = svar_graph_at(est, i, j, tau);
                for (int end = 0; end < 2; end++) {
                    unsigned char me = e->mark[2 * at + end], mt = t->mark[2 * at + end];
                    ne += me != MARK_NONE;
                    nt += mt != MARK_NONE;
                    ok += me != MARK_NONE && me == mt;
                }
            }
    *prec = ne ? (double)ok / ne : 1.0;
    *rec = nt ? (double)ok / nt : 1.0;
    pag_free(e);
    pag_free(t);
}

static void score_confounded(const struct svar_graph *est, const struct svar_graph *mag,
                             struct score *s)
{
    int N = est->nvars, T1 = est->tau_max + 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int tau = 0; tau < T1; tau++) {
                if (tau == 0 && i >= j) continue;
                size_t at = svar_graph_at(est, i, j, tau);
                if (mag->type[at] != LINK_BIDIR) continue;
                s->conf++;
                unsigned char t = est->type[at];
                if (t == LINK_NONE) continue;
                s->conf_adj++;
                s->conf_bidir += t == LINK_BIDIR;
                s->conf_tail +=
                    t == LINK_FWD || t == LINK_BWD || t == LINK_TAIL_CIRC || t == LINK_CIRC_TAIL;
            }
}

static int prelim = 0;

static void run_setting(const struct setting *s, int seeds)
{
    struct score sc[2];
    memset(sc, 0, sizeof sc);
    const enum svar_method methods[2] = {SVAR_METHOD_LPCMCI, SVAR_METHOD_PCMCIPLUS};
    int M = s->n + s->hidden, used = 0;
    for (int k = 0; k < seeds; k++) {
        uint64_t seed = (uint64_t)k + 1;
        struct svar_sim_params sp;
        svar_sim_params_default(&sp, M, s->tau, seed);
        char err[256];
        struct svar_model *m = svar_model_random(&sp, err, sizeof err);
        if (!m) {
            fprintf(stderr, "bench: %s\n", err);
            exit(1);
        }
        unsigned char *hid = xcalloc((size_t)M, 1);
        struct rng r;
        rng_seed(&r, seed ^ 0x41dde7ULL);
        svar_pick_hidden(m, s->hidden, &r, hid);
        double *X = xmallocarray((size_t)s->T * M, sizeof(double));
        double *Y = xmallocarray((size_t)s->T * s->n, sizeof(double));
        rng_seed(&r, seed ^ 0x5eedULL);
        svar_model_simulate(m, &r, s->T, 500, X);
        for (int t = 0; t < s->T; t++)
            for (int v = 0, c = 0; v < M; v++)
                if (!hid[v]) Y[(size_t)t * s->n + c++] = X[(size_t)t * M + v];
        struct svar_graph *mag = NULL, *tp = NULL;
        if (svar_true_pag(m, hid, s->tau, 8 * s->tau, &mag, &tp, err, sizeof err) != 0) {
            fprintf(stderr, "bench: %s\n", err);
            exit(1);
        }
        for (int a = 0; a < 2; a++) {
            struct svar_discover_params p;
            svar_discover_params_default(&p, s->tau);
            p.method = methods[a];
            p.n_preliminary = prelim;
            struct svar_discover_result res;
            double t0 = bench_now();
            if (svar_discover_run(Y, s->T, s->n, &p, &res, err, sizeof err) != 0) {
                fprintf(stderr, "bench: %s\n", err);
                exit(1);
            }
            sc[a].seconds[k] = bench_now() - t0;
            double pr, rc, f1, mp, mr;
            svar_graph_adjacency_f1(res.graph, tp, &pr, &rc, &f1);
            score_marks(res.graph, tp, &mp, &mr);
            sc[a].adj_p += pr;
            sc[a].adj_r += rc;
            sc[a].mark_p += mp;
            sc[a].mark_r += mr;
            score_confounded(res.graph, mag, &sc[a]);
            svar_discover_result_free(&res);
        }
        used++;
        svar_graph_free(mag);
        svar_graph_free(tp);
        free(hid);
        free(X);
        free(Y);
        svar_model_free(m);
    }
    for (int a = 0; a < 2; a++) {
        struct score *c = &sc[a];
        qsort(c->seconds, (size_t)used, sizeof(double), bench_cmp_double);
        double secs = c->seconds[used / 2];
        printf("%4d %3d %5d %3d %-7s| %5.3f %5.3f | %6.3f %6.3f | %5ld %6.3f %6.3f %6.3f | %8.4f",
               s->n, s->hidden, s->T, s->tau, svar_method_str(methods[a]), c->adj_p / used,
               c->adj_r / used, c->mark_p / used, c->mark_r / used, c->conf,
               c->conf ? (double)c->conf_bidir / c->conf : 0.0,
               c->conf ? (double)c->conf_tail / c->conf : 0.0,
               c->conf_adj ? 1.0 - (double)c->conf_tail / c->conf_adj : 1.0, secs);
        if (a == 0 && s->tigramite_s > 0)
            printf(" | %6.2f %6.0fx\n", s->tigramite_s, s->tigramite_s / secs);
        else
            printf(" | %6s %7s\n", "-", "-");
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    struct setting defaults[] = {
        {10, 2, 1000, 2, 1.45}, {20, 4, 2000, 3, 8.07}, {10, 1, 2000, 3, 0},
        {30, 3, 1500, 2, 0},    {50, 4, 2000, 3, 0},    {50, 1, 1000, 2, 0},
    };
    struct setting custom[32], *set = defaults;
    int nset = 6, seeds = 10, a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--seeds") == 0) seeds = atoi(argv[a + 1]);
        if (strcmp(argv[a], "--preliminary") == 0) prelim = atoi(argv[a + 1]);
    }
    if (seeds < 1 || seeds > 64) seeds = 10;
    if (a < argc) {
        nset = 0;
        for (; a + 3 < argc && nset < 32; a += 4)
            custom[nset++] = (struct setting){atoi(argv[a]), atoi(argv[a + 1]), atoi(argv[a + 2]),
                                              atoi(argv[a + 3]), 0};
        for (int k = 0; k < nset; k++) /* keep the anchors of the sizes */
            for (int d = 0; d < 6; d++)
                if (custom[k].n == defaults[d].n && custom[k].hidden == defaults[d].hidden &&
                    custom[k].T == defaults[d].T && custom[k].tau == defaults[d].tau)
                    custom[k].tigramite_s = defaults[d].tigramite_s;
        set = custom;
    }
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    openblas_set_num_threads(1);
    printf("bench/lpcmci: hidden-variable SVAR data, alpha 0.01, %d seeds per setting (means; "
           "median time), lpcmci with %d preliminary phase(s), 1 core, %ld cores on this machine\n",
           seeds, prelim, sysconf(_SC_NPROCESSORS_ONLN));
    printf("%4s %3s %5s %3s %-7s| %5s %5s | %6s %6s | %5s %6s %6s %6s | %8s | %6s %7s\n", "N",
           "hid", "T", "tau", "method", "adj_P", "adj_R", "mark_P", "mark_R", "conf", "as<->",
           "tail", "adj_P", "seconds", "tigr_s", "speedup");
    for (int k = 0; k < nset; k++) run_setting(&set[k], seeds);
    return 0;
}
