/*
 * svar_limits.h - the lag limits every causal-discovery path shares: the largest tau_max a
 * scope or a command may ask for, and the fewest rows a time-lagged discovery needs.
 */
#ifndef CAUSALMON_SVAR_LIMITS_H
#define CAUSALMON_SVAR_LIMITS_H

/* Largest tau_max (lags in buckets or rows) accepted by the configuration and by the discover,
 * cdnod and rca commands. Every path handles it: the change monitor keeps a series' own lags
 * 1..tau_max as parents beside its learned ones and refuses more than 20; PCMCI+ embeds 2 tau_max
 * lags and LPCMCI tau_max, so 20 keeps the lag blocks of the widest input (1000 series) within
 * SVAR_DISCOVER_MAX_BLOCKS; and the root-cause ranking unrolls tau_max + 1 slices per series. */
#define SVAR_TAU_MAX_LIMIT 20

/* The fewest rows (complete rows, after missing values are removed) that a discovery at
 * tau_max needs: 2 tau_max + 10, so that the 2 tau_max lagged copies leave at least 10
 * samples. A scope's window must hold this many rows, and a refresh waits for them. Pure; any
 * thread. */
int svar_min_rows(int tau_max);

/* The rule as messages state it. */
#define SVAR_MIN_ROWS_RULE "2*tau_max+10"

#endif
