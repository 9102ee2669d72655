/*
 * dist.h - the tail probabilities the statistical tests need, in one place.
 * Thin wrappers around GSL's cdf functions, which stay accurate deep in the tails (no 1 - cdf
 * cancellation). Pure functions; any thread.
 */
#ifndef CAUSALMON_DIST_H
#define CAUSALMON_DIST_H

/* Two-sided p-value of Student's t statistic with df > 0 degrees of freedom: P(|T| >= |t|). */
double dist_t_two_sided(double t, double df);
/* Two-sided p-value of a standard normal statistic: P(|Z| >= |z|). */
double dist_normal_two_sided(double z);
/* Upper tail of the F distribution with (d1, d2) degrees of freedom: P(F >= f). */
double dist_f_upper(double f, double d1, double d2);
/* Upper tail of the chi-square distribution with k degrees of freedom. */
double dist_chisq_upper(double x, double k);
/* Upper tail of the gamma distribution with shape a and scale b. */
double dist_gamma_upper(double x, double a, double b);
/* Quantile of Student's t: the t with P(T <= t) = p, for 0 < p < 1 and df > 0. */
double dist_t_quantile(double p, double df);

#endif
