/*
 * series_window.h - the "series_window" object of an alert's rca: the values of a few series
 * (the KPI and the top root causes of an incident, or a changed series and its parents) in the
 * window rows around the change point, so a reader can plot reference against incident without
 * the daemon's window. Bounded: at most SERIES_WINDOW_MAX_ROWS rows of at most
 * SERIES_WINDOW_MAX_SERIES series, values rounded to 5 significant digits of the plotted range
 * (a few kB of JSON), whatever the scope's window. Pure; any thread.
 *
 *   {"rows": n, "start_ns": t0, "bucket_ns": b,      row i at t0 + i b
 *    "times_ns": [...],                              only when the rows are not evenly spaced
 *    "change_row": c,                                first row of the incident
 *    "reference": [r0, c], "incident": [c, i1],      row ranges [first, end)
 *    "series": [{"name", "role", "rank"?, "values": [v or null, ...]}]}
 */
#ifndef CAUSALMON_SERIES_WINDOW_H
#define CAUSALMON_SERIES_WINDOW_H

#include <jansson.h>
#include <stdint.h>

#define SERIES_WINDOW_MAX_ROWS   240 /* rows kept around the change point */
#define SERIES_WINDOW_MAX_SERIES 4   /* series kept (the first ones given) */

/* One series to keep: its column, name and role ("kpi", "cause", "changed", "parent"); rank
 * (1 = top) is written when > 0. */
struct series_window_pick {
    int col;
    const char *name;
    const char *role;
    int rank;
};

/* The rows of the window: value(ctx, row, col) for 0 <= row < rows (NaN = missing), times_ns
 * [rows] the bucket times, bucket_ns the bucket. Rows [ref_begin, change_row) are the
 * reference, [change_row, inc_end) the incident (ref_begin <= change_row < inc_end <= rows).
 * Keeps at most SERIES_WINDOW_MAX_ROWS rows around the change point (up to half of them after
 * it, more when the reference is short) and the first SERIES_WINDOW_MAX_SERIES picks. Returns
 * a new object, or NULL when the arguments are out of range (nothing to show). */
json_t *series_window_json(double (*value)(void *ctx, int row, int col), void *ctx,
                           const int64_t *times_ns, int rows, int64_t bucket_ns, int ref_begin,
                           int change_row, int inc_end, const struct series_window_pick *picks,
                           int npicks);

#endif
