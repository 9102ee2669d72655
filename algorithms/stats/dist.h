/*
 * dist.h - the tail probabilities the statistical tests need, in one place.
 * Thin wrappers around GSL's cdf functions, which stay accurate deep in the tails (no 1 - cdf
 * cancellation). Pure functions; any thread.
 */
#ifndef CAUSALMON_DIST_H
#define CAUSALMON_DIST_H

/* Two-sided p-value of Student's t statistic with df > 0 degrees of freedom: P(|T| >= |t|). */
double dist_t_two_sided(double t, double df);
/* Upper tail of the F distribution with (d1, d2) degrees of freedom: P(F >= f). */
double dist_f_upper(double f, double d1, double d2);
/* Upper tail of the chi-square distribution with k degrees of freedom. */
double dist_chisq_upper(double x, double k);
/* Upper tail of the gamma distribution with shape a and scale b. */
double dist_gamma_upper(double x, double a, double b);
/* z with P(Z >= z) = p for a standard normal Z; +INFINITY for p <= 0, -INFINITY for p >= 1. */
double dist_normal_upper_quantile(double p);

#endif
