/* web_ui.c - the read-only HTML pages of the daemon (web_ui.h): the index of scopes and alerts,
 * a scope's graph, and the dispatch by URL (the alert page is web_ui_alert.c, the shared HTML
 * blocks web_ui_html.c). */
#include "web_ui.h"
#include "web_ui_html.h"

#include "graph_svg.h"
#include "series_plot.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The latest event of each fingerprint, newest first (new array of borrowed-then-incref'd). */
static json_t *latest_alerts(const json_t *events)
{
    json_t *out = json_array();
    for (size_t i = json_array_size(events); i-- > 0;) {
        json_t *ev = json_array_get(events, i);
        const char *fp = ui_str(json_object_get(ev, "data"), "fingerprint");
        int seen = 0;
        size_t k;
        json_t *x;
        json_array_foreach(
            out, k, x) if (!strcmp(ui_str(json_object_get(x, "data"), "fingerprint"), fp)) seen = 1;
        if (!seen) json_array_append(out, ev);
    }
    return out;
}

static void alerts_table(struct prom_text *o, const json_t *latest, const char *scope)
{
    prom_add(o, "<table><tr><th>seq</th><th>status</th><th>severity</th><th>alert</th>"
                "<th>scope</th><th>root cause</th><th>since</th><th>summary</th></tr>\n");
    size_t i;
    const json_t *ev;
    int rows = 0;
    json_array_foreach(latest, i, ev)
    {
        const json_t *d = json_object_get(ev, "data"), *lab = json_object_get(d, "labels");
        if (scope && strcmp(ui_str(lab, "scope"), scope)) continue;
        rows++;
        prom_add(o, "<tr><td><a href=\"/ui/alert/");
        ui_url_escape(o, ui_str(d, "fingerprint"));
        prom_add(o, "\">%lld</a></td><td class=\"%s\">%s</td>",
                 (long long)json_integer_value(json_object_get(ev, "seq")),
                 !strcmp(ui_str(d, "status"), "firing") ? "firing" : "resolved",
                 !strcmp(ui_str(d, "status"), "firing") ? "firing" : "resolved");
        ui_cell_str(o, ui_str(lab, "severity"));
        ui_cell_str(o, ui_str(lab, "alertname"));
        ui_cell_str(o, ui_str(lab, "scope"));
        ui_cell_str(o, ui_str(lab, "root_cause"));
        ui_cell_str(o, ui_str(d, "startsAt"));
        ui_cell_str(o, ui_str(json_object_get(d, "annotations"), "summary"));
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table>\n");
    if (!rows) prom_add(o, "<p class=\"note\">No alerts in this run.</p>\n");
}

static int page_index(struct prom_text *o, const json_t *scopes, const json_t *latest)
{
    ui_head(o, "Scopes");
    prom_add(o, "<table><tr><th>scope</th><th>series</th><th>window fill</th><th>last "
                "refresh</th><th>refresh s</th><th>refreshes</th><th>errors</th>"
                "<th>incident</th><th>incidents / alerts</th><th>mechanism changes</th>"
                "<th>link changes</th><th>structure changes</th></tr>\n");
    size_t i;
    const json_t *s;
    json_array_foreach(scopes, i, s)
    {
        const json_t *inc = json_object_get(s, "incident"), *mon = json_object_get(s, "monitor");
        prom_add(o, "<tr><td><a href=\"/ui/scope/");
        ui_url_escape(o, ui_str(s, "name"));
        prom_add(o, "\">");
        xml_escape(o, ui_str(s, "name"));
        prom_add(o, "</a></td>");
        ui_cell_num(o, json_object_get(s, "series"));
        prom_add(o, "<td>%lld / %lld</td>",
                 (long long)json_integer_value(json_object_get(s, "window_fill")),
                 (long long)json_integer_value(json_object_get(s, "window")));
        ui_cell_num(o, json_object_get(s, "last_refresh"));
        ui_cell_num(o, json_object_get(s, "refresh_seconds"));
        ui_cell_num(o, json_object_get(s, "refreshes"));
        ui_cell_num(o, json_object_get(s, "refresh_errors"));
        if (inc) {
            prom_add(o, "<td class=\"%s\">",
                     !strcmp(ui_str(inc, "state"), "normal") ? "" : "firing");
            xml_escape(o, ui_str(inc, "state"));
            prom_add(o, "</td><td>%lld / %lld</td>",
                     (long long)json_integer_value(json_object_get(inc, "incidents")),
                     (long long)json_integer_value(json_object_get(inc, "alerts")));
        } else {
            prom_add(o, "<td>no KPI</td><td>-</td>");
        }
        ui_cell_num(o, mon ? json_object_get(mon, "mechanism_changes") : NULL);
        ui_cell_num(o, mon ? json_object_get(mon, "link_changes") : NULL);
        ui_cell_num(o, json_object_get(s, "structure_changes"));
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table>\n");
    if (!json_array_size(scopes)) prom_add(o, "<p class=\"note\">No scopes configured.</p>\n");
    prom_add(o, "<h2>Recent alerts</h2>\n");
    alerts_table(o, latest, NULL);
    ui_tail(o);
    return 200;
}

/* The links and series named by the firing change alerts of a scope. */
static void changes_of(const json_t *latest, const char *scope, json_t *links, json_t *series)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(latest, i, ev)
    {
        const json_t *d = json_object_get(ev, "data"), *rca = json_object_get(d, "rca");
        if (strcmp(ui_str(json_object_get(d, "labels"), "scope"), scope) ||
            strcmp(ui_str(d, "status"), "firing"))
            continue;
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(rca, "changed_links"), k, x) json_array_append(links, x);
        json_array_foreach(json_object_get(rca, "changed_mechanisms"), k, x)
        {
            if (json_is_string(x)) json_array_append(series, x);
            if (json_is_object(x) && json_object_get(x, "variable"))
                json_array_append(series, json_object_get(x, "variable"));
        }
        if (!strcmp(ui_str(json_object_get(d, "labels"), "alertname"), "CausalMechanismChange") &&
            json_object_get(rca, "series"))
            json_array_append(series, json_object_get(rca, "series"));
    }
}

static void components_nav(struct prom_text *o, const json_t *graph, const struct component_map *cm,
                           const char *scope, int folded, const char *cur_only,
                           const char *cur_expand)
{
    const json_t *vars = json_object_get(graph, "variables");
    json_t *seen = json_object();
    size_t i;
    const json_t *v;
    json_array_foreach(vars, i, v)
    {
        char c[200];
        if (json_is_string(v) && component_of(cm, json_string_value(v), c, sizeof c) == 0)
            json_object_set_new(seen, c, json_true());
    }
    if (!json_object_size(seen)) {
        json_decref(seen);
        return;
    }
    prom_add(o, "<p>Components (%s): <a href=\"/ui/scope/", folded ? "expand one" : "filter");
    ui_url_escape(o, scope);
    prom_add(o, "\">%s</a> ", cur_only || cur_expand ? "all" : "<b>all</b>");
    const char *k;
    json_t *x;
    json_object_foreach(seen, k, x)
    {
        int cur = (cur_only && !strcmp(cur_only, k)) || (cur_expand && !strcmp(cur_expand, k));
        prom_add(o, "<a href=\"/ui/scope/");
        ui_url_escape(o, scope);
        prom_add(o, "?%s=", folded ? "expand" : "component");
        ui_url_escape(o, k);
        prom_add(o, "\">%s", cur ? "<b>" : "");
        xml_escape(o, k);
        prom_add(o, "%s</a> ", cur ? "</b>" : "");
        if (folded) {
            prom_add(o, "(<a href=\"/ui/scope/");
            ui_url_escape(o, scope);
            prom_add(o, "?component=");
            ui_url_escape(o, k);
            prom_add(o, "\">only</a>) ");
        }
    }
    prom_add(o, "</p>\n");
    json_decref(seen);
}

static void links_table(struct prom_text *o, const json_t *graph, int max)
{
    const json_t *links = json_object_get(graph, "links");
    prom_add(o,
             "<details><summary>%zu links</summary><table><tr><th>from</th><th>type</th>"
             "<th>to</th><th>lag</th><th>strength</th><th>p</th></tr>\n",
             json_array_size(links));
    size_t i;
    const json_t *l;
    json_array_foreach(links, i, l)
    {
        if ((int)i >= max) break;
        prom_add(o, "<tr>");
        ui_cell_str(o, ui_str(l, "from"));
        ui_cell_str(o, ui_str(l, "type"));
        ui_cell_str(o, ui_str(l, "to"));
        ui_cell_num(o, json_object_get(l, "lag"));
        ui_cell_num(o, json_object_get(l, "strength"));
        ui_cell_num(o, json_object_get(l, "pvalue"));
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table></details>\n");
}

static int page_scope(struct prom_text *o, const char *name, const json_t *scopes,
                      const json_t *latest, const struct web_ui_view *v,
                      const char *(*arg)(void *, const char *), void *actx)
{
    int idx = ui_scope_index(scopes, name);
    if (idx < 0) return ui_not_found(o, "scope", name);
    const json_t *s = json_array_get(scopes, (size_t)idx);
    json_t *graph = v->graph ? v->graph(v->graph_ctx, idx) : NULL;
    char title[400];
    snprintf(title, sizeof title, "Scope %s", name);
    ui_head(o, title);
    prom_add(o, "<p>%lld series, window %lld / %lld rows, last refresh ",
             (long long)json_integer_value(json_object_get(s, "series")),
             (long long)json_integer_value(json_object_get(s, "window_fill")),
             (long long)json_integer_value(json_object_get(s, "window")));
    xml_escape(o, json_is_string(json_object_get(s, "last_refresh")) ? ui_str(s, "last_refresh")
                                                                     : "never");
    prom_add(o, " (%.1f ms)", json_number_value(json_object_get(s, "refresh_ms")));
    const json_t *inc = json_object_get(s, "incident");
    if (inc) {
        prom_add(o, ", incident: <span class=\"%s\">",
                 !strcmp(ui_str(inc, "state"), "normal") ? "" : "firing");
        xml_escape(o, ui_str(inc, "state"));
        prom_add(o, "</span>");
    }
    prom_add(o, ".</p>\n");
    if (!graph || !json_is_array(json_object_get(graph, "links"))) {
        prom_add(o, "<p class=\"note\">No graph yet: ");
        xml_escape(o, graph ? ui_str(graph, "error") : "not available");
        prom_add(o, "</p>\n");
    } else {
        struct component_map cm;
        ui_parse_cmap(s, &cm);
        json_t *links = json_array(), *series = json_array();
        changes_of(latest, name, links, series);
        const char *only = arg(actx, "component"), *expand = arg(actx, "expand");
        int all = expand && !strcmp(expand, "*"); /* every series, unfolded */
        int folded =
            !only && !all &&
            json_array_size(json_object_get(graph, "variables")) > (size_t)WEB_UI_FOLD_ABOVE;
        if (all) expand = NULL;
        components_nav(o, graph, &cm, name, folded, only, expand);
        struct graph_svg_opts go = {.cmap = &cm,
                                    .fold_above = only || all ? 0 : WEB_UI_FOLD_ABOVE,
                                    .expand = expand,
                                    .only = only,
                                    .changed_links = links,
                                    .changed_series = series,
                                    .tiers = json_object_get(s, "tiers")};
        if (folded) {
            prom_add(o,
                     "<p class=\"note\">More than %d series: drawn folded to components. "
                     "<a href=\"/ui/scope/",
                     WEB_UI_FOLD_ABOVE);
            ui_url_escape(o, name);
            prom_add(o, "?expand=*\">Draw every series</a>.</p>\n");
        }
        ui_legend(o);
        prom_add(o, "<div class=\"svgbox\">\n");
        graph_svg(o, graph, &go);
        prom_add(o, "</div>\n");
        links_table(o, graph, 2000);
        json_decref(links);
        json_decref(series);
        component_map_fini(&cm);
    }
    prom_add(o, "<h2>Alerts of this scope</h2>\n");
    alerts_table(o, latest, name);
    ui_tail(o);
    json_decref(graph);
    return 200;
}

int web_ui_page(const char *url, const char *(*arg)(void *arg_ctx, const char *key), void *arg_ctx,
                const struct web_ui_view *view, struct prom_text *out)
{
    json_t *scopes = view->status ? json_loadb(view->status, view->status_len, 0, NULL) : NULL;
    json_t *events = view->alerts ? json_loadb(view->alerts, view->alerts_len, 0, NULL) : NULL;
    if (!scopes) scopes = json_array();
    if (!events) events = json_array();
    json_t *latest = latest_alerts(events);
    int code;
    if (!strcmp(url, "/ui") || !strcmp(url, "/ui/"))
        code = page_index(out, scopes, latest);
    else if (!strncmp(url, "/ui/scope/", 10))
        code = page_scope(out, url + 10, scopes, latest, view, arg, arg_ctx);
    else if (!strncmp(url, "/ui/alert/", 10))
        code = ui_page_alert(out, url + 10, events, scopes, view);
    else
        code = ui_not_found(out, "page", url);
    json_decref(latest);
    json_decref(events);
    json_decref(scopes);
    return code;
}
