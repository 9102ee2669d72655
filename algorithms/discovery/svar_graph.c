#include "svar_graph.h"

#include "xalloc.h"

#include <stdlib.h>

struct svar_graph *svar_graph_new(int nvars, int tau_max)
{
    struct svar_graph *g = xcalloc(1, sizeof *g);
    size_t m = (size_t)nvars * nvars * (tau_max + 1);
    g->nvars = nvars;
    g->tau_max = tau_max;
    g->type = xcalloc(m, 1);
    g->pval = xmallocarray(m, sizeof(double));
    g->val = xcalloc(m, sizeof(double));
    for (size_t a = 0; a < m; a++) g->pval[a] = 1.0;
    return g;
}

void svar_graph_free(struct svar_graph *g)
{
    if (!g) return;
    free(g->type);
    free(g->pval);
    free(g->val);
    free(g->qval);
    free(g);
}

const char *link_type_str(enum link_type t)
{
    switch (t) {
    case LINK_FWD:
        return "-->";
    case LINK_BWD:
        return "<--";
    case LINK_UNORIENTED:
        return "o-o";
    case LINK_CONFLICT:
        return "x-x";
    case LINK_BIDIR:
        return "<->";
    case LINK_CIRC_FWD:
        return "o->";
    case LINK_CIRC_BWD:
        return "<-o";
    case LINK_TAIL_CIRC:
        return "--o";
    case LINK_CIRC_TAIL:
        return "o--";
    default:
        return "";
    }
}

static int is_adjacent(const struct svar_graph *g, int i, int j, int tau)
{
    return g->type[svar_graph_at(g, i, j, tau)] != LINK_NONE;
}

int svar_graph_count_links(const struct svar_graph *g)
{
    int c = 0;
    for (int i = 0; i < g->nvars; i++)
        for (int j = 0; j < g->nvars; j++)
            for (int tau = 0; tau <= g->tau_max; tau++)
                if ((tau > 0 || i < j) && is_adjacent(g, i, j, tau)) c++;
    return c;
}

void svar_graph_adjacency_f1(const struct svar_graph *est, const struct svar_graph *truth,
                             double *precision, double *recall, double *f1)
{
    int tp = 0, fp = 0, fn = 0;
    for (int i = 0; i < est->nvars; i++)
        for (int j = 0; j < est->nvars; j++)
            for (int tau = 0; tau <= est->tau_max; tau++) {
                if (tau == 0 && i >= j) continue;
                int e = is_adjacent(est, i, j, tau);
                int t = tau <= truth->tau_max && is_adjacent(truth, i, j, tau);
                tp += e && t;
                fp += e && !t;
                fn += !e && t;
            }
    *precision = tp + fp ? (double)tp / (tp + fp) : 1.0;
    *recall = tp + fn ? (double)tp / (tp + fn) : 1.0;
    *f1 = (2 * tp + fp + fn) ? 2.0 * tp / (2.0 * tp + fp + fn) : 1.0;
}
