/* series_window.c - the alert's series around the change point (series_window.h). */
#include "series_window.h"

#include <math.h>

/* v rounded to the decimal digit 10^d (d < 0: a fraction digit). */
static double round_at(double v, int d)
{
    if (d < 0) {
        double s = pow(10.0, -d), r = round(v * s) / s;
        return isfinite(r) ? r : v;
    }
    double s = pow(10.0, d), r = round(v / s) * s;
    return isfinite(r) ? r : v;
}

/* The digit to round a series to: 5 significant digits of its range (of its magnitude when
 * constant). */
static int digit_of(double lo, double hi)
{
    double span = hi - lo;
    if (!(span > 0)) span = fmax(fabs(lo), fabs(hi));
    if (!(span > 0) || !isfinite(span)) return 0;
    int d = (int)floor(log10(span)) - 4;
    return d < -300 ? -300 : d > 300 ? 300 : d;
}

json_t *series_window_json(double (*value)(void *ctx, int row, int col), void *ctx,
                           const int64_t *times_ns, int rows, int64_t bucket_ns, int ref_begin,
                           int change_row, int inc_end, const struct series_window_pick *picks,
                           int npicks)
{
    if (!value || !times_ns || rows < 1 || ref_begin < 0 || ref_begin > change_row ||
        change_row >= inc_end || inc_end > rows || npicks < 1)
        return NULL;
    const int max = SERIES_WINDOW_MAX_ROWS;
    int before = change_row, after = rows - change_row;
    int keep_after = after < max / 2 ? after : before >= max / 2 ? max / 2 : max - before;
    if (keep_after > after) keep_after = after;
    int keep_before = before < max - keep_after ? before : max - keep_after;
    int lo = change_row - keep_before, hi = change_row + keep_after, n = hi - lo;
    int r0 = ref_begin > lo ? ref_begin - lo : 0, c = change_row - lo;
    int i1 = (inc_end < hi ? inc_end : hi) - lo;
    json_t *o = json_pack("{s:i, s:I, s:I, s:i, s:[i, i], s:[i, i]}", "rows", n, "start_ns",
                          (json_int_t)times_ns[lo], "bucket_ns", (json_int_t)bucket_ns,
                          "change_row", c, "reference", r0, c, "incident", c, i1);
    int even = bucket_ns > 0;
    for (int r = lo + 1; r < hi && even; r++)
        even = times_ns[r] - times_ns[lo] == (int64_t)(r - lo) * bucket_ns;
    if (!even) {
        json_t *t = json_array();
        for (int r = lo; r < hi; r++) json_array_append_new(t, json_integer(times_ns[r]));
        json_object_set_new(o, "times_ns", t);
    }
    json_t *series = json_array();
    for (int k = 0; k < npicks && k < SERIES_WINDOW_MAX_SERIES; k++) {
        const struct series_window_pick *p = &picks[k];
        double vmin = INFINITY, vmax = -INFINITY;
        for (int r = lo; r < hi; r++) {
            double v = value(ctx, r, p->col);
            if (isfinite(v)) {
                vmin = fmin(vmin, v);
                vmax = fmax(vmax, v);
            }
        }
        int d = digit_of(vmin, vmax);
        json_t *vals = json_array();
        for (int r = lo; r < hi; r++) {
            double v = value(ctx, r, p->col);
            json_array_append_new(vals, isfinite(v) ? json_real(round_at(v, d)) : json_null());
        }
        json_t *s = json_pack("{s:s, s:s}", "name", p->name ? p->name : "?", "role",
                              p->role ? p->role : "series");
        if (!s) s = json_pack("{s:s, s:s}", "name", "?", "role", "series"); /* invalid UTF-8 */
        if (p->rank > 0) json_object_set_new(s, "rank", json_integer(p->rank));
        json_object_set_new(s, "values", vals);
        json_array_append_new(series, s);
    }
    json_object_set_new(o, "series", series);
    return o;
}
