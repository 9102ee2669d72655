/*
 * web_ui_html.h - the HTML building blocks that the pages of the web view (web_ui.h) share: the
 * page head and tail, escaped cells and URLs, the 404 page, the graph legend, and lookups in the
 * published status. The pages: web_ui.c (the index and a scope's graph) and web_ui_alert.c (one
 * alert). Any thread: they read only their arguments.
 */
#ifndef CAUSALMON_WEB_UI_HTML_H
#define CAUSALMON_WEB_UI_HTML_H

#include "component_map.h"
#include "prom_text.h"
#include "web_ui.h"

#include <jansson.h>

/* The document head with the style sheet and the navigation, and the title as <h1>. */
void ui_head(struct prom_text *o, const char *title);
/* Closes the document. */
void ui_tail(struct prom_text *o);
/* Appends s percent-encoded for a URL path segment or query value. */
void ui_url_escape(struct prom_text *o, const char *s);
/* The string member key of o, or "" (never NULL). */
const char *ui_str(const json_t *o, const char *key);
/* A table cell holding s, escaped. */
void ui_cell_str(struct prom_text *o, const char *s);
/* A table cell holding v: a number, yes/no, a string, or - for anything else. */
void ui_cell_num(struct prom_text *o, const json_t *v);
/* A whole 404 page: no WHAT named NAME. Returns 404. */
int ui_not_found(struct prom_text *o, const char *what, const char *name);
/* The index of the scope called name in the status array, or -1. */
int ui_scope_index(const json_t *scopes, const char *name);
/* The legend of the graph drawings. */
void ui_legend(struct prom_text *o);
/* The component map of a scope's status (its "component_map"; the default when invalid). The
 * caller finishes it with component_map_fini. */
void ui_parse_cmap(const json_t *scope, struct component_map *cm);

/* The page of one alert (web_ui_alert.c): id is a fingerprint (its latest event) or a seq.
 * Returns 200, or 404 with a page. */
int ui_page_alert(struct prom_text *o, const char *id, const json_t *events, const json_t *scopes,
                  const struct web_ui_view *v);

#endif
