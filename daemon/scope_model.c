/* scope_model.c - a scope's latest learned model and its graph JSON (scope_model.h). */
#include "scope_model.h"

#include "graph_json.h"
#include "svar_discover.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct scope_model *scope_model_new(struct rca_learned *g, char *const *col_names, int method,
                                    int tau_max, double alpha, double seconds)
{
    struct scope_model *m = xcalloc(1, sizeof *m);
    m->g = *g;
    memset(g, 0, sizeof *g);
    m->names = xcalloc((size_t)(m->g.nkept ? m->g.nkept : 1), sizeof(char *));
    for (int a = 0; a < m->g.nkept; a++) m->names[a] = xstrdup(col_names[m->g.kept[a]]);
    m->method = method;
    m->tau_max = tau_max;
    m->alpha = alpha;
    m->seconds = seconds;
    return m;
}

void scope_model_free(struct scope_model *m)
{
    if (!m) return;
    for (int a = 0; a < m->g.nkept; a++) free(m->names[a]);
    free(m->names);
    rca_learned_free(&m->g);
    free(m);
}

json_t *scope_model_json(const struct scope_model *m, const char *scope)
{
    json_t *vars = json_array();
    for (int a = 0; a < m->g.nkept; a++) json_array_append_new(vars, json_string(m->names[a]));
    return json_pack("{s:s, s:s, s:o, s:I, s:i, s:f, s:s, s:o, s:f}", "scope", scope, "method",
                     svar_method_str((enum svar_method)m->method), "variables", vars, "samples",
                     (json_int_t)m->g.samples, "tau_max", m->tau_max, "alpha", m->alpha, "test",
                     "parcorr", "links",
                     graph_json_links(m->g.graph, (const char *const *)m->names), "seconds",
                     m->seconds);
}
