/* web_ui_html.c - the HTML building blocks the pages of the web view share (web_ui_html.h). */
#include "web_ui_html.h"

#include "graph_svg.h"

#include <ctype.h>
#include <stdio.h>
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

void ui_head(struct prom_text *o, const char *title)
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

void ui_tail(struct prom_text *o)
{
    prom_add(o, "</body></html>\n");
}

/* Appends s percent-encoded for a URL path segment or query value. */
void ui_url_escape(struct prom_text *o, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            prom_add(o, "%c", c);
        else
            prom_add(o, "%%%02X", c);
    }
}

const char *ui_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

void ui_cell_str(struct prom_text *o, const char *s)
{
    prom_add(o, "<td>");
    xml_escape(o, s);
    prom_add(o, "</td>");
}

void ui_cell_num(struct prom_text *o, const json_t *v)
{
    if (json_is_integer(v))
        prom_add(o, "<td>%lld</td>", (long long)json_integer_value(v));
    else if (json_is_number(v))
        prom_add(o, "<td>%.4g</td>", json_number_value(v));
    else if (json_is_boolean(v))
        prom_add(o, "<td>%s</td>", json_is_true(v) ? "yes" : "no");
    else if (json_is_string(v))
        ui_cell_str(o, json_string_value(v));
    else
        prom_add(o, "<td>-</td>");
}

int ui_not_found(struct prom_text *o, const char *what, const char *name)
{
    ui_head(o, "not found");
    prom_add(o, "<p>No %s named <code>", what);
    xml_escape(o, name);
    prom_add(o, "</code> (yet). See <a href=\"/ui\">the scopes</a>.</p>\n");
    ui_tail(o);
    return 404;
}

int ui_scope_index(const json_t *scopes, const char *name)
{
    size_t i;
    const json_t *s;
    json_array_foreach(scopes, i, s) if (!strcmp(ui_str(s, "name"), name)) return (int)i;
    return -1;
}

void ui_legend(struct prom_text *o)
{
    prom_add(o, "<p class=\"note\">Columns: causes to the left of their effects. Solid: lagged "
                "link (label = lag), dashed: contemporaneous; width = |strength|; arrow = "
                "cause, circle = undecided end, bar = conflict. <span style=\"color:#d62728\">"
                "Red: path to the KPI</span>, <span style=\"color:#ff7f0e\">orange: changed "
                "link or mechanism</span>; blue boxes are folded components.</p>\n");
}

void ui_parse_cmap(const json_t *scope, struct component_map *cm)
{
    char err[200];
    if (component_map_parse(ui_str(scope, "component_map"), cm, err, sizeof err))
        component_map_parse(NULL, cm, err, sizeof err);
}
