/*
 * web_ui.h - the daemon's read-only web view, served by metrics_http under its listen address
 * and bearer token:
 *   GET /ui                  the scopes (series, window fill, refresh time and latency,
 *                            incident and change-monitor state) and the recent alerts;
 *   GET /ui/scope/NAME       the scope's current graph as server-drawn SVG (graph_svg.h) and
 *                            its links; ?component=C keeps one component, ?expand=C unfolds one
 *                            component of a folded (large) scope; links and mechanisms named
 *                            by the scope's firing change alerts are highlighted;
 *   GET /ui/alert/ID         one alert by fingerprint (its latest event) or by seq: labels,
 *                            root-cause ranking with evidence, log templates, changed
 *                            mechanisms and links, a plot of each series of the alert's
 *                            series_window around the change point (series_plot.h), and the
 *                            graph with the top cause's path to the KPI highlighted.
 * Pages are plain HTML with inline CSS, no script; every name is HTML-escaped.
 */
#ifndef CAUSALMON_WEB_UI_H
#define CAUSALMON_WEB_UI_H

#include "metrics_http.h"
#include "prom_text.h"
#include "scope.h"

#include <jansson.h>
#include <stddef.h>

#define WEB_UI_FOLD_ABOVE 60 /* scopes with more series are drawn folded to components */

/* The published view of the loop's state: status is a JSON array of scope_status objects
 * (each with "component_map"), in the order graph(ctx, i) returns scope i's graph JSON (a new
 * reference, or NULL). */
struct web_ui_view {
    const char *status, *alerts; /* JSON text; alerts as metrics_http_publish_alerts */
    size_t status_len, alerts_len;
    json_t *(*graph)(void *ctx, int scope);
    void *graph_ctx;
};

/* Renders the page of url (which starts with "/ui") into out; arg(arg_ctx, KEY) returns a
 * query parameter or NULL. Returns the HTTP status (200, or 404 with an HTML message). Any
 * thread: it reads only the view. */
int web_ui_page(const char *url, const char *(*arg)(void *arg_ctx, const char *key), void *arg_ctx,
                const struct web_ui_view *view, struct prom_text *out);

/* Publishes the scopes' status for the web view (metrics_http_publish_ui): status is the status
 * document's "scopes" array (borrowed; item a belongs to scopes[a]); graphs are read on demand
 * from the scopes (scope_graph locks each scope), so scopes must outlive the server.
 * Thread: the loop. */
void web_ui_publish(struct metrics_http *m, const json_t *status, struct scope *const *scopes,
                    int n);

#endif
