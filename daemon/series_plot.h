/*
 * series_plot.h - a small line plot of one series around a change point, drawn as a standalone
 * SVG element on the server (no script): the reference rows on a blue band, the incident rows
 * on a red one, a dashed vertical line at the change point, the series as polylines broken at
 * missing values (a lone value between gaps is a dot), the minimum and maximum on the y axis,
 * the times of the first row, the change point and the last row under the x axis, the series
 * name as the title. A constant series is drawn as a flat line in the middle; a series without
 * a value says so. Every name is XML-escaped. Pure; any thread.
 */
#ifndef CAUSALMON_SERIES_PLOT_H
#define CAUSALMON_SERIES_PLOT_H

#include "prom_text.h"

#include <jansson.h>
#include <stdint.h>

/* The plot box inside the SVG (user units); every drawn point lies within it. */
#define SERIES_PLOT_W  340
#define SERIES_PLOT_H  150
#define SERIES_PLOT_X0 56
#define SERIES_PLOT_X1 312
#define SERIES_PLOT_Y0 24
#define SERIES_PLOT_Y1 114

struct series_plot {
    const char *title;    /* the series name */
    const char *subtitle; /* e.g. "KPI" or "root cause 1", or NULL */
    const double *v;      /* [n] values, NaN = missing */
    int n;
    const int64_t *t_ns;                /* [n] row times, or NULL: start_ns + i bucket_ns */
    int64_t start_ns, bucket_ns;        /* used when t_ns is NULL */
    int ref_begin, change_row, inc_end; /* reference [ref_begin, change_row), incident
                                           [change_row, inc_end); clamped to [0, n] */
};

/* Appends <svg class="series-plot" ...> for p. Returns the number of polylines drawn (0 for a
 * series without two consecutive values). */
int series_plot_svg(struct prom_text *out, const struct series_plot *p);

/* Appends one plot per series of an alert's "series_window" object (series_window.h); nulls are
 * missing values. Returns the number of plots drawn (0 when sw is NULL or malformed). */
int series_plot_window(struct prom_text *out, const json_t *sw);

#endif
