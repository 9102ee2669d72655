#include "blas_core.h"

#include <cblas.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ENV_STATE "CAUSALMON_BLAS_CORE"
#define BEST_CORE "SkylakeX"

static char describe[128];

static int cpu_has_avx512(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    /* libgcc also checks that the OS saves the AVX-512 state (XCR0) */
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}

static sigjmp_buf ill_jump;

static void on_sigill(int sig)
{
    (void)sig;
    siglongjmp(ill_jump, 1);
}

/* Deterministic test values with a spread of magnitudes and signs. */
static double val(int a, int b)
{
    return sin(0.37 * a + 1.3 * b) * (1 + (a * 7 + b * 3) % 5);
}

static int check_products(void)
{
    enum { M = 67, K = 53, N = 71 }; /* odd sizes exercise the edge kernels */
    static double A[M * K], B[K * N], C[M * N], S[M * M];
    for (int a = 0; a < M; a++)
        for (int k = 0; k < K; k++) A[a * K + k] = val(a, k);
    for (int k = 0; k < K; k++)
        for (int b = 0; b < N; b++) B[k * N + b] = val(k + 11, b);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, A, K, B, N, 0.0, C, N);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, M, K, 1.0, A, K, 0.0, S, M);
    for (int a = 0; a < M; a++) {
        for (int b = 0; b < N; b++) {
            double want = 0, mag = 0;
            for (int k = 0; k < K; k++) {
                want += A[a * K + k] * B[k * N + b];
                mag += fabs(A[a * K + k] * B[k * N + b]);
            }
            if (!(fabs(C[a * N + b] - want) <= 1e-12 * mag + 1e-300)) return -1;
        }
        for (int b = a; b < M; b++) {
            double want = 0, mag = 0;
            for (int k = 0; k < K; k++) {
                want += A[a * K + k] * A[b * K + k];
                mag += fabs(A[a * K + k] * A[b * K + k]);
            }
            if (!(fabs(S[a * M + b] - want) <= 1e-12 * mag + 1e-300)) return -1;
        }
    }
    return 0;
}

int blas_core_self_check(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigill;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, &old);
    int rc = -1;
    if (sigsetjmp(ill_jump, 1) == 0) rc = check_products();
    sigaction(SIGILL, &old, NULL);
    return rc;
}

static void reexec(char **argv)
{
    fflush(NULL);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with whatever OpenBLAS loaded */
}

void blas_core_select(char **argv)
{
    const char *state = getenv(ENV_STATE);
    const char *core = openblas_get_corename();
    snprintf(describe, sizeof describe, "%s (OpenBLAS default)", core ? core : "?");
    if (state && strcmp(state, "trial") == 0) {
        if (blas_core_self_check() == 0) {
            setenv(ENV_STATE, "kept", 1);
            snprintf(describe, sizeof describe, "%s (selected, self-check passed)", core);
            return;
        }
        setenv(ENV_STATE, "failed", 1);
        unsetenv("OPENBLAS_CORETYPE");
        reexec(argv);
        return;
    }
    if (state && strcmp(state, "kept") == 0) {
        snprintf(describe, sizeof describe, "%s (selected, self-check passed)", core);
        return;
    }
    if (state && strcmp(state, "failed") == 0) {
        snprintf(describe, sizeof describe, "%s (OpenBLAS default; %s failed the self-check)", core,
                 BEST_CORE);
        return;
    }
    if (state || getenv("OPENBLAS_CORETYPE")) return; /* "default", or the user's choice */
    if (!core || strcasecmp(core, BEST_CORE) == 0 || strcasecmp(core, "cooperlake") == 0 ||
        strcasecmp(core, "sapphirerapids") == 0 || !cpu_has_avx512())
        return;
    setenv("OPENBLAS_CORETYPE", BEST_CORE, 1);
    setenv(ENV_STATE, "trial", 1);
    reexec(argv);
    unsetenv("OPENBLAS_CORETYPE");
    setenv(ENV_STATE, "default", 1);
}

const char *blas_core_describe(void)
{
    return describe;
}
