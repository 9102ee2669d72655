/*
 * svar_discover.h - batch causal discovery on one window of aligned series: the pipeline that
 * `causalmon discover` and the benchmarks share.
 *
 *   1. Screen columns: a column with no two distinct observed values is CONSTANT; a column whose
 *      missing share exceeds max_missing_share is MISSING. Both are reported and left out, never
 *      turned into NaN links.
 *   2. Fill interior gaps of <= max_gap values by linear interpolation (gapfill.h); rows that still
 *      touch a missing value are left out of every test (listwise deletion, lagcov.h).
 *   3. The exact correlation of the embedded vector (max_lag = 2 tau_max) and PCMCI+ on it
 *      (pcmciplus.h); optionally Benjamini-Hochberg. Complete data uses lag blocks (lagblock.h:
 *      (2 tau_max + 1) N^2 doubles); data with rows still missing after step 2 uses the full
 *      D x D matrix with listwise deletion (lagcov.h), D = N (2 tau_max + 1).
 *      With method SVAR_METHOD_LPCMCI the embedding depth is tau_max, the full matrix is used,
 *      and the algorithm is lpcmci.h, which allows hidden common causes and returns a PAG.
 */
#ifndef CAUSALMON_SVAR_DISCOVER_H
#define CAUSALMON_SVAR_DISCOVER_H

#include "lpcmci.h"
#include "pcmciplus.h"
#include "svar_graph.h"

#include <stddef.h>

/* With missing rows, embedded dimensions above this are refused (memory 2 D^2 doubles: 256 MiB
 * at the limit). */
#define SVAR_DISCOVER_MAX_DIM 4096
/* With complete data, (2 tau_max + 1) N^2 lag-block doubles above this are refused (1 GiB). */
#define SVAR_DISCOVER_MAX_BLOCKS (1L << 27)

enum column_status { COLUMN_KEPT = 0, COLUMN_CONSTANT, COLUMN_MISSING };

enum svar_method { SVAR_METHOD_PCMCIPLUS = 0, SVAR_METHOD_LPCMCI };

/* "pcmci+" or "lpcmci"; svar_method_parse returns 0, or -1 for an unknown name. */
const char *svar_method_str(enum svar_method m);
int svar_method_parse(const char *s, enum svar_method *m);

struct svar_discover_params {
    enum svar_method method;   /* PCMCI+ (default) or LPCMCI */
    struct pcmci_params pcmci; /* tau_max, alpha and max_conds_dim are used by both methods */
    int n_preliminary;         /* LPCMCI preliminary phases */
    int fdr_bh;                /* apply Benjamini-Hochberg at pcmci.alpha */
    int max_gap;               /* longest interior gap filled by interpolation */
    double max_missing_share;  /* columns with more missing values are dropped */
};

struct svar_discover_result {
    struct svar_graph *graph; /* over the kept columns, in input order */
    int nkept;
    int *kept;                  /* input column of each graph variable [nkept] */
    enum column_status *status; /* per input column [ncols] */
    long samples;               /* rows used by every test (n) */
    long filled;                /* values filled by interpolation */
    struct pcmci_stats stats;
};

void svar_discover_params_default(struct svar_discover_params *p, int tau_max);

/* Runs the pipeline on X (rows x ncols, row-major, NaN = missing; X is not modified).
 * Returns 0 and fills *res (release with svar_discover_result_free), or -1 with a message in err
 * when the input cannot support the analysis: no usable column, sizes above
 * SVAR_DISCOVER_MAX_DIM / SVAR_DISCOVER_MAX_BLOCKS, or fewer than 2 tau_max + 10 usable rows.
 * Single-threaded. */
int svar_discover_run(const double *X, int rows, int ncols, const struct svar_discover_params *p,
                      struct svar_discover_result *res, char *err, size_t errlen);
void svar_discover_result_free(struct svar_discover_result *res);

/* Steps 1-2 alone: screens the columns of X into status[ncols] and kept[0..*nkept), and returns
 * the kept columns with short gaps filled (rows x *nkept, caller frees), adding the number of
 * filled values to *filled. Returns NULL with a message when no column is usable. */
double *svar_prepare(const double *X, int rows, int ncols, int max_gap, double max_missing_share,
                     enum column_status *status, int *kept, int *nkept, long *filled, char *err,
                     size_t errlen);

/* Step 3 alone, on an already screened and gap-filled matrix Y (rows x nvars; rows that still
 * hold NaN are left out): fills g (nvars, tau_max of p) and st, sets *samples. Returns 0, or -1
 * with a message when fewer than 2 tau_max + 10 complete rows remain or sizes are too large. */
int svar_discover_graph(const double *Y, int rows, int nvars, const struct pcmci_params *p,
                        struct svar_graph *g, struct pcmci_stats *st, long *samples, char *err,
                        size_t errlen);

/* svar_discover_graph with the method of p (LPCMCI: PAG link types; st->conflicts counts the
 * orientation conflicts, st->ambiguous_triples is 0). Same return rules. */
int svar_discover_graph_method(const double *Y, int rows, int nvars,
                               const struct svar_discover_params *p, struct svar_graph *g,
                               struct pcmci_stats *st, long *samples, char *err, size_t errlen);

#endif
