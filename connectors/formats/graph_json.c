#include "graph_json.h"

static json_t *link_object(const struct svar_graph *g, const char *const *names, int from, int to,
                           int tau, const char *type, size_t at)
{
    json_t *o = json_object();
    json_object_set_new(o, "from", json_string(names[from]));
    json_object_set_new(o, "to", json_string(names[to]));
    json_object_set_new(o, "lag", json_integer(tau));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "strength", json_real(g->val[at]));
    json_object_set_new(o, "pvalue", json_real(g->pval[at]));
    if (g->qval) json_object_set_new(o, "qvalue", json_real(g->qval[at]));
    return o;
}

json_t *graph_json_links(const struct svar_graph *g, const char *const *names)
{
    json_t *arr = json_array();
    for (int i = 0; i < g->nvars; i++)
        for (int j = 0; j < g->nvars; j++)
            for (int tau = 0; tau <= g->tau_max; tau++) {
                size_t at = svar_graph_at(g, i, j, tau);
                enum link_type t = g->type[at];
                if (t == LINK_NONE) continue;
                if (tau > 0) {
                    json_array_append_new(arr,
                                          link_object(g, names, i, j, tau, link_type_str(t), at));
                } else if (t == LINK_FWD || t == LINK_CIRC_FWD || t == LINK_TAIL_CIRC) {
                    json_array_append_new(arr,
                                          link_object(g, names, i, j, 0, link_type_str(t), at));
                } else if ((t == LINK_UNORIENTED || t == LINK_CONFLICT || t == LINK_BIDIR) &&
                           i < j) {
                    json_array_append_new(arr,
                                          link_object(g, names, i, j, 0, link_type_str(t), at));
                }
            }
    return arr;
}
