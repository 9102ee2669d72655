/*
 * rwr.h - random walk with restart on a causal graph towards the root cause (docs/algorithms.md
 * §9.1; transitions as in CIRCA's RandomWalkScorer, restart as in MULAN).
 *
 * parent[u * n + v] != 0 means v is a cause of u (an `o-o` or `x-x` link sets both
 * directions). From node u the walk moves to each parent p with weight w[p], back to each child
 * c with weight rho * w[c], and stays with weight max(w[u] - max outgoing, 0); each row is
 * normalised (a node with no weight at all gets a uniform row). The stationary distribution of
 * pi <- (1 - c) P^T pi + c e_s (restart at the symptom s with probability c) is computed by
 * power iteration to 1e-12 (its exact value is c (I - (1 - c) P^T)^-1 e_s). Pure; any thread.
 */
#ifndef CAUSALMON_RWR_H
#define CAUSALMON_RWR_H

struct rwr_params {
    double rho;     /* weight factor of steps back to children (CIRCA 0.5) */
    double restart; /* c in (0, 1) (0.15) */
    int max_iter;   /* 1000 */
};

void rwr_params_default(struct rwr_params *p);

/* Fills P[n x n] (row-stochastic, P[u][v] = probability of u -> v) from the graph and weights
 * w[n] >= 0 (NaN counts as 0). */
void rwr_transitions(const unsigned char *parent, const double *w, int n, double rho, double *P);

/* Writes pi[n] (sums to 1) for restart node s. Returns the iterations used, or -1 on bad
 * arguments (s out of range, restart not in (0, 1)). */
int rwr_scores(const unsigned char *parent, const double *w, int n, int s,
               const struct rwr_params *p, double *pi);

#endif
