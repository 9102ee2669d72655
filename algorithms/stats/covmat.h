/*
 * covmat.h - covariance matrices of data, and their correlation form: the step every
 * ParCorr user needs, in one place. Pure; any thread.
 */
#ifndef CAUSALMON_COVMAT_H
#define CAUSALMON_COVMAT_H

/* Turns the symmetric covariance C (D x D, row-major) into its correlation matrix in place and
 * writes the variances into var[D] (var may be NULL). A coordinate with zero variance gets unit
 * diagonal and zero correlations, so tests treat it as independent of everything. */
void covmat_to_correlation(double *C, int D, double *var);

/* The correlation matrix of the m columns of M (n x m, row-major): a new m x m matrix the caller
 * frees. M is centred in place. */
double *covmat_correlation_of_rows(double *M, int n, int m);

#endif
