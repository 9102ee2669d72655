#include "svar_discover.h"

#include "gapfill.h"
#include "lagblock.h"
#include "lagcov.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *svar_method_str(enum svar_method m)
{
    return m == SVAR_METHOD_LPCMCI ? "lpcmci" : "pcmci+";
}

int svar_method_parse(const char *s, enum svar_method *m)
{
    if (strcmp(s, "pcmci+") == 0 || strcmp(s, "pcmciplus") == 0)
        *m = SVAR_METHOD_PCMCIPLUS;
    else if (strcmp(s, "lpcmci") == 0)
        *m = SVAR_METHOD_LPCMCI;
    else
        return -1;
    return 0;
}

void svar_discover_params_default(struct svar_discover_params *p, int tau_max)
{
    p->method = SVAR_METHOD_PCMCIPLUS;
    p->n_preliminary = 0;
    pcmci_params_default(&p->pcmci, tau_max);
    p->fdr_bh = 0;
    p->max_gap = 3;
    p->max_missing_share = 0.5;
}

static enum column_status screen(const double *X, int rows, int ncols, int col, double max_missing)
{
    if (gapfill_missing_share(X, rows, ncols, col) > max_missing) return COLUMN_MISSING;
    double first = NAN;
    int seen = 0;
    for (int t = 0; t < rows; t++) {
        double v = X[(long)t * ncols + col];
        if (isnan(v)) continue;
        if (!seen) {
            first = v;
            seen = 1;
        } else if (v != first) {
            return COLUMN_KEPT;
        }
    }
    return seen ? COLUMN_CONSTANT : COLUMN_MISSING;
}

double *svar_prepare(const double *X, int rows, int ncols, int max_gap, double max_missing_share,
                     enum column_status *status, int *kept, int *nkept, long *filled, char *err,
                     size_t errlen)
{
    int N = 0;
    for (int c = 0; c < ncols; c++) {
        status[c] = screen(X, rows, ncols, c, max_missing_share);
        if (status[c] == COLUMN_KEPT) kept[N++] = c;
    }
    *nkept = N;
    if (N == 0) {
        snprintf(err, errlen, "no usable column (every column is constant or mostly missing)");
        return NULL;
    }
    double *Y = xmallocarray((size_t)rows * N, sizeof(double));
    for (int t = 0; t < rows; t++)
        for (int a = 0; a < N; a++) Y[(size_t)t * N + a] = X[(size_t)t * ncols + kept[a]];
    for (int a = 0; a < N; a++) *filled += gapfill_column(Y, rows, N, a, max_gap);
    return Y;
}

int svar_discover_run(const double *X, int rows, int ncols, const struct svar_discover_params *p,
                      struct svar_discover_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    int tau_max = p->pcmci.tau_max;
    res->status = xcalloc((size_t)ncols, sizeof *res->status);
    res->kept = xmallocarray((size_t)ncols, sizeof(int));
    double *Y = svar_prepare(X, rows, ncols, p->max_gap, p->max_missing_share, res->status,
                             res->kept, &res->nkept, &res->filled, err, errlen);
    if (!Y) goto fail;
    int N = res->nkept;

    res->graph = svar_graph_new(N, tau_max);
    int rc = svar_discover_graph_method(Y, rows, N, p, res->graph, &res->stats, &res->samples, err,
                                        errlen);
    free(Y);
    if (rc < 0) goto fail;
    if (p->fdr_bh) pcmciplus_apply_fdr(res->graph, p->pcmci.alpha);
    return 0;
fail:
    svar_discover_result_free(res);
    return -1;
}

/* Rows of Y (rows x nvars) that hold a NaN. */
static long rows_with_nan(const double *Y, int rows, int nvars)
{
    long bad = 0;
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < nvars; i++)
            if (isnan(Y[(size_t)r * nvars + i])) {
                bad++;
                break;
            }
    return bad;
}

int svar_discover_graph(const double *Y, int rows, int nvars, const struct pcmci_params *p,
                        struct svar_graph *g, struct pcmci_stats *st, long *samples, char *err,
                        size_t errlen)
{
    struct svar_discover_params dp;
    svar_discover_params_default(&dp, p->tau_max);
    dp.pcmci = *p;
    return svar_discover_graph_method(Y, rows, nvars, &dp, g, st, samples, err, errlen);
}

int svar_discover_graph_method(const double *Y, int rows, int nvars,
                               const struct svar_discover_params *dp, struct svar_graph *g,
                               struct pcmci_stats *st, long *samples, char *err, size_t errlen)
{
    const struct pcmci_params *p = &dp->pcmci;
    int lp = dp->method == SVAR_METHOD_LPCMCI;
    int tau_max = p->tau_max, need = 2 * tau_max + 10, depth = lp ? tau_max : 2 * tau_max;
    long dim = (long)nvars * (depth + 1);
    if (rows < need) {
        snprintf(err, errlen, "%d rows, fewer than 2*tau_max+10 = %d needed", rows, need);
        return -1;
    }
    if (!lp && rows_with_nan(Y, rows, nvars) == 0) {
        /* complete data: lag blocks, (2 tau_max + 1) N^2 doubles instead of D^2 */
        if ((double)dim * nvars > (double)SVAR_DISCOVER_MAX_BLOCKS) {
            snprintf(err, errlen,
                     "%d series at tau_max %d need %.0f lag-block entries, above the limit of "
                     "%ld; lower --tau-max or select fewer columns",
                     nvars, tau_max, (double)dim * nvars, (long)SVAR_DISCOVER_MAX_BLOCKS);
            return -1;
        }
        struct lagblock *lb = lagblock_new(Y, rows, nvars, 2 * tau_max, err, errlen);
        if (!lb) return -1;
        *samples = lagblock_rows(lb);
        int rc = pcmciplus_run_blocks(lb, nvars, p, g, st, err, errlen);
        lagblock_free(lb);
        return rc;
    }
    if (dim > SVAR_DISCOVER_MAX_DIM) {
        snprintf(err, errlen,
                 "%d series at tau_max %d give an embedded dimension of %ld, above the limit "
                 "of %d%s; lower --tau-max, select fewer columns%s",
                 nvars, tau_max, dim, SVAR_DISCOVER_MAX_DIM,
                 lp ? "" : " (data with missing values)",
                 lp ? "" : " or fill the gaps (complete data has no such limit)");
        return -1;
    }
    struct lagcov *lc = lagcov_new(nvars, depth, rows - depth, err, errlen);
    if (!lc) return -1;
    lagcov_load(lc, Y, rows);
    *samples = lagcov_rows(lc);
    if (*samples < need) {
        snprintf(err, errlen,
                 "only %ld rows are complete after removing missing values, fewer than "
                 "2*tau_max+10 = %d needed",
                 *samples, need);
        lagcov_free(lc);
        return -1;
    }
    double *R = xmallocarray((size_t)dim * dim, sizeof(double));
    lagcov_correlation(lc, R, NULL);
    lagcov_free(lc);
    int rc;
    if (lp) {
        struct lpcmci_params lpp;
        lpcmci_params_default(&lpp, tau_max);
        lpp.alpha = p->alpha;
        lpp.max_conds_dim = p->max_conds_dim;
        lpp.n_preliminary = dp->n_preliminary;
        struct lpcmci_stats ls;
        rc = lpcmci_run(R, nvars, *samples, &lpp, g, &ls, err, errlen);
        if (rc == 0 && st) {
            memset(st, 0, sizeof *st);
            st->tests = ls.tests;
            st->collinear = ls.collinear;
            st->degenerate = ls.degenerate;
            st->low_df = ls.low_df;
            st->conflicts = ls.conflicts;
        }
    } else {
        rc = pcmciplus_run(R, nvars, *samples, p, g, st, err, errlen);
    }
    free(R);
    return rc;
}

void svar_discover_result_free(struct svar_discover_result *res)
{
    svar_graph_free(res->graph);
    free(res->kept);
    free(res->status);
    memset(res, 0, sizeof *res);
}
