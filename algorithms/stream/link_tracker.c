/* link_tracker.c - link frequency with hysteresis over refreshes (link_tracker.h). */
#include "link_tracker.h"

#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct link_tracker {
    struct link_tracker_params p;
    int n, tau_max;
    long seen;
    uint8_t *hist;  /* bit k: present k refreshes ago */
    uint8_t *state; /* 0 not established, 1 absent, 2 present */
    uint8_t *now;   /* scratch: present in this refresh */
};

void link_tracker_params_default(struct link_tracker_params *p)
{
    *p = (struct link_tracker_params){5, 0.8, 0.2};
}

struct link_tracker *link_tracker_new(const struct link_tracker_params *p, int nvars, int tau_max)
{
    if (nvars < 1 || tau_max < 0 || p->history < 2 || p->history > 8 || !(p->f_on > p->f_off) ||
        p->f_off < 0 || p->f_on > 1)
        return NULL;
    struct link_tracker *t = xcalloc(1, sizeof *t);
    t->p = *p;
    t->n = nvars;
    t->tau_max = tau_max;
    size_t cells = (size_t)nvars * nvars * (size_t)(tau_max + 1);
    t->hist = xcalloc(cells, 1);
    t->state = xcalloc(cells, 1);
    t->now = xcalloc(cells, 1);
    return t;
}

void link_tracker_free(struct link_tracker *t)
{
    if (!t) return;
    free(t->hist);
    free(t->state);
    free(t->now);
    free(t);
}

static int popcount8(uint8_t v)
{
    int c = 0;
    for (; v; v &= (uint8_t)(v - 1)) c++;
    return c;
}

int link_tracker_update(struct link_tracker *t, const struct svar_graph *g, const int *map,
                        struct link_event *ev, int max)
{
    size_t L = (size_t)(t->tau_max + 1), cells = (size_t)t->n * t->n * L;
    memset(t->now, 0, cells);
    for (int a = 0; a < g->nvars; a++)
        for (int b = 0; b < g->nvars; b++)
            for (int tau = 0; tau <= g->tau_max && tau <= t->tau_max; tau++) {
                if (a == b && tau == 0) continue;
                unsigned char ty = g->type[svar_graph_at(g, a, b, tau)];
                if (ty == LINK_NONE) continue;
                int i = map[a], j = map[b];
                if (i < 0 || j < 0 || i >= t->n || j >= t->n) continue;
                if (tau == 0 && i > j) { /* contemporaneous: one entry per unordered pair */
                    int x = i;
                    i = j, j = x;
                }
                t->now[((size_t)i * t->n + j) * L + (size_t)tau] = 1;
            }
    t->seen++;
    int K = t->p.history, found = 0;
    uint8_t mask = (uint8_t)((1u << K) - 1);
    for (size_t c = 0; c < cells; c++) {
        t->hist[c] = (uint8_t)(((t->hist[c] << 1) | t->now[c]) & mask);
        if (t->seen < K) continue;
        double f = popcount8(t->hist[c]) / (double)K;
        int to = -1;
        if (t->state[c] == 0)
            t->state[c] = f >= 0.5 ? 2 : 1; /* established without an event */
        else if (t->state[c] == 1 && f >= t->p.f_on)
            to = 2;
        else if (t->state[c] == 2 && f <= t->p.f_off)
            to = 1;
        if (to < 0) continue;
        t->state[c] = (uint8_t)to;
        if (found < max) {
            size_t ij = c / L;
            ev[found] = (struct link_event){(int)(ij / (size_t)t->n), (int)(ij % (size_t)t->n),
                                            (int)(c % L), to == 2, f};
        }
        found++;
    }
    return found;
}
