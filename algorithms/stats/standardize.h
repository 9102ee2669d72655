/*
 * standardize.h - z-scoring of data columns, shared by the kernel tests. Pure; any thread.
 */
#ifndef CAUSALMON_STANDARDIZE_H
#define CAUSALMON_STANDARDIZE_H

/* Z-scores every column of the row-major matrix X (n x d) in place (divisor n - 1). A constant
 * column becomes all zeros (it carries no information; kernels then ignore it). */
void standardize_columns(double *X, int n, int d);

#endif
