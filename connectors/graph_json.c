#include "graph_json.h"

#include <stdio.h>
#include <string.h>

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
                    json_array_append_new(arr, link_object(g, names, i, j, tau, "-->", at));
                } else if (t == LINK_FWD) {
                    json_array_append_new(arr, link_object(g, names, i, j, 0, "-->", at));
                } else if ((t == LINK_UNORIENTED || t == LINK_CONFLICT) && i < j) {
                    json_array_append_new(arr,
                                          link_object(g, names, i, j, 0, link_type_str(t), at));
                }
            }
    return arr;
}

static int find_name(const char *const *names, int n, const char *s)
{
    for (int a = 0; a < n; a++)
        if (strcmp(names[a], s) == 0) return a;
    return -1;
}

int graph_json_parse_links(json_t *links, const char *const *names, struct svar_graph *g, char *err,
                           size_t errlen)
{
    size_t idx;
    json_t *l;
    if (!json_is_array(links)) {
        snprintf(err, errlen, "links: not an array");
        return -1;
    }
    json_array_foreach(links, idx, l)
    {
        const char *from, *to, *type;
        json_int_t lag;
        if (json_unpack(l, "{s:s, s:s, s:I, s:s}", "from", &from, "to", &to, "lag", &lag, "type",
                        &type) != 0) {
            snprintf(err, errlen, "links[%zu]: needs from, to, lag and type", idx);
            return -1;
        }
        int i = find_name(names, g->nvars, from), j = find_name(names, g->nvars, to);
        if (i < 0 || j < 0 || lag < 0 || lag > g->tau_max) {
            snprintf(err, errlen, "links[%zu]: unknown variable or lag out of range", idx);
            return -1;
        }
        enum link_type t = strcmp(type, "-->") == 0   ? LINK_FWD
                           : strcmp(type, "o-o") == 0 ? LINK_UNORIENTED
                           : strcmp(type, "x-x") == 0 ? LINK_CONFLICT
                                                      : LINK_NONE;
        if (t == LINK_NONE) {
            snprintf(err, errlen, "links[%zu]: unknown type '%s'", idx, type);
            return -1;
        }
        g->type[svar_graph_at(g, i, j, (int)lag)] = (unsigned char)t;
        if (lag == 0) g->type[svar_graph_at(g, j, i, 0)] = t == LINK_FWD ? LINK_BWD : t;
    }
    return 0;
}
