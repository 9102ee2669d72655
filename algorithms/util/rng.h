/*
 * rng.h - seeded pseudo-random numbers (xoshiro256**, seeded through splitmix64).
 *
 * Deterministic across platforms for the same seed, so simulations, tests and benchmarks are
 * reproducible. A struct rng is plain data: copy it to fork a stream. One thread per rng.
 */
#ifndef CAUSALMON_RNG_H
#define CAUSALMON_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
    int has_spare; /* Box-Muller produces normals in pairs */
    double spare;
};

/* Seeds the generator; any seed (including 0) gives a valid, distinct stream. */
void rng_seed(struct rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t rng_next(struct rng *r);
/* Uniform double in [0, 1). */
double rng_uniform(struct rng *r);
/* Standard normal deviate (Box-Muller). */
double rng_normal(struct rng *r);
/* Uniform integer in [0, n); n must be > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

#endif
