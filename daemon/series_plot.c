/* series_plot.c - a series around its change point as a small SVG line plot (series_plot.h). */
#include "series_plot.h"

#include "duration.h"
#include "graph_svg.h"
#include "utf8.h"
#include "xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TITLE_MAX 48 /* bytes of the name drawn; the whole name is in the tooltip */

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int64_t time_of(const struct series_plot *p, int i)
{
    return p->t_ns ? p->t_ns[i] : p->start_ns + (int64_t)i * p->bucket_ns;
}

/* "HH:MM:SS" of row i (UTC), or the full RFC 3339 time when full. */
static void time_label(const struct series_plot *p, int i, int full, char *buf, size_t len)
{
    char t[40];
    format_rfc3339((double)time_of(p, i) * 1e-9, 0, t, sizeof t);
    if (full || strlen(t) < 19)
        snprintf(buf, len, "%s", t);
    else
        snprintf(buf, len, "%.8s", t + 11);
}

/* x of the boundary before row i (i = n: the right edge). */
static double x_edge(int i, int n)
{
    return SERIES_PLOT_X0 + (double)i * (SERIES_PLOT_X1 - SERIES_PLOT_X0) / n;
}

int series_plot_svg(struct prom_text *o, const struct series_plot *p)
{
    int n = p->n > 0 && p->v ? p->n : 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(p->v[i])) {
            lo = fmin(lo, p->v[i]);
            hi = fmax(hi, p->v[i]);
        }
    int any = lo <= hi;
    prom_add(o,
             "<svg class=\"series-plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
             "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"10\" "
             "data-name=\"",
             SERIES_PLOT_W, SERIES_PLOT_H, SERIES_PLOT_W, SERIES_PLOT_H);
    xml_escape(o, p->title);
    prom_add(o, "\"><title>");
    xml_escape(o, p->title);
    if (n) {
        char a[40], b[40];
        time_label(p, 0, 1, a, sizeof a);
        time_label(p, n - 1, 1, b, sizeof b);
        prom_add(o, ": %d rows, %s to %s", n, a, b);
    }
    prom_add(o, "</title>\n");
    /* the title: the name cut at a character boundary, then the role */
    char name[TITLE_MAX + 4];
    size_t len = p->title ? strlen(p->title) : 0,
           cut = utf8_cut(p->title ? p->title : "", len, TITLE_MAX);
    snprintf(name, sizeof name, "%.*s%s", (int)cut, p->title ? p->title : "",
             cut < len ? "\xE2\x80\xA6" : "");
    prom_add(o, "<text class=\"title\" x=\"%d\" y=\"14\" font-size=\"12\" font-weight=\"bold\">",
             SERIES_PLOT_X0);
    xml_escape(o, name);
    if (p->subtitle && *p->subtitle) {
        prom_add(o, "<tspan font-weight=\"normal\" fill=\"#666\"> (");
        xml_escape(o, p->subtitle);
        prom_add(o, ")</tspan>");
    }
    prom_add(o, "</text>\n");
    /* bands and the change point, on row boundaries */
    const int y0 = SERIES_PLOT_Y0, y1 = SERIES_PLOT_Y1;
    if (n) {
        int r0 = clampi(p->ref_begin, 0, n), c = clampi(p->change_row, 0, n),
            i1 = clampi(p->inc_end, c, n);
        if (r0 > c) r0 = c;
        prom_add(o,
                 "<rect class=\"band ref\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                 "fill=\"#e3edf9\"><title>reference</title></rect>\n",
                 x_edge(r0, n), y0, x_edge(c, n) - x_edge(r0, n), y1 - y0);
        prom_add(o,
                 "<rect class=\"band inc\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                 "fill=\"#fde3e0\"><title>incident</title></rect>\n",
                 x_edge(c, n), y0, x_edge(i1, n) - x_edge(c, n), y1 - y0);
        prom_add(o,
                 "<line class=\"change\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                 "stroke=\"#d62728\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"><title>change "
                 "point</title></line>\n",
                 x_edge(c, n), y0 - 2, x_edge(c, n), y1 + 2);
        /* times: first row and last row, the change point below them */
        char a[40];
        time_label(p, 0, 0, a, sizeof a);
        prom_add(o, "<text class=\"time\" x=\"%d\" y=\"%d\">%s</text>", SERIES_PLOT_X0, y1 + 13, a);
        time_label(p, n - 1, 0, a, sizeof a);
        prom_add(o, "<text class=\"time\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                 SERIES_PLOT_X1, y1 + 13, a);
        if (c < n) {
            /* on a row of its own, under the line as far as the plot's width allows */
            double xc = fmin(fmax(x_edge(c, n), SERIES_PLOT_X0 + 22.0), SERIES_PLOT_W - 23.0);
            time_label(p, c, 0, a, sizeof a);
            prom_add(o,
                     "<text class=\"time\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
                     "fill=\"#d62728\">%s</text>",
                     xc, y1 + 26, a);
        }
        prom_add(o, "\n");
    }
    prom_add(o,
             "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
             "stroke=\"#999\"/>\n",
             SERIES_PLOT_X0, y0, SERIES_PLOT_X1 - SERIES_PLOT_X0, y1 - y0);
    if (!any) {
        prom_add(o,
                 "<text class=\"empty\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">"
                 "no values in this window</text></svg>\n",
                 (SERIES_PLOT_X0 + SERIES_PLOT_X1) / 2, (y0 + y1) / 2);
        return 0;
    }
    prom_add(o,
             "<text class=\"ymax\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>"
             "<text class=\"ymin\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>\n",
             SERIES_PLOT_X0 - 4, y0 + 8, hi, SERIES_PLOT_X0 - 4, y1, lo);
    /* a constant series: a flat line in the middle */
    double span = hi - lo, base = lo;
    if (!(span > 0) || !isfinite(span)) {
        span = 2;
        base = lo - 1;
    }
    int lines = 0;
    for (int i = 0; i < n;) {
        if (!isfinite(p->v[i])) {
            i++;
            continue;
        }
        int j = i;
        while (j < n && isfinite(p->v[j])) j++;
        if (j - i == 1) {
            prom_add(
                o, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"#1f5fa8\"/>\n",
                (x_edge(i, n) + x_edge(i + 1, n)) / 2, y1 - (p->v[i] - base) / span * (y1 - y0));
        } else {
            prom_add(o, "<polyline class=\"series\" fill=\"none\" stroke=\"#1f5fa8\" "
                        "stroke-width=\"1.3\" points=\"");
            for (int k = i; k < j; k++)
                prom_add(o, "%s%.1f,%.1f", k > i ? " " : "", (x_edge(k, n) + x_edge(k + 1, n)) / 2,
                         y1 - (p->v[k] - base) / span * (y1 - y0));
            prom_add(o, "\"/>\n");
            lines++;
        }
        i = j;
    }
    prom_add(o, "</svg>\n");
    return lines;
}

static int int_at(const json_t *arr, size_t i, int dflt)
{
    const json_t *v = json_array_get(arr, i);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

int series_plot_window(struct prom_text *o, const json_t *sw)
{
    const json_t *series = json_object_get(sw, "series"), *times = json_object_get(sw, "times_ns");
    if (!json_is_array(series)) return 0;
    int drawn = 0;
    size_t k;
    const json_t *s;
    json_array_foreach(series, k, s)
    {
        const json_t *vals = json_object_get(s, "values");
        size_t n = json_array_size(vals);
        if (!n || n > 100000) continue;
        double *v = xmallocarray(n, sizeof(double));
        for (size_t i = 0; i < n; i++) {
            const json_t *x = json_array_get(vals, i);
            v[i] = json_is_number(x) ? json_number_value(x) : NAN;
        }
        int64_t *t = NULL;
        if (json_array_size(times) == n) {
            t = xmallocarray(n, sizeof(int64_t));
            for (size_t i = 0; i < n; i++) t[i] = json_integer_value(json_array_get(times, i));
        }
        const char *role = json_string_value(json_object_get(s, "role"));
        long rank = (long)json_integer_value(json_object_get(s, "rank"));
        char sub[64];
        if (role && !strcmp(role, "kpi"))
            snprintf(sub, sizeof sub, "KPI");
        else if (role && !strcmp(role, "cause") && rank > 0)
            snprintf(sub, sizeof sub, "root cause %ld", rank);
        else
            snprintf(sub, sizeof sub, "%s", role ? role : "");
        const json_t *ref = json_object_get(sw, "reference"),
                     *inc = json_object_get(sw, "incident");
        int c = (int)json_integer_value(json_object_get(sw, "change_row"));
        struct series_plot p = {
            .title = json_string_value(json_object_get(s, "name")),
            .subtitle = sub,
            .v = v,
            .n = (int)n,
            .t_ns = t,
            .start_ns = json_integer_value(json_object_get(sw, "start_ns")),
            .bucket_ns = json_integer_value(json_object_get(sw, "bucket_ns")),
            .ref_begin = int_at(ref, 0, 0),
            .change_row = c,
            .inc_end = int_at(inc, 1, (int)n),
        };
        series_plot_svg(o, &p);
        drawn++;
        free(v);
        free(t);
    }
    return drawn;
}
