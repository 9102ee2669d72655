#include "fdr.h"

#include "xalloc.h"

#include <math.h>
#include <stdlib.h>

struct ranked {
    double p;
    size_t idx;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->p < y->p) return -1;
    if (x->p > y->p) return 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void fdr_bh(const double *p, size_t m, double *q)
{
    if (m == 0) return;
    struct ranked *r = xmallocarray(m, sizeof *r);
    for (size_t a = 0; a < m; a++) {
        r[a].p = isnan(p[a]) ? 1.0 : p[a];
        r[a].idx = a;
    }
    qsort(r, m, sizeof *r, cmp_ranked);
    double running = 1.0;
    for (size_t a = m; a-- > 0;) {
        double v = r[a].p * (double)m / (double)(a + 1);
        if (v < running) running = v;
        r[a].p = running;
    }
    for (size_t a = 0; a < m; a++) q[r[a].idx] = r[a].p;
    free(r);
}
