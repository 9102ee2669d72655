/* web_ui.c - the read-only HTML pages of the daemon (web_ui.h). */
#include "web_ui.h"

#include "graph_svg.h"
#include "series_plot.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CSS[] =
    "body{font-family:sans-serif;margin:1.2em;color:#222}"
    "table{border-collapse:collapse;margin:.6em 0}"
    "td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;font-size:13px}"
    "th{background:#eef}a{color:#1f5fa8}.firing{color:#c0392b;font-weight:bold}"
    ".resolved{color:#2e7d32}.note{color:#666}nav a{margin-right:1em}"
    ".svgbox{overflow:auto;border:1px solid #ddd;max-height:80vh}"
    "code{background:#f4f4f4;padding:1px 4px}"
    ".plots svg{margin:0 10px 8px 0;border:1px solid #eee}";

static void head(struct prom_text *o, const char *title)
{
    prom_add(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><link rel=\"icon\" "
                "href=\"data:,\"><title>");
    xml_escape(o, title);
    prom_add(o,
             " - causalmon</title><style>%s</style></head><body>\n"
             "<nav><a href=\"/ui\">causalmon</a><a href=\"/metrics\">metrics</a>"
             "<a href=\"/alerts\">alerts JSON</a></nav>\n<h1>",
             CSS);
    xml_escape(o, title);
    prom_add(o, "</h1>\n");
}

static void tail(struct prom_text *o)
{
    prom_add(o, "</body></html>\n");
}

/* Appends s percent-encoded for a URL path segment or query value. */
static void url_escape(struct prom_text *o, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            prom_add(o, "%c", c);
        else
            prom_add(o, "%%%02X", c);
    }
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void cell_str(struct prom_text *o, const char *s)
{
    prom_add(o, "<td>");
    xml_escape(o, s);
    prom_add(o, "</td>");
}

static void cell_num(struct prom_text *o, const json_t *v)
{
    if (json_is_integer(v))
        prom_add(o, "<td>%lld</td>", (long long)json_integer_value(v));
    else if (json_is_number(v))
        prom_add(o, "<td>%.4g</td>", json_number_value(v));
    else if (json_is_boolean(v))
        prom_add(o, "<td>%s</td>", json_is_true(v) ? "yes" : "no");
    else if (json_is_string(v))
        cell_str(o, json_string_value(v));
    else
        prom_add(o, "<td>-</td>");
}

static int not_found(struct prom_text *o, const char *what, const char *name)
{
    head(o, "not found");
    prom_add(o, "<p>No %s named <code>", what);
    xml_escape(o, name);
    prom_add(o, "</code> (yet). See <a href=\"/ui\">the scopes</a>.</p>\n");
    tail(o);
    return 404;
}

/* The latest event of each fingerprint, newest first (new array of borrowed-then-incref'd). */
static json_t *latest_alerts(const json_t *events)
{
    json_t *out = json_array();
    for (size_t i = json_array_size(events); i-- > 0;) {
        json_t *ev = json_array_get(events, i);
        const char *fp = str(json_object_get(ev, "data"), "fingerprint");
        int seen = 0;
        size_t k;
        json_t *x;
        json_array_foreach(
            out, k, x) if (!strcmp(str(json_object_get(x, "data"), "fingerprint"), fp)) seen = 1;
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
        if (scope && strcmp(str(lab, "scope"), scope)) continue;
        rows++;
        prom_add(o, "<tr><td><a href=\"/ui/alert/");
        url_escape(o, str(d, "fingerprint"));
        prom_add(o, "\">%lld</a></td><td class=\"%s\">%s</td>",
                 (long long)json_integer_value(json_object_get(ev, "seq")),
                 !strcmp(str(d, "status"), "firing") ? "firing" : "resolved",
                 !strcmp(str(d, "status"), "firing") ? "firing" : "resolved");
        cell_str(o, str(lab, "severity"));
        cell_str(o, str(lab, "alertname"));
        cell_str(o, str(lab, "scope"));
        cell_str(o, str(lab, "root_cause"));
        cell_str(o, str(d, "startsAt"));
        cell_str(o, str(json_object_get(d, "annotations"), "summary"));
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table>\n");
    if (!rows) prom_add(o, "<p class=\"note\">No alerts in this run.</p>\n");
}

static int page_index(struct prom_text *o, const json_t *scopes, const json_t *latest)
{
    head(o, "Scopes");
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
        url_escape(o, str(s, "name"));
        prom_add(o, "\">");
        xml_escape(o, str(s, "name"));
        prom_add(o, "</a></td>");
        cell_num(o, json_object_get(s, "series"));
        prom_add(o, "<td>%lld / %lld</td>",
                 (long long)json_integer_value(json_object_get(s, "window_fill")),
                 (long long)json_integer_value(json_object_get(s, "window")));
        cell_num(o, json_object_get(s, "last_refresh"));
        cell_num(o, json_object_get(s, "refresh_seconds"));
        cell_num(o, json_object_get(s, "refreshes"));
        cell_num(o, json_object_get(s, "refresh_errors"));
        if (inc) {
            prom_add(o, "<td class=\"%s\">", !strcmp(str(inc, "state"), "normal") ? "" : "firing");
            xml_escape(o, str(inc, "state"));
            prom_add(o, "</td><td>%lld / %lld</td>",
                     (long long)json_integer_value(json_object_get(inc, "incidents")),
                     (long long)json_integer_value(json_object_get(inc, "alerts")));
        } else {
            prom_add(o, "<td>no KPI</td><td>-</td>");
        }
        cell_num(o, mon ? json_object_get(mon, "mechanism_changes") : NULL);
        cell_num(o, mon ? json_object_get(mon, "link_changes") : NULL);
        cell_num(o, json_object_get(s, "structure_changes"));
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table>\n");
    if (!json_array_size(scopes)) prom_add(o, "<p class=\"note\">No scopes configured.</p>\n");
    prom_add(o, "<h2>Recent alerts</h2>\n");
    alerts_table(o, latest, NULL);
    tail(o);
    return 200;
}

static int scope_index(const json_t *scopes, const char *name)
{
    size_t i;
    const json_t *s;
    json_array_foreach(scopes, i, s) if (!strcmp(str(s, "name"), name)) return (int)i;
    return -1;
}

/* The links and series named by the firing change alerts of a scope. */
static void changes_of(const json_t *latest, const char *scope, json_t *links, json_t *series)
{
    size_t i;
    const json_t *ev;
    json_array_foreach(latest, i, ev)
    {
        const json_t *d = json_object_get(ev, "data"), *rca = json_object_get(d, "rca");
        if (strcmp(str(json_object_get(d, "labels"), "scope"), scope) ||
            strcmp(str(d, "status"), "firing"))
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
        if (!strcmp(str(json_object_get(d, "labels"), "alertname"), "CausalMechanismChange") &&
            json_object_get(rca, "series"))
            json_array_append(series, json_object_get(rca, "series"));
    }
}

static void legend(struct prom_text *o)
{
    prom_add(o, "<p class=\"note\">Columns: causes to the left of their effects. Solid: lagged "
                "link (label = lag), dashed: contemporaneous; width = |strength|; arrow = "
                "cause, circle = undecided end, bar = conflict. <span style=\"color:#d62728\">"
                "Red: path to the KPI</span>, <span style=\"color:#ff7f0e\">orange: changed "
                "link or mechanism</span>; blue boxes are folded components.</p>\n");
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
    url_escape(o, scope);
    prom_add(o, "\">%s</a> ", cur_only || cur_expand ? "all" : "<b>all</b>");
    const char *k;
    json_t *x;
    json_object_foreach(seen, k, x)
    {
        int cur = (cur_only && !strcmp(cur_only, k)) || (cur_expand && !strcmp(cur_expand, k));
        prom_add(o, "<a href=\"/ui/scope/");
        url_escape(o, scope);
        prom_add(o, "?%s=", folded ? "expand" : "component");
        url_escape(o, k);
        prom_add(o, "\">%s", cur ? "<b>" : "");
        xml_escape(o, k);
        prom_add(o, "%s</a> ", cur ? "</b>" : "");
        if (folded) {
            prom_add(o, "(<a href=\"/ui/scope/");
            url_escape(o, scope);
            prom_add(o, "?component=");
            url_escape(o, k);
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
        cell_str(o, str(l, "from"));
        cell_str(o, str(l, "type"));
        cell_str(o, str(l, "to"));
        cell_num(o, json_object_get(l, "lag"));
        cell_num(o, json_object_get(l, "strength"));
        cell_num(o, json_object_get(l, "pvalue"));
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table></details>\n");
}

static void parse_cmap(const json_t *scope, struct component_map *cm)
{
    char err[200];
    if (component_map_parse(str(scope, "component_map"), cm, err, sizeof err))
        component_map_parse(NULL, cm, err, sizeof err);
}

static int page_scope(struct prom_text *o, const char *name, const json_t *scopes,
                      const json_t *latest, const struct web_ui_view *v,
                      const char *(*arg)(void *, const char *), void *actx)
{
    int idx = scope_index(scopes, name);
    if (idx < 0) return not_found(o, "scope", name);
    const json_t *s = json_array_get(scopes, (size_t)idx);
    json_t *graph = v->graph ? v->graph(v->graph_ctx, idx) : NULL;
    char title[400];
    snprintf(title, sizeof title, "Scope %s", name);
    head(o, title);
    prom_add(o, "<p>%lld series, window %lld / %lld rows, last refresh ",
             (long long)json_integer_value(json_object_get(s, "series")),
             (long long)json_integer_value(json_object_get(s, "window_fill")),
             (long long)json_integer_value(json_object_get(s, "window")));
    xml_escape(o, json_is_string(json_object_get(s, "last_refresh")) ? str(s, "last_refresh")
                                                                     : "never");
    prom_add(o, " (%.1f ms)", json_number_value(json_object_get(s, "refresh_ms")));
    const json_t *inc = json_object_get(s, "incident");
    if (inc) {
        prom_add(o, ", incident: <span class=\"%s\">",
                 !strcmp(str(inc, "state"), "normal") ? "" : "firing");
        xml_escape(o, str(inc, "state"));
        prom_add(o, "</span>");
    }
    prom_add(o, ".</p>\n");
    if (!graph || !json_is_array(json_object_get(graph, "links"))) {
        prom_add(o, "<p class=\"note\">No graph yet: ");
        xml_escape(o, graph ? str(graph, "error") : "not available");
        prom_add(o, "</p>\n");
    } else {
        struct component_map cm;
        parse_cmap(s, &cm);
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
            url_escape(o, name);
            prom_add(o, "?expand=*\">Draw every series</a>.</p>\n");
        }
        legend(o);
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
    tail(o);
    json_decref(graph);
    return 200;
}

static void rca_table(struct prom_text *o, const json_t *rca)
{
    const json_t *causes = json_object_get(rca, "root_causes");
    if (!json_array_size(causes)) return;
    prom_add(o, "<h2>Root causes</h2>\n<table><tr><th>rank</th><th>series</th>"
                "<th>component</th><th>score</th><th>anomaly</th><th>direction</th>"
                "<th>mechanism changed</th><th>onset</th><th>in graph</th><th>path to the "
                "KPI</th><th>log template</th></tr>\n");
    size_t i;
    const json_t *c;
    json_array_foreach(causes, i, c)
    {
        const json_t *ev = json_object_get(c, "evidence");
        prom_add(o, "<tr%s>", i == 0 ? " style=\"background:#fdecea\"" : "");
        cell_num(o, json_object_get(c, "rank"));
        cell_str(o, str(c, "variable"));
        cell_str(o, str(c, "component"));
        cell_num(o, json_object_get(c, "score"));
        cell_num(o, json_object_get(ev, "anomaly"));
        cell_str(o, str(ev, "direction"));
        cell_num(o, json_object_get(json_object_get(ev, "mechanism"), "changed"));
        cell_num(o, json_object_get(ev, "onset"));
        cell_num(o, json_object_get(ev, "in_graph"));
        prom_add(o, "<td>");
        size_t k;
        const json_t *p;
        json_array_foreach(json_object_get(c, "path"), k, p)
        {
            if (k) prom_add(o, " &rarr; ");
            xml_escape(o, json_string_value(p));
        }
        prom_add(o, "</td><td>%s", json_object_get(ev, "template") ? "<code>" : "");
        xml_escape(o, str(ev, "template"));
        prom_add(o, "%s</td></tr>\n", json_object_get(ev, "template") ? "</code>" : "");
    }
    prom_add(o, "</table>\n");
}

static void kv_table(struct prom_text *o, const char *title, const json_t *arr)
{
    if (!json_array_size(arr)) return;
    prom_add(o, "<h2>");
    xml_escape(o, title);
    prom_add(o, "</h2>\n<table>");
    const json_t *first = json_array_get(arr, 0);
    const char *k;
    json_t *x;
    if (json_is_object(first)) {
        prom_add(o, "<tr>");
        json_object_foreach((json_t *)first, k, x)
        {
            prom_add(o, "<th>");
            xml_escape(o, k);
            prom_add(o, "</th>");
        }
        prom_add(o, "</tr>\n");
    }
    size_t i;
    const json_t *r;
    json_array_foreach(arr, i, r)
    {
        prom_add(o, "<tr>");
        if (json_is_object(r)) {
            json_object_foreach((json_t *)first, k, x)
            {
                const json_t *c = json_object_get(r, k);
                if (json_is_array(c) || json_is_object(c)) {
                    char *t = json_dumps(c, JSON_COMPACT);
                    cell_str(o, t);
                    free(t);
                } else {
                    cell_num(o, c);
                }
            }
        } else {
            cell_num(o, r);
        }
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "</table>\n");
}

/* The alert's series around the change point, one small plot each. */
static void series_plots(struct prom_text *o, const json_t *sw)
{
    if (!json_array_size(json_object_get(sw, "series"))) return;
    prom_add(o, "<h2>Series around the change point</h2>\n<p class=\"note\">"
                "<span style=\"background:#e3edf9\">&nbsp;reference&nbsp;</span> "
                "<span style=\"background:#fde3e0\">&nbsp;incident&nbsp;</span> rows of the "
                "window, the dashed line at the change point; gaps are missing values; times "
                "UTC.</p>\n<div class=\"plots\">\n");
    series_plot_window(o, sw);
    prom_add(o, "</div>\n");
}

static int page_alert(struct prom_text *o, const char *id, const json_t *events,
                      const json_t *scopes, const struct web_ui_view *v)
{
    const json_t *ev = NULL;
    char *end;
    long seq = strtol(id, &end, 10);
    int by_seq = *id && !*end && strlen(id) < 16;
    for (size_t i = json_array_size(events); i-- > 0 && !ev;) {
        const json_t *e = json_array_get(events, i);
        if (by_seq ? json_integer_value(json_object_get(e, "seq")) == seq
                   : !strcmp(str(json_object_get(e, "data"), "fingerprint"), id))
            ev = e;
    }
    if (!ev) return not_found(o, "recent alert", id);
    const json_t *d = json_object_get(ev, "data"), *lab = json_object_get(d, "labels");
    const json_t *rca = json_object_get(d, "rca");
    char title[300];
    snprintf(title, sizeof title, "%s in %s", str(lab, "alertname"), str(lab, "scope"));
    head(o, title);
    prom_add(o, "<p class=\"%s\">%s</p><p>",
             !strcmp(str(d, "status"), "firing") ? "firing" : "resolved",
             !strcmp(str(d, "status"), "firing") ? "firing" : "resolved");
    xml_escape(o, str(json_object_get(d, "annotations"), "summary"));
    prom_add(o, "</p>\n<table>");
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)lab, k, x)
    {
        prom_add(o, "<tr><th>");
        xml_escape(o, k);
        prom_add(o, "</th>");
        cell_str(o, json_string_value(x) ? json_string_value(x) : "");
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "<tr><th>seq</th><td>%lld</td></tr><tr><th>fingerprint</th>",
             (long long)json_integer_value(json_object_get(ev, "seq")));
    cell_str(o, str(d, "fingerprint"));
    prom_add(o, "</tr><tr><th>starts</th>");
    cell_str(o, str(d, "startsAt"));
    prom_add(o, "</tr><tr><th>KPI</th>");
    cell_str(o, str(rca, "kpi"));
    prom_add(o, "</tr></table>\n");
    rca_table(o, rca);
    series_plots(o, json_object_get(rca, "series_window"));
    kv_table(o, "Changed mechanisms", json_object_get(rca, "changed_mechanisms"));
    kv_table(o, "Changed links", json_object_get(rca, "changed_links"));
    kv_table(o, "Parents", json_object_get(rca, "parents"));
    /* the graph, the top cause's path highlighted */
    int idx = scope_index(scopes, str(lab, "scope"));
    json_t *graph = idx >= 0 && v->graph ? v->graph(v->graph_ctx, idx) : NULL;
    if (graph && json_is_array(json_object_get(graph, "links"))) {
        const json_t *path =
            json_object_get(json_array_get(json_object_get(rca, "root_causes"), 0), "path");
        json_t *series = json_array(), *links = json_array();
        if (json_object_get(rca, "series"))
            json_array_append(series, json_object_get(rca, "series"));
        size_t i;
        json_t *y;
        json_array_foreach(json_object_get(rca, "changed_mechanisms"), i, y)
            json_array_append(series, json_is_object(y) ? json_object_get(y, "variable") : y);
        json_array_foreach(json_object_get(rca, "changed_links"), i, y) json_array_append(links, y);
        struct component_map cm;
        parse_cmap(json_array_get(scopes, (size_t)idx), &cm);
        /* a folded scope shows the components on the path as series */
        char comp[200];
        const char *expand = NULL;
        if (json_array_size(path) &&
            component_of(&cm, json_string_value(json_array_get(path, 0)), comp, sizeof comp) == 0)
            expand = comp;
        struct graph_svg_opts go = {
            .cmap = &cm,
            .fold_above = WEB_UI_FOLD_ABOVE,
            .expand = expand,
            .path = path,
            .changed_links = links,
            .changed_series = series,
            .tiers = json_object_get(json_array_get(scopes, (size_t)idx), "tiers")};
        prom_add(o, "<h2>Graph of scope <a href=\"/ui/scope/");
        url_escape(o, str(lab, "scope"));
        prom_add(o, "\">");
        xml_escape(o, str(lab, "scope"));
        prom_add(o, "</a> (current)</h2>\n");
        legend(o);
        prom_add(o, "<div class=\"svgbox\">\n");
        graph_svg(o, graph, &go);
        prom_add(o, "</div>\n");
        component_map_fini(&cm);
        json_decref(series);
        json_decref(links);
    }
    json_decref(graph);
    tail(o);
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
        code = page_alert(out, url + 10, events, scopes, view);
    else
        code = not_found(out, "page", url);
    json_decref(latest);
    json_decref(events);
    json_decref(scopes);
    return code;
}

static json_t *graph_of(void *ctx, int i)
{
    struct scope *const *scopes = ctx;
    return scope_graph(scopes[i]);
}

void web_ui_publish(struct metrics_http *m, const json_t *status, struct scope *const *scopes,
                    int n)
{
    if (!m) return;
    json_t *arr = json_array();
    for (int a = 0; a < n; a++) {
        json_t *st = json_deep_copy(json_array_get(status, (size_t)a));
        if (!st) st = json_pack("{s:s}", "name", scopes[a]->conf.name);
        json_object_set_new(st, "component_map", json_string(scopes[a]->conf.component_map));
        json_t *tiers = json_array();
        for (int t = 0; t < scopes[a]->conf.ntiers; t++)
            json_array_append_new(tiers, json_string(scopes[a]->conf.tiers[t]));
        json_object_set_new(st, "tiers", tiers);
        json_array_append_new(arr, st);
    }
    char *js = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(10));
    metrics_http_publish_ui(m, js, strlen(js), graph_of, (void *)scopes);
    free(js);
    json_decref(arr);
}
