/*
 * fdr.h - Benjamini-Hochberg false-discovery-rate adjustment (docs/algorithms.md §5.4).
 * Pure function; any thread.
 */
#ifndef CAUSALMON_FDR_H
#define CAUSALMON_FDR_H

#include <stddef.h>

/* Writes BH-adjusted p-values (q-values) of p[0..m) into q[0..m): sort ascending,
 * q_(r) = p_(r) m / r, running minimum from the largest rank down, clipped at 1, scattered back
 * to the input order. p and q may alias. NaN inputs are treated as 1. m = 0 is a no-op. */
void fdr_bh(const double *p, size_t m, double *q);

#endif
