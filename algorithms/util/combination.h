/*
 * combination.h - lexicographic enumeration of p-subsets, used for the conditioning sets of the
 * PC-style skeletons (PCMCI+, CD-NOD). Pure; any thread.
 */
#ifndef CAUSALMON_COMBINATION_H
#define CAUSALMON_COMBINATION_H

/* Advances comb[0..p) (increasing indices into {0..n-1}) to the next p-combination in
 * lexicographic order. Start from {0, 1, ..., p-1}. Returns 0 when exhausted (and for p = 0). */
static inline int combination_next(int *comb, int p, int n)
{
    int a = p - 1;
    while (a >= 0 && comb[a] == n - p + a) a--;
    if (a < 0) return 0;
    comb[a]++;
    for (int b = a + 1; b < p; b++) comb[b] = comb[b - 1] + 1;
    return 1;
}

#endif
