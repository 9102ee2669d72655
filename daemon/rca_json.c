/* rca_json.c - the RCA JSON (rca_json.h). */
#include "rca_json.h"

#include "duration.h"
#include "metric_kind.h"

#include <math.h>

static json_t *time_at(const struct rca_json_ctx *c, int row)
{
    if (!c->times_ns) return json_integer(row);
    char b[40];
    format_rfc3339((double)c->times_ns[row] * 1e-9, 0, b, sizeof b);
    return json_string(b);
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *cause_json(const struct rca_result *r, const struct rca_cause *k, int rank,
                          const struct rca_json_ctx *c)
{
    const char *name = c->names[k->var];
    json_t *path = json_array();
    for (int a = 0; a < k->path_len; a++)
        json_array_append_new(path, json_string(c->names[k->path[a]]));
    if (k->path_len == 0) { /* no directed path in the graph: the pair, marked as inferred */
        json_array_append_new(path, json_string(name));
        if (k->var != r->kpi) json_array_append_new(path, json_string(c->names[r->kpi]));
    }
    json_t *mech = json_pack("{s:b, s:o, s:o, s:s, s:b}", "changed", k->mech_changed, "pvalue",
                             num(k->mech_p), "qvalue", num(k->mech_q), "kind",
                             change_kind_str(k->kind), "parents_changed", k->parents_changed);
    json_t *ev = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:b, s:b}", "anomaly", num(k->anomaly),
                           "direction", metric_dir_str((enum metric_dir)k->dir), "mechanism", mech,
                           "onset", k->onset == RCA_NO_ONSET ? json_null() : json_integer(k->onset),
                           "relevance", num(k->relevance), "walk", num(k->walk), "in_graph",
                           k->in_graph, "path_in_graph", k->path_len > 0);
    const char *tpl = c->template_of ? c->template_of(c->template_ctx, name) : NULL;
    if (tpl) json_object_set_new(ev, "template", json_string(tpl));
    json_t *o = json_pack("{s:i, s:s, s:o, s:o, s:o}", "rank", rank, "variable", name, "score",
                          num(k->score), "path", path, "evidence", ev);
    if (c->component && c->component[k->var] >= 0)
        json_object_set_new(o, "component", json_string(c->component_names[c->component[k->var]]));
    return o;
}

static json_t *components_json(const struct rca_component *cs, int n, const struct rca_json_ctx *c)
{
    json_t *a = json_array();
    for (int i = 0; i < n && cs; i++) {
        if (cs[i].best_var < 0) continue;
        json_t *o = json_pack("{s:i, s:s, s:o, s:s}", "rank", i + 1, "component",
                              c->component_names[cs[i].component], "score", num(cs[i].score),
                              "variable", c->names[cs[i].best_var]);
        if (cs[i].explained_by >= 0) /* rca.h step 7: a callee, a sibling or a common caller */
            json_object_set_new(o, "explained_by",
                                json_string(c->component_names[cs[i].explained_by]));
        json_array_append_new(a, o);
    }
    return a;
}

/* <-> links of the ranking graph (discovery method lpcmci): pairs that share a hidden common
 * cause. They are never walked as causal paths; the alert names them as such. */
static json_t *hidden_causes_json(const struct rca_result *r, const struct rca_json_ctx *c)
{
    json_t *arr = json_array();
    const struct svar_graph *g = r->graph;
    for (int i = 0; g && i < g->nvars; i++)
        for (int j = 0; j < g->nvars; j++)
            for (int tau = 0; tau <= g->tau_max; tau++) {
                if ((tau == 0 && i >= j) || g->type[svar_graph_at(g, i, j, tau)] != LINK_BIDIR)
                    continue;
                json_array_append_new(arr,
                                      json_pack("{s:s, s:s, s:i, s:s}", "a", c->names[r->kept[i]],
                                                "b", c->names[r->kept[j]], "lag", tau, "relation",
                                                "shared_hidden_cause"));
            }
    return arr;
}

json_t *rca_json(const struct rca_result *r, const struct rca_json_ctx *c)
{
    int top = c->top < r->ncauses ? c->top : r->ncauses;
    json_t *causes = json_array(), *base = json_array(), *mech = json_array(),
           *links = json_array();
    for (int a = 0; a < top; a++)
        json_array_append_new(causes, cause_json(r, &r->causes[a], a + 1, c));
    for (int a = 0; a < top; a++)
        json_array_append_new(base, json_pack("{s:i, s:s, s:o}", "rank", a + 1, "variable",
                                              c->names[r->baseline[a]], "score",
                                              num(r->baseline_score[a])));
    for (int a = 0; a < r->ncauses; a++) {
        const struct rca_cause *k = &r->causes[a];
        if (k->mech_changed)
            json_array_append_new(
                mech, json_pack("{s:s, s:s, s:o, s:o, s:b}", "variable", c->names[k->var], "kind",
                                change_kind_str(k->kind), "pvalue", num(k->mech_p), "qvalue",
                                num(k->mech_q), "parents_changed", k->parents_changed));
    }
    for (int a = 0; a < r->nchanged_links; a++) {
        const struct rca_link_change *l = &r->changed_links[a];
        json_array_append_new(links, json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:o}", "from",
                                               c->names[l->from], "to", c->names[l->to], "lag",
                                               l->lag, "change", "strength", "r_reference",
                                               num(l->r_ref), "r_incident", num(l->r_cur), "pvalue",
                                               num(l->pval), "qvalue", num(l->qval)));
    }
    json_t *excluded = json_array();
    for (int a = 0; a < r->nexcluded; a++)
        json_array_append_new(excluded,
                              json_pack("{s:s, s:s}", "variable", c->names[r->excluded[a].var],
                                        "reason", r->excluded[a].reason));
    json_t *o = json_object();
    json_object_set_new(o, "kpi", json_string(c->names[r->kpi]));
    json_object_set_new(o, "kpi_reason", json_string(r->kpi_reason ? r->kpi_reason : "given"));
    json_object_set_new(o, "fault_time",
                        c->times_ns ? json_real((double)c->times_ns[c->split] * 1e-9)
                                    : json_integer(c->split));
    json_object_set_new(o, "root_causes", causes);
    json_object_set_new(o, "components", components_json(r->components, r->ncomponents, c));
    json_object_set_new(o, "baseline",
                        json_pack("{s:s, s:o, s:o}", "method", "anomaly", "root_causes", base,
                                  "components",
                                  components_json(r->baseline_components, r->ncomponents, c)));
    json_t *graph = json_pack("{s:o, s:i}", "reliability", num(r->reliability), "series", r->nkept);
    if (r->graph_note) json_object_set_new(graph, "note", json_string(r->graph_note));
    json_object_set_new(o, "graph", graph);
    json_object_set_new(o, "excluded", excluded);
    json_object_set_new(o, "changed_mechanisms", mech);
    json_object_set_new(o, "changed_links", links);
    json_object_set_new(o, "hidden_common_causes", hidden_causes_json(r, c));
    json_object_set_new(o, "window",
                        json_pack("{s:o, s:o, s:i, s:i, s:i, s:I}", "start", time_at(c, 0), "end",
                                  time_at(c, c->rows - 1), "buckets", c->rows, "reference",
                                  c->split, "incident", c->rows - c->split, "samples",
                                  (json_int_t)r->samples));
    return o;
}
