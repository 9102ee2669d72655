#include "pdag.h"

#include "svar_graph.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void pdag_orient(struct pdag *g, int a, int b)
{
    unsigned char *ab = pdag_at(g, a, b), *ba = pdag_at(g, b, a);
    if (*ab == LINK_UNORIENTED) {
        *ab = LINK_FWD;
        *ba = LINK_BWD;
    } else if (*ab == LINK_BWD) {
        *ab = *ba = LINK_CONFLICT;
    }
}

static int is_fwd(const struct pdag *g, int a, int b)
{
    return *pdag_at(g, a, b) == LINK_FWD;
}

static int is_oo(const struct pdag *g, int a, int b)
{
    return *pdag_at(g, a, b) == LINK_UNORIENTED;
}

static int ambiguous(const struct pdag_hooks *h, int i, int k, int j)
{
    return h->ambiguous && h->ambiguous(h->ctx, i, k, j);
}

/* R1: i --> k o-o j, i and j not adjacent, not ambiguous => k --> j. */
static int propose_r1(const struct pdag *g, const struct pdag_hooks *h, char *prop)
{
    int n = g->n, found = 0;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < n; j++) {
            if (j == k || !is_oo(g, k, j)) continue;
            int hit = h->extra_r1 && h->extra_r1(h->ctx, k, j);
            for (int i = 0; i < n && !hit; i++)
                hit = i != j && i != k && is_fwd(g, i, k) && *pdag_at(g, i, j) == LINK_NONE &&
                      !ambiguous(h, i, k, j);
            if (hit) prop[k * n + j] = found = 1;
        }
    return found;
}

/* R2: i --> k --> j and i o-o j => i --> j. */
static int propose_r2(const struct pdag *g, char *prop)
{
    int n = g->n, found = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (i == j || !is_oo(g, i, j)) continue;
            for (int k = 0; k < n; k++)
                if (k != i && k != j && is_fwd(g, i, k) && is_fwd(g, k, j)) {
                    prop[i * n + j] = found = 1;
                    break;
                }
        }
    return found;
}

/* R3: i o-o k --> j, i o-o l --> j, i o-o j, k and l not adjacent, (k, i, l) not ambiguous
 * => i --> j. */
static int propose_r3(const struct pdag *g, const struct pdag_hooks *h, char *prop)
{
    int n = g->n, found = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (i == j || !is_oo(g, i, j)) continue;
            for (int k = 0; k < n && !prop[i * n + j]; k++) {
                if (k == i || k == j || !is_oo(g, i, k) || !is_fwd(g, k, j)) continue;
                for (int l = k + 1; l < n; l++) {
                    if (l == i || l == j || !is_oo(g, i, l) || !is_fwd(g, l, j)) continue;
                    if (*pdag_at(g, k, l) != LINK_NONE || ambiguous(h, k, i, l)) continue;
                    prop[i * n + j] = found = 1;
                    break;
                }
            }
        }
    return found;
}

/* Applies a batch of proposed orientations; opposite proposals on one pair make it x-x. */
static void apply_proposals(struct pdag *g, char *prop)
{
    int n = g->n;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            if (!prop[a * n + b]) continue;
            if (prop[b * n + a]) {
                if (a < b) *pdag_at(g, a, b) = *pdag_at(g, b, a) = LINK_CONFLICT;
            } else {
                pdag_orient(g, a, b);
            }
        }
    memset(prop, 0, (size_t)n * n);
}

void pdag_apply_rules(struct pdag *g, const struct pdag_hooks *hooks)
{
    int n = g->n;
    char *prop = xcalloc((size_t)n * n, 1);
    /* tigramite's order: one pass of R1, one of R2, one of R3 per round, until a round finds
     * nothing. Each pass proposes from the graph as the previous pass left it. */
    for (int changed = 1; changed;) {
        changed = 0;
        if (propose_r1(g, hooks, prop)) {
            apply_proposals(g, prop);
            changed = 1;
        }
        if (propose_r2(g, prop)) {
            apply_proposals(g, prop);
            changed = 1;
        }
        if (propose_r3(g, hooks, prop)) {
            apply_proposals(g, prop);
            changed = 1;
        }
    }
    free(prop);
}
