/* graph_svg.c - server-side layered SVG drawing of a causal graph (graph_svg.h). */
#include "graph_svg.h"

#include "graph_dot.h"
#include "xalloc.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_H   26
#define ROW_GAP  14
#define COL_GAP  90
#define CHAR_W   7
#define MAX_CHAR 40
#define PAD      20

void xml_escape(struct prom_text *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            prom_add(out, "&amp;");
            break;
        case '<':
            prom_add(out, "&lt;");
            break;
        case '>':
            prom_add(out, "&gt;");
            break;
        case '"':
            prom_add(out, "&quot;");
            break;
        case '\'':
            prom_add(out, "&#39;");
            break;
        default:
            prom_add(out, "%c", *s);
        }
    }
}

struct node {
    char *name; /* series name or component label */
    int count;  /* series folded into it (1 for a series) */
    int layer, order, width, mech, path, tier;
    double x, y, key;
};

struct edge {
    int from, to, lag, path, changed;
    char tail, head;
    double strength; /* |strength| of the strongest merged link */
    const char *type;
};

struct layout {
    struct node *n;
    int nn, capn;
    struct edge *e;
    int ne, cape;
};

static int find_node(const struct layout *L, const char *name)
{
    for (int i = 0; i < L->nn; i++)
        if (!strcmp(L->n[i].name, name)) return i;
    return -1;
}

static int add_node(struct layout *L, const char *name)
{
    int i = find_node(L, name);
    if (i >= 0) return i;
    if (L->nn == L->capn) {
        L->capn = L->capn ? 2 * L->capn : 32;
        L->n = xrealloc(L->n, (size_t)L->capn * sizeof *L->n);
    }
    struct node *n = &L->n[L->nn];
    memset(n, 0, sizeof *n);
    n->name = xstrdup(name);
    return L->nn++;
}

static int in_array(const json_t *arr, const char *name)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (s && !strcmp(s, name)) return 1;
    }
    return 0;
}

/* What a variable is drawn as: its own name, or its component's node label. */
struct vmap {
    const struct graph_svg_opts *o;
    int folded;
};

static void display_name(const struct vmap *m, const char *var, char *out, size_t len)
{
    char comp[200];
    int has = component_of(m->o->cmap, var, comp, sizeof comp) == 0;
    if (!m->folded || (has && m->o->expand && !strcmp(comp, m->o->expand))) {
        snprintf(out, len, "%s", var);
        return;
    }
    snprintf(out, len, "%s", has ? comp : "(no component)");
}

static int in_only(const struct graph_svg_opts *o, const char *var)
{
    if (!o->only) return 1;
    char comp[200];
    return component_of(o->cmap, var, comp, sizeof comp) == 0 && !strcmp(comp, o->only);
}

/* Depth-first search from v: back edges (to a node on the stack) are ignored; layer = longest
 * chain of causes. */
static void dfs_layer(struct layout *L, int v, int *state, int **in, const int *nin)
{
    state[v] = 1;
    int layer = 0;
    for (int k = 0; k < nin[v]; k++) {
        int u = in[v][k];
        if (state[u] == 1) continue;
        if (state[u] == 0) dfs_layer(L, u, state, in, nin);
        if (L->n[u].layer + 1 > layer) layer = L->n[u].layer + 1;
    }
    L->n[v].layer = layer;
    state[v] = 2;
}

static int by_layer_key(const void *a, const void *b)
{
    const struct node *x = *(struct node *const *)a, *y = *(struct node *const *)b;
    if (x->layer != y->layer) return x->layer - y->layer;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}

static const char *marker(char mark)
{
    return mark == '>' ? "arrow" : mark == 'o' ? "circ" : mark == 'x' ? "bar" : NULL;
}

/* The index of the first tier glob matching name; json_array_size(tiers) when none does. */
static int tier_of(const json_t *tiers, const char *name)
{
    size_t i;
    const json_t *g;
    json_array_foreach(tiers, i, g)
    {
        if (json_is_string(g) && fnmatch(json_string_value(g), name, 0) == 0) return (int)i;
    }
    return (int)json_array_size(tiers);
}

/* Tiers as bands: a tier's columns start after the previous tier's last column. */
static void tier_bands(struct layout *L, int ntiers)
{
    int lo[ntiers + 1], hi[ntiers + 1];
    for (int t = 0; t <= ntiers; t++) lo[t] = 1 << 30, hi[t] = -1;
    for (int k = 0; k < L->nn; k++) {
        int t = L->n[k].tier, d = L->n[k].layer;
        if (d < lo[t]) lo[t] = d;
        if (d > hi[t]) hi[t] = d;
    }
    int base[ntiers + 1], next = 0;
    for (int t = 0; t <= ntiers; t++) {
        base[t] = next;
        if (hi[t] >= 0) next += hi[t] - lo[t] + 1;
    }
    for (int k = 0; k < L->nn; k++)
        L->n[k].layer = base[L->n[k].tier] + L->n[k].layer - lo[L->n[k].tier];
}

static void build(struct layout *L, const json_t *graph, const struct graph_svg_opts *o)
{
    const json_t *vars = json_object_get(graph, "variables"),
                 *links = json_object_get(graph, "links");
    struct vmap m = {o, o->fold_above > 0 && (int)json_array_size(vars) > o->fold_above};
    char a[400], b[400];
    size_t i;
    const json_t *v, *l;
    /* nodes: every variable kept by the filter (a filtered view adds neighbours below) */
    json_array_foreach(vars, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || !in_only(o, s)) continue;
        display_name(&m, s, a, sizeof a);
        int k = add_node(L, a);
        L->n[k].count++;
        if (L->n[k].count == 1) L->n[k].tier = tier_of(o->tiers, s);
        if (o->changed_series && in_array(o->changed_series, s)) L->n[k].mech = 1;
        if (o->path && in_array(o->path, s)) L->n[k].path = 1;
    }
    json_array_foreach(links, i, l)
    {
        const char *f = json_string_value(json_object_get(l, "from"));
        const char *t = json_string_value(json_object_get(l, "to"));
        if (!f || !t || (!in_only(o, f) && !in_only(o, t))) continue;
        display_name(&m, f, a, sizeof a);
        display_name(&m, t, b, sizeof b);
        if (!strcmp(a, b)) continue; /* a series' own past, or inside a folded component */
        int x = add_node(L, a), y = add_node(L, b);
        if (!L->n[x].count) L->n[x].count = 1, L->n[x].tier = tier_of(o->tiers, f);
        if (!L->n[y].count) L->n[y].count = 1, L->n[y].tier = tier_of(o->tiers, t);
        double st = fabs(json_number_value(json_object_get(l, "strength")));
        int onpath = 0, changed = 0;
        if (o->path)
            for (size_t p = 0; p + 1 < json_array_size(o->path); p++) {
                const char *p0 = json_string_value(json_array_get(o->path, p));
                const char *p1 = json_string_value(json_array_get(o->path, p + 1));
                if (p0 && p1 &&
                    ((!strcmp(p0, f) && !strcmp(p1, t)) || (!strcmp(p0, t) && !strcmp(p1, f))))
                    onpath = 1;
            }
        size_t c;
        const json_t *cl;
        json_array_foreach(o->changed_links, c, cl)
        {
            const char *cf = json_string_value(json_object_get(cl, "from"));
            const char *ct = json_string_value(json_object_get(cl, "to"));
            if (cf && ct && !strcmp(cf, f) && !strcmp(ct, t)) changed = 1;
        }
        int e;
        for (e = 0; e < L->ne; e++)
            if (L->e[e].from == x && L->e[e].to == y) break;
        if (e == L->ne) {
            if (L->ne == L->cape) {
                L->cape = L->cape ? 2 * L->cape : 64;
                L->e = xrealloc(L->e, (size_t)L->cape * sizeof *L->e);
            }
            memset(&L->e[e], 0, sizeof L->e[e]);
            L->e[e].from = x;
            L->e[e].to = y;
            L->e[e].strength = -1;
            L->ne++;
        }
        struct edge *E = &L->e[e];
        E->path |= onpath;
        E->changed |= changed;
        if (st > E->strength) {
            E->strength = st;
            E->lag = (int)json_integer_value(json_object_get(l, "lag"));
            E->type = json_string_value(json_object_get(l, "type"));
            graph_link_marks(E->type, &E->tail, &E->head);
        }
    }
    /* layers: causes (tail end of an arrow) to the left */
    int *nin = xcalloc((size_t)L->nn + 1, sizeof *nin),
        **in = xcalloc((size_t)L->nn + 1, sizeof *in);
    for (int e = 0; e < L->ne; e++) {
        const struct edge *E = &L->e[e];
        if (E->head != '>' || E->tail == '>') continue; /* only oriented links set the depth */
        in[E->to] = xrealloc(in[E->to], (size_t)(nin[E->to] + 1) * sizeof **in);
        in[E->to][nin[E->to]++] = E->from;
    }
    int *state = xcalloc((size_t)L->nn + 1, sizeof *state);
    for (int k = 0; k < L->nn; k++)
        if (!state[k]) dfs_layer(L, k, state, in, nin);
    if (json_array_size(o->tiers)) tier_bands(L, (int)json_array_size(o->tiers));
    /* order within a layer: mean row of the causes, layer by layer */
    struct node **ord = xmallocarray((size_t)L->nn + 1, sizeof *ord);
    int maxlayer = 0;
    for (int k = 0; k < L->nn; k++) {
        ord[k] = &L->n[k];
        if (L->n[k].layer > maxlayer) maxlayer = L->n[k].layer;
        int len = (int)strlen(L->n[k].name) + (L->n[k].count > 1 ? 14 : 0);
        L->n[k].width = 16 + CHAR_W * (len > MAX_CHAR ? MAX_CHAR : len);
    }
    for (int layer = 0; layer <= maxlayer; layer++) {
        for (int k = 0; k < L->nn; k++) {
            if (L->n[k].layer != layer) continue;
            double sum = 0;
            int cnt = 0;
            for (int j = 0; j < nin[k]; j++)
                if (L->n[in[k][j]].layer < layer) sum += L->n[in[k][j]].order, cnt++;
            L->n[k].key = cnt ? sum / cnt : k;
        }
        qsort(ord, (size_t)L->nn, sizeof *ord, by_layer_key);
        int row = 0, prev = -1;
        for (int k = 0; k < L->nn; k++) {
            if (ord[k]->layer != prev) row = 0, prev = ord[k]->layer;
            ord[k]->order = row++;
        }
    }
    /* coordinates: column width = widest node of the column */
    int *colw = xcalloc((size_t)maxlayer + 1, sizeof *colw);
    for (int k = 0; k < L->nn; k++)
        if (L->n[k].width > colw[L->n[k].layer]) colw[L->n[k].layer] = L->n[k].width;
    double *colx = xcalloc((size_t)maxlayer + 2, sizeof *colx);
    colx[0] = PAD;
    for (int c = 0; c <= maxlayer; c++) colx[c + 1] = colx[c] + colw[c] + COL_GAP;
    for (int k = 0; k < L->nn; k++) {
        L->n[k].x = colx[L->n[k].layer];
        L->n[k].y = PAD + L->n[k].order * (NODE_H + ROW_GAP);
    }
    for (int k = 0; k < L->nn; k++) free(in[k]);
    free(in);
    free(nin);
    free(state);
    free(ord);
    free(colw);
    free(colx);
}

int graph_svg(struct prom_text *out, const json_t *graph, const struct graph_svg_opts *opts)
{
    struct graph_svg_opts o = *opts;
    struct component_map def;
    char err[64];
    if (!o.cmap && component_map_parse(NULL, &def, err, sizeof err) == 0) o.cmap = &def;
    struct layout L = {0};
    build(&L, graph, &o);
    if (o.cmap == &def) component_map_fini(&def);
    if (!L.nn) {
        prom_add(out, "<p class=\"note\">No series to draw.</p>\n");
        return 0;
    }
    double W = 0, H = 0;
    for (int k = 0; k < L.nn; k++) {
        if (L.n[k].x + L.n[k].width > W) W = L.n[k].x + L.n[k].width;
        if (L.n[k].y + NODE_H > H) H = L.n[k].y + NODE_H;
    }
    W += PAD + 60;
    H += PAD;
    prom_add(out,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" width=\"%.0f\" "
             "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
             "font-size=\"12\">\n<defs>\n",
             W, H, W, H);
    static const char *const kinds[] = {"", "-path", "-changed"};
    static const char *const colors[] = {"#555", "#d62728", "#ff7f0e"};
    for (int c = 0; c < 3; c++) {
        prom_add(out,
                 "<marker id=\"arrow%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                 "markerWidth=\"7\" markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" "
                 "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/>"
                 "</marker>\n"
                 "<marker id=\"circ%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                 "markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" "
                 "orient=\"auto-start-reverse\"><circle cx=\"5\" cy=\"5\" r=\"4\" fill=\"#fff\" "
                 "stroke=\"%s\" stroke-width=\"1.5\"/></marker>\n"
                 "<marker id=\"bar%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
                 "markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" "
                 "orient=\"auto-start-reverse\"><path d=\"M8,0 L8,10\" stroke=\"%s\" "
                 "stroke-width=\"2\"/></marker>\n",
                 kinds[c], colors[c], kinds[c], colors[c], kinds[c], colors[c]);
    }
    prom_add(out, "</defs>\n");
    int labels = L.ne <= 150;
    /* highlighted links last, so they are drawn on top */
    for (int pass = 0; pass < 2; pass++)
        for (int e = 0; e < L.ne; e++) {
            const struct edge *E = &L.e[e];
            int hl = E->path || E->changed;
            if (hl != pass) continue;
            const struct node *a = &L.n[E->from], *b = &L.n[E->to];
            double x1 = a->x + a->width, y1 = a->y + NODE_H / 2.0;
            double x2 = b->x, y2 = b->y + NODE_H / 2.0, dx;
            if (b->layer <= a->layer) { /* same column or backwards: loop around the right */
                x2 = b->x + b->width;
                dx = 40 + 10 * abs(a->order - b->order);
                if (dx > 160) dx = 160;
            } else {
                dx = (x2 - x1) / 2;
            }
            const char *k = kinds[E->path ? 1 : E->changed ? 2 : 0];
            prom_add(out, "<g class=\"edge%s%s\" data-from=\"", E->path ? " path" : "",
                     E->changed ? " changed" : "");
            xml_escape(out, a->name);
            prom_add(out, "\" data-to=\"");
            xml_escape(out, b->name);
            prom_add(out, "\"><title>");
            xml_escape(out, a->name);
            prom_add(out, " %s ", E->type ? E->type : "-->");
            xml_escape(out, b->name);
            prom_add(out, " (lag %d, strength %.3f)</title>", E->lag, E->strength);
            prom_add(out,
                     "<path d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" "
                     "stroke=\"%s\" stroke-width=\"%.2f\"%s",
                     x1, y1, x1 + dx, y1, b->layer <= a->layer ? x2 + dx : x2 - dx, y2, x2, y2,
                     colors[E->path      ? 1
                            : E->changed ? 2
                                         : 0],
                     0.8 + 4.0 * (E->strength > 1 ? 1 : E->strength) + (hl ? 1.5 : 0),
                     E->lag == 0 ? " stroke-dasharray=\"5,3\"" : "");
            if (marker(E->head)) prom_add(out, " marker-end=\"url(#%s%s)\"", marker(E->head), k);
            if (marker(E->tail)) prom_add(out, " marker-start=\"url(#%s%s)\"", marker(E->tail), k);
            prom_add(out, "/>");
            if (labels)
                prom_add(out,
                         "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#777\" "
                         "text-anchor=\"middle\">%d</text>",
                         (x1 + x2) / 2 + (b->layer <= a->layer ? dx * 0.75 : 0), (y1 + y2) / 2 - 3,
                         E->lag);
            prom_add(out, "</g>\n");
        }
    for (int k = 0; k < L.nn; k++) {
        const struct node *n = &L.n[k];
        prom_add(out, "<g class=\"node%s%s%s\" data-name=\"", n->path ? " path" : "",
                 n->mech ? " mech" : "", n->count > 1 ? " folded" : "");
        xml_escape(out, n->name);
        prom_add(out, "\"><title>");
        xml_escape(out, n->name);
        if (n->count > 1) prom_add(out, " (%d series)", n->count);
        if (n->mech) prom_add(out, ": mechanism changed");
        prom_add(out,
                 "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"4\" "
                 "fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                 n->x, n->y, n->width, NODE_H,
                 n->mech        ? "#ffe8cc"
                 : n->count > 1 ? "#e8eef8"
                                : "#fff",
                 n->path   ? "#d62728"
                 : n->mech ? "#ff7f0e"
                           : "#345",
                 n->path ? "2.5" : "1", n->x + n->width / 2.0, n->y + NODE_H / 2.0 + 4);
        size_t len = strlen(n->name);
        if (len > MAX_CHAR) {
            char cut[MAX_CHAR + 1];
            size_t c = MAX_CHAR - 3;
            while (c > 0 && ((unsigned char)n->name[c] & 0xC0) == 0x80) c--; /* UTF-8 */
            memcpy(cut, n->name, c);
            cut[c] = 0;
            xml_escape(out, cut);
            prom_add(out, "...");
        } else {
            xml_escape(out, n->name);
        }
        if (n->count > 1) prom_add(out, " (%d series)", n->count);
        prom_add(out, "</text></g>\n");
    }
    prom_add(out, "</svg>\n");
    int drawn = L.nn;
    for (int k = 0; k < L.nn; k++) free(L.n[k].name);
    free(L.n);
    free(L.e);
    return drawn;
}
