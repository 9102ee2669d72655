/*
 * rca.h - root-cause ranking of one incident (ALGORITHMS.md §8.2, §9): a window of aligned
 * series whose rows [0, split) are the frozen reference (normal) and rows [split, rows) the
 * incident. The daemon and `causalmon rca` both call rca_run.
 *
 *   1. Screening as in discovery (constant and mostly-missing columns left out, short gaps
 *      filled); count series (log templates) read missing as 0, because a template that did not
 *      exist yet was seen 0 times.
 *      With deseason, detected cycles are removed per column first (seasonality.h), so a
 *      cycle is neither a link nor an anomaly. Off by default: it needs 3 cycles in the window,
 *      and on PetShop (2 daily cycles, incident rows re-timed) it lowered top-1 from 0.42 to
 *      0.29.
 *   2. PCMCI+ (ParCorr) on the whole window; prior knowledge is applied to the graph: forbidden
 *      links and links against the tiers (a series is never caused by one of a higher tier) are
 *      removed, contemporaneous links across tiers are oriented from the lower tier, and required
 *      links are added.
 *   3. Evidence per series:
 *      - anomaly: BARO's robust score, max |x - median| / IQR of the incident over the reference;
 *      - mechanism: the Chow test (mean, coefficients, noise variance; mech_change.h) of the
 *        series given its graph parents, reference vs incident, with Benjamini-Hochberg over the
 *        series of the round; "parents_changed" when a parent's mechanism changed too;
 *      - onset: the first row (relative to split) where the series leaves its reference band
 *        (|x - median| > onset_z robust standard deviations), looking back `lookback` rows;
 *      - relevance: |correlation| with the KPI over the window;
 *      - walk: random walk with restart from the KPI (rwr.h) on the partially oriented graph,
 *        o-o and x-x counted both ways, weights from anomaly and relevance.
 *   4. score = 0.45 anomaly + 0.2 mechanism + 0.2 relevance + 0.1 walk + 0.05 onset (each in
 *      [0, 1]; weights chosen on the simulated incidents and PetShop, see bench/); a series whose
 *      mechanism did not change while a parent is about as anomalous is a symptom and its score
 *      is halved. The KPI's own anomaly does not count for it (it is the symptom that started
 *      the analysis) unless its mechanism changed with unchanged parents. The path to the KPI is
 *      the shortest cause -> effect path in the graph.
 *   5. The graph-free ranking (BARO alone) is returned next to it, and both are folded to
 *      components when a component map is given (a component scores as its best series).
 * Strength changes: every link of the graph is compared between reference and incident with the
 * Fisher-z difference of its correlation, BH over the links of the round.
 * Pure; single-threaded per call; any thread.
 */
#ifndef CAUSALMON_RCA_H
#define CAUSALMON_RCA_H

#include "mech_change.h"
#include "rwr.h"
#include "svar_graph.h"

struct rca_params {
    int tau_max;       /* 1 */
    double alpha;      /* PCMCI+ pc_alpha (0.01) */
    double mech_alpha; /* BH level of mechanism and strength changes (0.01) */
    int max_parents;   /* strongest parents used by the mechanism test (6) */
    double onset_z;    /* robust z of the onset (3) */
    int lookback;      /* rows before split searched for the onset (5) */
    int max_gap;       /* gap filling as in discovery (3) */
    int top;           /* causes reported (5) */
    int deseason;      /* remove detected cycles from every column first (0) */
    struct rwr_params rwr;
    const volatile int *cancel; /* polled by PCMCI+ (pcmci_params.cancel); NULL: never */
};

/* Prior knowledge and mapping, all optional (NULL). Arrays are indexed by input column. */
struct rca_prior {
    const int *tier;                /* [n] tier of each series (-1 none) */
    const unsigned char *forbidden; /* [n * n] forbidden[from * n + to] */
    const unsigned char *required;  /* [n * n] required[from * n + to] (contemporaneous) */
    const unsigned char *is_count;  /* [n] count series: missing reads as 0 */
    const int *component;           /* [n] component of each series (-1 none) */
    int ncomponents;
};

#define RCA_PATH_MAX 16

struct rca_cause {
    int var;                /* input column */
    double score;           /* combined, [0, 1] */
    double anomaly;         /* robust score */
    double mech_p, mech_q;  /* mechanism change, reference vs incident (1 when untestable) */
    enum change_kind kind;  /* kind of the mechanism change (CHANGE_NONE when not changed) */
    int mech_changed;       /* mech_q <= mech_alpha */
    int parents_changed;    /* a graph parent's mechanism changed too */
    int onset;              /* row of the onset relative to split; RCA_NO_ONSET if none */
    double walk;            /* random-walk score, [0, 1] relative to the best */
    double relevance;       /* |correlation| with the KPI (0 for the KPI itself) */
    int path[RCA_PATH_MAX]; /* input columns from this series to the KPI */
    int path_len;           /* 0: no directed path in the graph */
};
#define RCA_NO_ONSET 1000000000

struct rca_link_change {
    int from, to, lag; /* input columns */
    double r_ref, r_cur, pval, qval;
};

struct rca_component {
    int component;
    double score;
    int best_var; /* input column of its best series */
};

struct rca_result {
    int kpi;                  /* input column of the KPI (chosen when kpi < 0 was passed) */
    int ncauses;              /* every kept series, ranked */
    struct rca_cause *causes; /* [ncauses] by descending score */
    int *baseline;            /* [ncauses] input columns ranked by the robust score alone */
    double *baseline_score;   /* [ncauses] their robust scores */
    int ncomponents;          /* 0 without a component map */
    struct rca_component *components, *baseline_components; /* [ncomponents] ranked */
    int nchanged_links;
    struct rca_link_change *changed_links;
    struct svar_graph *graph; /* over the kept columns */
    int nkept;
    int *kept; /* input column of each graph variable */
    long samples;
};

void rca_params_default(struct rca_params *p);

/* Ranks root causes of the KPI (input column kpi, or -1: the series with the highest robust
 * score) in X (rows x n, row-major, NaN missing; not modified), reference rows [0, split).
 * Returns 0 and fills *res (release with rca_result_free), or -1 with a message in err: split
 * outside [10, rows - 1], the KPI constant or mostly missing, or too few rows for discovery. */
int rca_run(const double *X, int rows, int n, int split, int kpi, const struct rca_params *p,
            const struct rca_prior *prior, struct rca_result *res, char *err, size_t errlen);
void rca_result_free(struct rca_result *res);

#endif
