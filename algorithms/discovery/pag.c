/* Time-series PAGs and the FCI orientation rules (pag.h; Zhang 2008, Artificial Intelligence 172).
 */
#include "pag.h"

#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

enum { R9_MAX_PATH = 5 }; /* longest uncovered potentially directed path R9 searches (edges) */

struct pag *pag_new(int nvars, int tau_max)
{
    struct pag *g = xcalloc(1, sizeof *g);
    g->nvars = nvars;
    g->tau_max = tau_max;
    g->mark = xcalloc((size_t)nvars * nvars * (tau_max + 1) * 2, 1);
    return g;
}

void pag_free(struct pag *g)
{
    if (!g) return;
    free(g->mark);
    free(g);
}

static size_t link_at(const struct pag *g, int i, int j, int tau)
{
    return ((size_t)i * g->nvars + j) * (size_t)(g->tau_max + 1) + (size_t)tau;
}

/* Locates the edge u - v: the link index and which end (0 = src, 1 = dst) u is.
 * Returns -1 for u == v or nodes too far apart. */
static int locate(const struct pag *g, int u, int v, size_t *at, int *end)
{
    int N = g->nvars, vu = u % N, lu = u / N, vv = v % N, lv = v / N;
    if (u == v) return -1;
    if (lu > lv || (lu == lv)) {
        if (lu - lv > g->tau_max) return -1;
        *at = link_at(g, vu, vv, lu - lv);
        *end = 0;
    } else {
        if (lv - lu > g->tau_max) return -1;
        *at = link_at(g, vv, vu, lv - lu);
        *end = 1;
    }
    return 0;
}

enum pag_mark pag_get(const struct pag *g, int u, int v)
{
    size_t at;
    int end;
    if (locate(g, u, v, &at, &end) < 0) return MARK_NONE;
    return (enum pag_mark)g->mark[2 * at + (size_t)end];
}

static void put(struct pag *g, int u, int v, enum pag_mark m)
{
    size_t at;
    int end, N = g->nvars;
    if (locate(g, u, v, &at, &end) < 0) return;
    g->mark[2 * at + (size_t)end] = (unsigned char)m;
    if (u / N == v / N) /* contemporaneous: the mirror link (v, u, 0) */
        g->mark[2 * link_at(g, v % N, u % N, 0) + (size_t)(1 - end)] = (unsigned char)m;
}

void pag_set(struct pag *g, int u, int v, enum pag_mark m)
{
    if (pag_get(g, u, v) != MARK_NONE) put(g, u, v, m);
}

void pag_link(struct pag *g, int u, int v, enum pag_mark mu, enum pag_mark mv)
{
    put(g, u, v, mu);
    put(g, v, u, mv);
}

void pag_complete(struct pag *g)
{
    int N = g->nvars;
    memset(g->mark, 0, (size_t)N * N * (g->tau_max + 1) * 2);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            for (int tau = 0; tau <= g->tau_max; tau++) {
                if (tau == 0 && i == j) continue;
                size_t at = link_at(g, i, j, tau);
                g->mark[2 * at] = MARK_CIRCLE;
                g->mark[2 * at + 1] = tau > 0 ? MARK_ARROW : MARK_CIRCLE;
            }
}

static int adjacent(const struct pag *g, int u, int v)
{
    return pag_get(g, u, v) != MARK_NONE;
}

struct orient {
    struct pag *g;
    int V;
    int **nb; /* neighbours of every window node */
    int *nnb;
    pag_sepset_fn in_sepset;
    void *ctx;
    struct pag_orient_stats st;
    int changed;
    char *onpath; /* R9 search */
    const volatile int *cancel;
};

/* The caller's cancel flag is set: the loops end early (the marks are then incomplete). */
static int stopped(const struct orient *o)
{
    return o->cancel && *o->cancel;
}

/* Sets the mark at u on u - v to m if it is a circle; a different decided mark is a conflict. */
static void decide(struct orient *o, int u, int v, enum pag_mark m)
{
    enum pag_mark cur = pag_get(o->g, u, v);
    if (cur == m || cur == MARK_NONE) return;
    if (cur != MARK_CIRCLE) {
        o->st.conflicts++;
        return;
    }
    put(o->g, u, v, m);
    o->st.rule_hits++;
    o->changed = 1;
}

/* u --> v */
static int directed(const struct pag *g, int u, int v)
{
    return pag_get(g, u, v) == MARK_TAIL && pag_get(g, v, u) == MARK_ARROW;
}

/* The edge u - v can be part of a potentially directed path from u to v. */
static int pot_directed(const struct pag *g, int u, int v)
{
    enum pag_mark mu = pag_get(g, u, v), mv = pag_get(g, v, u);
    return mu != MARK_NONE && mu != MARK_ARROW && mv != MARK_TAIL;
}

/* R0: a *-* b *-* c with a, c not adjacent and b outside their separating set, the data
 * confirming the collider (PAG_COLLIDER) -> a *-> b <-* c. All triples are decided on the
 * skeleton before any arrowhead is set (order independent). */
static void colliders(struct orient *o)
{
    size_t cap = 64, n = 0;
    int(*t)[3] = xmallocarray(cap, sizeof *t);
    for (int b = 0; b < o->V && !stopped(o); b++)
        for (int x = 0; x < o->nnb[b]; x++)
            for (int y = x + 1; y < o->nnb[b]; y++) {
                int a = o->nb[b][x], c = o->nb[b][y];
                if (adjacent(o->g, a, c) || o->in_sepset(o->ctx, a, b, c, 1) != PAG_COLLIDER)
                    continue;
                if (n == cap) t = xrealloc(t, (cap *= 2) * sizeof *t);
                t[n][0] = a, t[n][1] = b, t[n][2] = c, n++;
            }
    for (size_t k = 0; k < n; k++) {
        int a = t[k][0], b = t[k][1], c = t[k][2];
        if (pag_get(o->g, b, a) == MARK_CIRCLE) put(o->g, b, a, MARK_ARROW);
        if (pag_get(o->g, b, c) == MARK_CIRCLE) put(o->g, b, c, MARK_ARROW);
        o->st.colliders++;
    }
    free(t);
}

/* R1: a *-> b o-* c, a and c not adjacent, b a definite noncollider (in their separating set)
 * -> b --> c. An ambiguous triple (b outside the separating set but no collider confirmed) is
 * left alone: on finite samples most of those come from a weak link tested away, and a tail
 * there is a false causal claim that R1 would then propagate. */
static void rule1(struct orient *o)
{
    for (int b = 0; b < o->V && !stopped(o); b++)
        for (int x = 0; x < o->nnb[b]; x++) {
            int a = o->nb[b][x];
            if (pag_get(o->g, b, a) != MARK_ARROW) continue;
            for (int y = 0; y < o->nnb[b]; y++) {
                int c = o->nb[b][y];
                if (c == a || pag_get(o->g, b, c) != MARK_CIRCLE || adjacent(o->g, a, c) ||
                    o->in_sepset(o->ctx, a, b, c, 0) != PAG_NONCOLLIDER)
                    continue;
                decide(o, b, c, MARK_TAIL);
                decide(o, c, b, MARK_ARROW);
            }
        }
}

/* R2: a --> b *-> c or a *-> b --> c, and a *-o c -> a *-> c. */
static void rule2(struct orient *o)
{
    for (int a = 0; a < o->V && !stopped(o); a++)
        for (int x = 0; x < o->nnb[a]; x++) {
            int c = o->nb[a][x];
            if (pag_get(o->g, c, a) != MARK_CIRCLE) continue;
            for (int y = 0; y < o->nnb[a]; y++) {
                int b = o->nb[a][y];
                if (b == c || !adjacent(o->g, b, c)) continue;
                if ((directed(o->g, a, b) && pag_get(o->g, c, b) == MARK_ARROW) ||
                    (pag_get(o->g, b, a) == MARK_ARROW && directed(o->g, b, c))) {
                    decide(o, c, a, MARK_ARROW);
                    break;
                }
            }
        }
}

/* R3: a *-> b <-* c, a *-o d o-* c, a and c not adjacent, d in their separating set (a
 * definite noncollider), d *-o b -> d *-> b. */
static void rule3(struct orient *o)
{
    for (int b = 0; b < o->V && !stopped(o); b++)
        for (int x = 0; x < o->nnb[b]; x++) {
            int d = o->nb[b][x];
            if (pag_get(o->g, b, d) != MARK_CIRCLE) continue;
            int done = 0;
            for (int y = 0; y < o->nnb[b] && !done; y++) {
                int a = o->nb[b][y];
                if (a == d || pag_get(o->g, b, a) != MARK_ARROW ||
                    pag_get(o->g, d, a) != MARK_CIRCLE)
                    continue;
                for (int z = y + 1; z < o->nnb[b] && !done; z++) {
                    int c = o->nb[b][z];
                    if (c == d || pag_get(o->g, b, c) != MARK_ARROW ||
                        pag_get(o->g, d, c) != MARK_CIRCLE || adjacent(o->g, a, c) ||
                        o->in_sepset(o->ctx, a, d, c, 0) != PAG_NONCOLLIDER)
                        continue;
                    decide(o, b, d, MARK_ARROW);
                    done = 1;
                }
            }
        }
}

/* R4: a discriminating path <d, ..., a, b, c> for b with b o-* c: b in sepset(d, c) -> b --> c,
 * a confirmed collider -> a <-> b <-> c, an ambiguous triple -> nothing (another path through
 * another a may still decide). The path is found by breadth-first search backwards from a over
 * colliders that are parents of c. */
static void rule4(struct orient *o)
{
    int V = o->V;
    int *prev = xmallocarray((size_t)V, sizeof(int)), *queue = xmallocarray((size_t)V, sizeof(int));
    for (int b = 0; b < V && !stopped(o); b++)
        for (int x = 0; x < o->nnb[b]; x++) {
            int c = o->nb[b][x];
            if (pag_get(o->g, b, c) != MARK_CIRCLE) continue;
            for (int y = 0; y < o->nnb[b]; y++) {
                int a = o->nb[b][y];
                if (a == c || pag_get(o->g, a, b) != MARK_ARROW || !directed(o->g, a, c)) continue;
                for (int v = 0; v < V; v++) prev[v] = -2;
                prev[a] = -1;
                prev[b] = prev[c] = a; /* never on the path again */
                int head = 0, tail = 0, found = -1;
                queue[tail++] = a;
                while (head < tail && found < 0) {
                    int w = queue[head++];
                    for (int z = 0; z < o->nnb[w] && found < 0; z++) {
                        int d = o->nb[w][z];
                        if (prev[d] != -2 || pag_get(o->g, w, d) != MARK_ARROW) continue;
                        if (!adjacent(o->g, d, c)) {
                            found = d;
                        } else if (directed(o->g, d, c) && pag_get(o->g, d, w) == MARK_ARROW) {
                            prev[d] = w;
                            queue[tail++] = d;
                        }
                    }
                }
                if (found < 0) continue;
                enum pag_triple tr = o->in_sepset(o->ctx, found, b, c, 1);
                if (tr == PAG_AMBIGUOUS) continue;
                if (tr == PAG_NONCOLLIDER) {
                    decide(o, b, c, MARK_TAIL);
                    decide(o, c, b, MARK_ARROW);
                } else {
                    decide(o, b, a, MARK_ARROW);
                    decide(o, b, c, MARK_ARROW);
                    decide(o, c, b, MARK_ARROW);
                }
                break;
            }
        }
    free(prev);
    free(queue);
}

/* R8: a --> b --> c or a -o b --> c, and a o-> c -> a --> c. */
static int is_o_arrow(const struct pag *g, int a, int c)
{
    return pag_get(g, a, c) == MARK_CIRCLE && pag_get(g, c, a) == MARK_ARROW;
}

static void rule8(struct orient *o)
{
    for (int a = 0; a < o->V && !stopped(o); a++)
        for (int x = 0; x < o->nnb[a]; x++) {
            int c = o->nb[a][x];
            if (!is_o_arrow(o->g, a, c)) continue;
            for (int y = 0; y < o->nnb[a]; y++) {
                int b = o->nb[a][y];
                if (b == c || pag_get(o->g, a, b) != MARK_TAIL) continue;
                enum pag_mark mb = pag_get(o->g, b, a);
                if ((mb == MARK_ARROW || mb == MARK_CIRCLE) && directed(o->g, b, c)) {
                    decide(o, a, c, MARK_TAIL);
                    break;
                }
            }
        }
}

/* Depth-first search for an uncovered potentially directed path from `from` (reached from
 * `before`) to `to` of at most `left` more edges. */
static int pd_path(struct orient *o, int before, int from, int to, int left)
{
    if (left == 0) return 0;
    o->onpath[from] = 1;
    int ok = 0;
    for (int z = 0; z < o->nnb[from] && !ok; z++) {
        int w = o->nb[from][z];
        if (o->onpath[w] || !pot_directed(o->g, from, w) || adjacent(o->g, before, w)) continue;
        ok = w == to || pd_path(o, from, w, to, left - 1);
    }
    o->onpath[from] = 0;
    return ok;
}

/* R9: a o-> c and an uncovered potentially directed path <a, b, ..., c> with b, c not adjacent
 * -> a --> c. */
static void rule9(struct orient *o)
{
    for (int a = 0; a < o->V && !stopped(o); a++)
        for (int x = 0; x < o->nnb[a]; x++) {
            int c = o->nb[a][x];
            if (!is_o_arrow(o->g, a, c)) continue;
            o->onpath[a] = 1;
            for (int y = 0; y < o->nnb[a]; y++) {
                int b = o->nb[a][y];
                if (b == c || adjacent(o->g, b, c) || !pot_directed(o->g, a, b)) continue;
                if (pd_path(o, a, b, c, R9_MAX_PATH - 1)) {
                    decide(o, a, c, MARK_TAIL);
                    break;
                }
            }
            o->onpath[a] = 0;
        }
}

/* R10 (paths of one edge): a o-> c, b --> c <-- d, a *-* b and a *-* d potentially directed,
 * b and d not adjacent -> a --> c. */
static void rule10(struct orient *o)
{
    for (int a = 0; a < o->V && !stopped(o); a++)
        for (int x = 0; x < o->nnb[a]; x++) {
            int c = o->nb[a][x], done = 0;
            if (!is_o_arrow(o->g, a, c)) continue;
            for (int y = 0; y < o->nnb[c] && !done; y++) {
                int b = o->nb[c][y];
                if (b == a || !directed(o->g, b, c) || !pot_directed(o->g, a, b)) continue;
                for (int z = y + 1; z < o->nnb[c] && !done; z++) {
                    int d = o->nb[c][z];
                    if (d == a || !directed(o->g, d, c) || !pot_directed(o->g, a, d) ||
                        adjacent(o->g, b, d))
                        continue;
                    decide(o, a, c, MARK_TAIL);
                    done = 1;
                }
            }
        }
}

void pag_orient(struct pag *g, pag_sepset_fn in_sepset, void *ctx, const volatile int *cancel,
                struct pag_orient_stats *st)
{
    struct orient o = {0};
    o.g = g;
    o.cancel = cancel;
    o.V = g->nvars * (g->tau_max + 1);
    o.in_sepset = in_sepset;
    o.ctx = ctx;
    o.nb = xmallocarray((size_t)o.V, sizeof *o.nb);
    o.nnb = xcalloc((size_t)o.V, sizeof(int));
    o.onpath = xcalloc((size_t)o.V, 1);
    for (int u = 0; u < o.V; u++) {
        o.nb[u] = xmallocarray((size_t)o.V, sizeof(int));
        for (int v = 0; v < o.V; v++)
            if (adjacent(g, u, v)) o.nb[u][o.nnb[u]++] = v;
    }
    colliders(&o);
    do {
        o.changed = 0;
        rule1(&o);
        rule2(&o);
        rule3(&o);
        if (!o.changed) rule4(&o);
        if (!o.changed) rule8(&o);
        if (!o.changed) rule9(&o);
        if (!o.changed) rule10(&o);
    } while (o.changed && !stopped(&o));
    for (int u = 0; u < o.V; u++) free(o.nb[u]);
    free(o.nb);
    free(o.nnb);
    free(o.onpath);
    if (st) *st = o.st;
}

static enum link_type type_of(enum pag_mark s, enum pag_mark d)
{
    if (s == MARK_NONE || d == MARK_NONE) return LINK_NONE;
    if (s == MARK_TAIL && d == MARK_ARROW) return LINK_FWD;
    if (s == MARK_ARROW && d == MARK_TAIL) return LINK_BWD;
    if (s == MARK_ARROW && d == MARK_ARROW) return LINK_BIDIR;
    if (s == MARK_CIRCLE && d == MARK_ARROW) return LINK_CIRC_FWD;
    if (s == MARK_ARROW && d == MARK_CIRCLE) return LINK_CIRC_BWD;
    if (s == MARK_CIRCLE && d == MARK_CIRCLE) return LINK_UNORIENTED;
    if (s == MARK_TAIL && d == MARK_CIRCLE) return LINK_TAIL_CIRC;
    if (s == MARK_CIRCLE && d == MARK_TAIL) return LINK_CIRC_TAIL;
    return LINK_CONFLICT; /* tail - tail: selection bias, which the rules never conclude */
}

void pag_to_graph(const struct pag *g, struct svar_graph *gr)
{
    size_t m = (size_t)g->nvars * g->nvars * (g->tau_max + 1);
    for (size_t at = 0; at < m; at++) gr->type[at] = type_of(g->mark[2 * at], g->mark[2 * at + 1]);
}

void pag_from_graph(struct pag *g, const struct svar_graph *gr)
{
    static const unsigned char src[] = {
        [LINK_NONE] = MARK_NONE,       [LINK_FWD] = MARK_TAIL,
        [LINK_BWD] = MARK_ARROW,       [LINK_UNORIENTED] = MARK_CIRCLE,
        [LINK_CONFLICT] = MARK_CIRCLE, [LINK_BIDIR] = MARK_ARROW,
        [LINK_CIRC_FWD] = MARK_CIRCLE, [LINK_CIRC_BWD] = MARK_ARROW,
        [LINK_TAIL_CIRC] = MARK_TAIL,  [LINK_CIRC_TAIL] = MARK_CIRCLE};
    static const unsigned char dst[] = {
        [LINK_NONE] = MARK_NONE,        [LINK_FWD] = MARK_ARROW,
        [LINK_BWD] = MARK_TAIL,         [LINK_UNORIENTED] = MARK_CIRCLE,
        [LINK_CONFLICT] = MARK_CIRCLE,  [LINK_BIDIR] = MARK_ARROW,
        [LINK_CIRC_FWD] = MARK_ARROW,   [LINK_CIRC_BWD] = MARK_CIRCLE,
        [LINK_TAIL_CIRC] = MARK_CIRCLE, [LINK_CIRC_TAIL] = MARK_TAIL};
    size_t m = (size_t)g->nvars * g->nvars * (g->tau_max + 1);
    for (size_t at = 0; at < m; at++) {
        unsigned t = gr->type[at] <= LINK_CIRC_TAIL ? gr->type[at] : LINK_NONE;
        g->mark[2 * at] = src[t];
        g->mark[2 * at + 1] = dst[t];
    }
}
