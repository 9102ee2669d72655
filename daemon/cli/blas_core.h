/*
 * blas_core.h - choosing OpenBLAS's kernel set (core type) for this CPU, safely.
 *
 * Debian's OpenBLAS can fall back to older kernels on CPUs newer than its table (e.g. Haswell
 * kernels on a CPU with AVX-512). OPENBLAS_CORETYPE selects the kernels, but OpenBLAS reads it
 * once, in its library constructor, before main() runs. So the choice is a re-exec:
 *   1. first start: if the CPU and the OS support AVX-512 (F, CD, BW, DQ, VL) and OpenBLAS did
 *      not pick SkylakeX kernels itself, set OPENBLAS_CORETYPE=SkylakeX and exec the binary
 *      again (/proc/self/exe, same arguments and environment);
 *   2. in the re-executed process: a self-check compares a dgemm and a dsyrk with plain loops
 *      (SIGILL caught); on success it keeps the kernels, otherwise it re-executes once more
 *      without OPENBLAS_CORETYPE, i.e. with OpenBLAS's default.
 * CAUSALMON_BLAS_CORE in the environment records the outcome (trial, kept, failed) for children
 * and diagnostics; CAUSALMON_BLAS_CORE=default, or an OPENBLAS_CORETYPE set by the user, turns
 * the selection off. Main thread, first thing in main(), before any other thread exists.
 */
#ifndef CAUSALMON_BLAS_CORE_H
#define CAUSALMON_BLAS_CORE_H

/* May not return (exec). Returns normally with OpenBLAS ready to use. */
void blas_core_select(char **argv);

/* The core OpenBLAS uses and how it was chosen, e.g. "SkylakeX (self-check passed)". */
const char *blas_core_describe(void);

/* Runs the self-check on the current kernels: 0 when dgemm and dsyrk agree with plain loops. */
int blas_core_self_check(void);

#endif
