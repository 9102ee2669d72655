/*
 * rca.h - root-cause ranking of one incident: a window of aligned series whose rows [0, split)
 * are the reference (normal) and rows [split, rows) the incident. The daemon and
 * `causalmon rca` both call rca_run. docs/rca.md explains the choices with the real incident
 * sets behind them.
 *
 *   1. Screening. Count series (log templates) read missing as 0. A column that never takes
 *      two distinct values, has fewer than anomaly.min_reference reference values, no incident
 *      value, or more than rank_max_missing of its reference rows missing is excluded and
 *      listed with its reason; every other column is ranked on the values it has. Nothing is
 *      refused for missing data unless no KPI or nothing rankable is left.
 *   2. Anomaly evidence per series (anomaly.h): robust, directed by the series' kind
 *      (prior->dir), floored spread, scale-free and saturating. Latency and failures travel
 *      along calls each as itself (metric_kind_symptom), so when the KPI carries one of them,
 *      a series carrying the other one is on another path: its evidence is multiplied by
 *      w_other_symptom (0.5). Kinds that stay where they happen (resources, logs, traffic)
 *      keep theirs: a cause can show in any of them. Ranked alone, this is the graph-free
 *      ranking returned next to the causal one.
 *   3. The graph, when it can be trusted. Its reliability r in [0, 1] grows with the rows per
 *      parameter, rho = rows / (graph series x (tau_max + 1)): 0 up to rows_per_param_lo
 *      (0.25), 1 from rows_per_param_hi (1, where even a full vector autoregression on every
 *      series is identified; PCMCI+ tests far fewer parameters at once, which is why a
 *      quarter of that still carries some weight). With r = 0 no graph is learned: a wide,
 *      short window yields mostly noise (on 190 series x 70 rows the learned graph lowered
 *      the top-1 of the graph-free ranking; on 150 series x 590 rows it doubled it, see
 *      docs/rca.md), and PCMCI+ on 1,000 series costs seconds for nothing. Otherwise PCMCI+
 * (ParCorr) runs on the series with at most graph_max_missing missing values, every gap filled, so
 * no row is lost; prior knowledge is applied (rca_graph.h): forbidden links and links against the
 * tiers are removed, contemporaneous links across tiers are oriented from the lower tier, required
 *      links are added.
 *   4. Graph evidence per graph series: mechanism (the Chow test of the series given its graph
 *      parents, reference vs incident, BH over the series; "parents_changed" when a parent's
 *      mechanism changed too), onset order (first row leaving the reference band, looking back
 *      `lookback` rows), relevance (|correlation| with the KPI) and walk (random walk with
 *      restart from the KPI over the partially oriented graph).
 *   5. score = (w_anomaly A + r (w_mechanism M + w_relevance R + w_walk W + w_onset O)) /
 *      (w_anomaly + r (w_mechanism + w_relevance + w_walk + w_onset)), A the anomaly evidence
 *      relative to the case's largest. With r = 0 the order is exactly the graph-free one. A
 *      series whose mechanism did not change while a parent is about as anomalous is a symptom:
 *      its score is multiplied by 1 - r / 2. The KPI's own anomaly does not count for it when
 *      it is the symptom under analysis (given, or chosen at the entry point).
 *   6. Components (prior->component): a component scores w_component[0] x its best series +
 *      [1] x its second + [2] x its third (0.7, 0.2, 0.1), so one noisy series weighs less than
 *      agreeing ones.
 *   7. Known calls (prior->calls, e.g. a service map): the components are ordered callee-first
 *      (call_graph.h): anomalous components that nothing explains come first, those reached
 *      from the KPI's component before the others. A callee explains its caller; an
 *      instrumented sibling explains a single-caller leaf (a front); a caller with at least
 *      calls.common_callees unexplained anomalous callees explains them (their common cause).
 *      The graph-free component ranking stays the order of step 6 on the anomaly evidence
 *      alone.
 * KPI choice without one given: the best prior->kpi_pref class (2: a latency, error or success
 * series of an entry-point component, 1: any latency, error or success series, 0: any), the
 * most anomalous within it.
 * Strength changes: every link of the graph is compared between reference and incident with
 * the Fisher-z difference of its correlation, BH over the links of the round.
 * Pure; single-threaded per call; any thread.
 */
#ifndef CAUSALMON_RCA_H
#define CAUSALMON_RCA_H

#include "anomaly.h"
#include "call_graph.h"
#include "mech_change.h"
#include "rwr.h"
#include "svar_graph.h"

struct rca_learned;

struct rca_params {
    int tau_max;         /* 1 */
    double alpha;        /* PCMCI+ pc_alpha (0.01) */
    double mech_alpha;   /* BH level of mechanism and strength changes (0.01) */
    int max_parents;     /* strongest parents used by the mechanism test (6) */
    double onset_z;      /* robust z of the onset (3) */
    int lookback;        /* rows before split searched for the onset (5) */
    int max_gap;         /* gap filling as in discovery (3) */
    int top;             /* causes reported (5) */
    int deseason;        /* remove detected cycles from the graph's series first (0) */
    int method;          /* discovery: enum svar_method, PCMCI+ (0) or LPCMCI */
    double screen_alpha; /* PCMCI+ candidate screening (pcmci_params): level, 0 = off (0) */
    int screen_top_k;    /* and the cap per target, 0 = none (0) */
    struct rwr_params rwr;
    struct anomaly_params anomaly;
    /* weights of the evidence (rca.h step 5); the anomaly carries the ranking alone when the
     * graph is not trusted, the graph terms add to it in proportion to its reliability */
    double w_anomaly, w_mechanism, w_relevance, w_walk, w_onset; /* .45 .2 .2 .1 .05 */
    /* step 2: evidence of a series carrying the other symptom than the KPI's (0.5; 1: off) */
    double w_other_symptom;
    double rows_per_param_lo, rows_per_param_hi; /* 0.25, 1 */
    /* step 6: a component's score from its best, second and third series (.7 .2 .1) */
    double w_component[3];
    /* step 7 (call_graph.h): a component counts as anomalous on the call graph from
     * calls.share of the best component score (0.8); the front and common-cause rules
     * (calls.front_leaf 1, calls.common_callees 2) */
    struct call_graph_params calls;
    double graph_max_missing;   /* series with more missing values stay out of the graph (0.2) */
    double rank_max_missing;    /* series missing in more of the reference are not ranked (0.5) */
    const volatile int *cancel; /* polled by PCMCI+ and LPCMCI (pcmci_params.cancel); NULL:
                                 * never */
    /* a graph learned already on this window by rca_graph_learn (NULL: step 3 learns one).
     * Its variables outside the graph columns of step 3 are left out; no discovery runs. With
     * given->graph NULL (learning failed) or another tau_max, the ranking has no graph. */
    const struct rca_learned *given;
};

/* A graph of step 3 with the input column of each of its variables. */
struct rca_learned {
    struct svar_graph *graph; /* over nkept variables; NULL when none was learned */
    int nkept;
    int *kept;    /* [nkept] input column of each graph variable */
    long samples; /* rows used by every test */
};

/* Prior knowledge and mapping, all optional (NULL). Arrays are indexed by input column. */
struct rca_prior {
    const int *tier;                /* [n] tier of each series (-1 none) */
    const unsigned char *forbidden; /* [n * n] forbidden[from * n + to] */
    const unsigned char *required;  /* [n * n] required[from * n + to] (contemporaneous) */
    const unsigned char *is_count;  /* [n] count series: missing reads as 0 */
    const int *component;           /* [n] component of each series (-1 none) */
    int ncomponents;
    const signed char *dir;      /* [n] enum metric_dir of each series (NULL: both) */
    const signed char *kind;     /* [n] enum metric_kind of each series (NULL: other) */
    const signed char *kpi_pref; /* [n] KPI preference class 0..2 (NULL: all 0) */
    const int *calls; /* [2 * ncalls] known calls between components: caller, callee (step 7) */
    int ncalls;
};

#define RCA_PATH_MAX 16

struct rca_cause {
    int var;                /* input column */
    double score;           /* combined, [0, 1] */
    double anomaly;         /* directed robust z (anomaly.h) */
    int dir;                /* enum metric_dir the anomaly counted */
    int in_graph;           /* the series took part in the graph */
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
    int best_var;     /* input column of its best series */
    int explained_by; /* step 7: the anomalous component that explains it (a callee, a
                       * sibling for a front, the caller for a common cause), or -1 */
};

struct rca_excluded {
    int var;            /* input column */
    const char *reason; /* static text */
};

struct rca_result {
    int kpi;                /* input column of the KPI (chosen when kpi < 0 was passed) */
    const char *kpi_reason; /* static text: why this KPI */
    int kpi_is_symptom;     /* its own anomaly was not counted for it */
    double reliability;     /* r of the graph, [0, 1] (rca.h step 3) */
    const char *graph_note; /* static text when no graph was learned, else NULL */
    int nexcluded;
    struct rca_excluded *excluded; /* [nexcluded] columns not ranked, with the reason */
    int ncauses;                   /* every kept series, ranked */
    struct rca_cause *causes;      /* [ncauses] by descending score */
    int *baseline;          /* [ncauses] input columns ranked by the anomaly evidence alone */
    double *baseline_score; /* [ncauses] their anomaly evidence, [0, 1] */
    int ncomponents;        /* 0 without a component map */
    struct rca_component *components, *baseline_components; /* [ncomponents] ranked */
    int nchanged_links;
    struct rca_link_change *changed_links;
    struct svar_graph *graph; /* over the graph columns; NULL when no graph was learned */
    int nkept;
    int *kept; /* input column of each graph variable */
    long samples;
};

void rca_params_default(struct rca_params *p);

/* Ranks root causes of the KPI (input column kpi, or -1: chosen as above) in X (rows x n,
 * row-major, NaN missing; not modified), reference rows [0, split). Returns 0 and fills *res
 * (release with rca_result_free), or -1 with a message in err: split outside
 * [anomaly.min_reference, rows - 1], the given KPI not rankable (constant, or no reference or
 * incident values), or no rankable series at all. */
int rca_run(const double *X, int rows, int n, int split, int kpi, const struct rca_params *p,
            const struct rca_prior *prior, struct rca_result *res, char *err, size_t errlen);
void rca_result_free(struct rca_result *res);

/* Step 3's graph alone, learned the way rca_run learns it, for a window without a split: the
 * columns of X (rows x n, NaN missing; not modified) that take two distinct values and miss at
 * most graph_max_missing of their values (count series read missing as 0), every gap filled,
 * cycles removed when p->deseason, discovery by p->method, then the prior applied. The
 * reliability of step 3 is not looked at: the caller decides what the graph is trusted for.
 * Returns 0 and fills *out (release with rca_learned_free), or -1 with a message when fewer
 * than 2 columns qualify or discovery fails. Pure; any thread. */
int rca_graph_learn(const double *X, int rows, int n, const struct rca_params *p,
                    const struct rca_prior *prior, struct rca_learned *out, char *err,
                    size_t errlen);
void rca_learned_free(struct rca_learned *l);

/* The directed links of l's graph (lagged, and oriented contemporaneous ones) as parents of
 * each input column j: parent[j * cap + k] (k < nparent[j] <= cap) is the node lag * N + column
 * of its k-th strongest parent (|link value|). Columns outside the graph are left untouched;
 * N is the node stride (>= every input column + 1). l->graph must not be NULL. Returns the
 * number of directed links (before the cap). Pure; any thread. */
long rca_learned_parents(const struct rca_learned *l, int N, int cap, int *parent, int *nparent);

#endif
