/* web_ui_alert.c - the page of one alert (web_ui.h): its labels, the root-cause ranking with
 * evidence, plots of its series around the change point, the changed mechanisms and links, and
 * the scope's graph with the top cause's path to the KPI highlighted. */
#include "web_ui_html.h"

#include "graph_svg.h"
#include "series_plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        ui_cell_num(o, json_object_get(c, "rank"));
        ui_cell_str(o, ui_str(c, "variable"));
        ui_cell_str(o, ui_str(c, "component"));
        ui_cell_num(o, json_object_get(c, "score"));
        ui_cell_num(o, json_object_get(ev, "anomaly"));
        ui_cell_str(o, ui_str(ev, "direction"));
        ui_cell_num(o, json_object_get(json_object_get(ev, "mechanism"), "changed"));
        ui_cell_num(o, json_object_get(ev, "onset"));
        ui_cell_num(o, json_object_get(ev, "in_graph"));
        prom_add(o, "<td>");
        size_t k;
        const json_t *p;
        json_array_foreach(json_object_get(c, "path"), k, p)
        {
            if (k) prom_add(o, " &rarr; ");
            xml_escape(o, json_string_value(p));
        }
        prom_add(o, "</td><td>%s", json_object_get(ev, "template") ? "<code>" : "");
        xml_escape(o, ui_str(ev, "template"));
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
                    ui_cell_str(o, t);
                    free(t);
                } else {
                    ui_cell_num(o, c);
                }
            }
        } else {
            ui_cell_num(o, r);
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

int ui_page_alert(struct prom_text *o, const char *id, const json_t *events, const json_t *scopes,
                  const struct web_ui_view *v)
{
    const json_t *ev = NULL;
    char *end;
    long seq = strtol(id, &end, 10);
    int by_seq = *id && !*end && strlen(id) < 16;
    for (size_t i = json_array_size(events); i-- > 0 && !ev;) {
        const json_t *e = json_array_get(events, i);
        if (by_seq ? json_integer_value(json_object_get(e, "seq")) == seq
                   : !strcmp(ui_str(json_object_get(e, "data"), "fingerprint"), id))
            ev = e;
    }
    if (!ev) return ui_not_found(o, "recent alert", id);
    const json_t *d = json_object_get(ev, "data"), *lab = json_object_get(d, "labels");
    const json_t *rca = json_object_get(d, "rca");
    char title[300];
    snprintf(title, sizeof title, "%s in %s", ui_str(lab, "alertname"), ui_str(lab, "scope"));
    ui_head(o, title);
    prom_add(o, "<p class=\"%s\">%s</p><p>",
             !strcmp(ui_str(d, "status"), "firing") ? "firing" : "resolved",
             !strcmp(ui_str(d, "status"), "firing") ? "firing" : "resolved");
    xml_escape(o, ui_str(json_object_get(d, "annotations"), "summary"));
    prom_add(o, "</p>\n<table>");
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)lab, k, x)
    {
        prom_add(o, "<tr><th>");
        xml_escape(o, k);
        prom_add(o, "</th>");
        ui_cell_str(o, json_string_value(x) ? json_string_value(x) : "");
        prom_add(o, "</tr>\n");
    }
    prom_add(o, "<tr><th>seq</th><td>%lld</td></tr><tr><th>fingerprint</th>",
             (long long)json_integer_value(json_object_get(ev, "seq")));
    ui_cell_str(o, ui_str(d, "fingerprint"));
    prom_add(o, "</tr><tr><th>starts</th>");
    ui_cell_str(o, ui_str(d, "startsAt"));
    prom_add(o, "</tr><tr><th>KPI</th>");
    ui_cell_str(o, ui_str(rca, "kpi"));
    prom_add(o, "</tr></table>\n");
    rca_table(o, rca);
    series_plots(o, json_object_get(rca, "series_window"));
    kv_table(o, "Changed mechanisms", json_object_get(rca, "changed_mechanisms"));
    kv_table(o, "Changed links", json_object_get(rca, "changed_links"));
    kv_table(o, "Parents", json_object_get(rca, "parents"));
    /* the graph, the top cause's path highlighted */
    int idx = ui_scope_index(scopes, ui_str(lab, "scope"));
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
        ui_parse_cmap(json_array_get(scopes, (size_t)idx), &cm);
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
        ui_url_escape(o, ui_str(lab, "scope"));
        prom_add(o, "\">");
        xml_escape(o, ui_str(lab, "scope"));
        prom_add(o, "</a> (current)</h2>\n");
        ui_legend(o);
        prom_add(o, "<div class=\"svgbox\">\n");
        graph_svg(o, graph, &go);
        prom_add(o, "</div>\n");
        component_map_fini(&cm);
        json_decref(series);
        json_decref(links);
    }
    json_decref(graph);
    ui_tail(o);
    return 200;
}
