/* scope_alerts.c - mechanism_change and structure_change alerts of a scope (scope_alerts.h). */
#include "scope_alerts.h"

#include "incident.h"
#include "logmsg.h"
#include "series_window.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* "name" or "name (lag L)" of monitor node lag * N + i. */
static void node_name(const struct scope *s, int node, char *buf, size_t len)
{
    int N = s->conf.max_series, lag = node / N, i = node % N;
    const char *nm = s->names[i] ? s->names[i] : "?";
    if (lag)
        snprintf(buf, len, "%s (lag %d)", nm, lag);
    else
        snprintf(buf, len, "%s", nm);
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static double window_value(void *ctx, int row, int col)
{
    return scope_window_value(ctx, row, col);
}

/* The changed series and its parents in the window rows around the change point: reference
 * the rows before change_ns, incident the rows from it to the event's row (t_ns). NULL when
 * the change point has left the window. */
static json_t *mechanism_series(struct scope *s, const struct change_event *e, int64_t change_ns,
                                int64_t t_ns)
{
    int rows = scope_window_rows(s->win), N = s->conf.max_series;
    if (rows < 2 || e->series >= scope_window_ncols(s->win)) return NULL;
    int64_t *t = xmallocarray((size_t)rows, sizeof(int64_t));
    scope_window_times(s->win, t);
    int change = -1, end = 0;
    for (int r = 0; r < rows; r++) {
        if (change < 0 && t[r] >= change_ns) change = r;
        if (t[r] <= t_ns) end = r + 1;
    }
    struct series_window_pick picks[SERIES_WINDOW_MAX_SERIES];
    int n = 0;
    picks[n++] = (struct series_window_pick){e->series, s->names[e->series], "changed", 0};
    for (int a = 0; a < e->nparents && n < SERIES_WINDOW_MAX_SERIES; a++) {
        int i = e->parents[a] % N, dup = i == e->series || i >= scope_window_ncols(s->win);
        for (int k = 0; k < n; k++) dup |= picks[k].col == i;
        if (!dup) picks[n++] = (struct series_window_pick){i, s->names[i], "parent", 0};
    }
    json_t *o = change > 0 && change < end
                    ? series_window_json(window_value, s->win, t, end, s->bucket_ns, 0, change, end,
                                         picks, n)
                    : NULL;
    free(t);
    return o;
}

/* The mechanism_change alert of a monitor event (resolved for ADOPTED / REVERTED). */
void scope_alert_mechanism(struct scope *s, struct alerts *al, const struct change_event *e,
                           int64_t t_ns)
{
    int N = s->conf.max_series, resolved = e->type != CHANGE_EVENT_MECHANISM;
    const char *series = s->names[e->series] ? s->names[e->series] : "?";
    int64_t change_ns = t_ns - (int64_t)(e->row - e->change_row) * s->bucket_ns;
    json_t *parents = json_array();
    for (int a = 0; a < e->nparents; a++) {
        int i = e->parents[a] % N;
        json_array_append_new(
            parents, json_pack("{s:s, s:i, s:o, s:o}", "series", s->names[i] ? s->names[i] : "?",
                               "lag", e->parents[a] / N, "before", num(e->coef_before[1 + a]),
                               "after", num(e->coef_after[1 + a])));
    }
    json_t *rca = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:o, s:I, s:[]}",
        "series", series, "change_kind", change_kind_str(e->kind), "p", num(e->pval), "q",
        num(e->qval), "p_mean", num(e->p_mean), "p_coefficients", num(e->p_coef), "p_noise",
        num(e->p_var), "parents", parents, "intercept", "before", num(e->coef_before[0]), "after",
        num(e->coef_after[0]), "noise_sd", "before", num(e->noise_before), "after",
        num(e->noise_after), "resolution",
        json_string(!resolved                         ? "none"
                    : e->type == CHANGE_EVENT_ADOPTED ? "adopted"
                                                      : "reverted"),
        "change_time_ns", (json_int_t)change_ns, "root_causes");
    /* a KPI of the scope affected: the incident's ranking rides along */
    json_t *ranking = s->inc ? incident_ranking(s->inc) : NULL;
    if (ranking) json_object_set_new(rca, "root_causes", ranking);
    json_object_set_new(rca, "kpi_affected", json_boolean(ranking != NULL));
    json_t *sw = mechanism_series(s, e, change_ns, t_ns);
    if (sw) json_object_set_new(rca, "series_window", sw);
    char summary[600];
    if (resolved)
        snprintf(summary, sizeof summary, "%s: %s", series,
                 e->type == CHANGE_EVENT_ADOPTED ? "the new mechanism is now the reference"
                                                 : "the mechanism is back to its reference");
    else
        snprintf(summary, sizeof summary,
                 "%s: mechanism changed (%s), noise sd %.3g -> %.3g, intercept %.3g -> %.3g, "
                 "p %.2g q %.2g",
                 series, change_kind_str(e->kind), e->noise_before, e->noise_after,
                 e->coef_before[0], e->coef_after[0], e->pval, e->qval);
    struct alert a = {s->conf.name, "mechanism_change", "warning", series, summary,
                      resolved,     change_ns,          t_ns,      rca};
    alerts_publish(al, &a);
    logmsg(LOG_INFO, "scope %s: %s", s->conf.name, summary);
    json_decref(rca);
}

/* The structure_change alert of a link event. */
void scope_alert_link(struct scope *s, struct alerts *al, const struct change_event *e,
                      int64_t t_ns)
{
    int N = s->conf.max_series;
    const char *to = s->names[e->series] ? s->names[e->series] : "?";
    char from[300];
    node_name(s, e->link_from, from, sizeof from);
    int i = e->link_from % N;
    const char *change = change_link_str(e->link);
    int64_t change_ns = t_ns - (int64_t)(e->row - e->change_row) * s->bucket_ns;
    json_t *rca =
        json_pack("{s:[{s:s, s:s, s:i, s:s, s:o, s:o, s:o, s:o}], s:[], s:[s], s:I}",
                  "changed_links", "from", s->names[i] ? s->names[i] : "?", "to", to, "lag",
                  e->link_from / N, "change", change, "partial_corr_before", num(e->r_before),
                  "partial_corr_after", num(e->r_after), "p", num(e->pval), "q", num(e->qval),
                  "root_causes", "changed_mechanisms", to, "change_time_ns", (json_int_t)change_ns);
    char summary[800];
    snprintf(summary, sizeof summary,
             "link %s -> %s %s: partial correlation %.2f -> %.2f (p %.2g q %.2g)", from, to, change,
             e->r_before, e->r_after, e->pval, e->qval);
    struct alert a = {s->conf.name, "structure_change", "warning", to, summary, 0, change_ns, 0,
                      rca};
    alerts_publish(al, &a);
    logmsg(LOG_INFO, "scope %s: %s", s->conf.name, summary);
    json_decref(rca);
}
