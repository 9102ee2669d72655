/* The alert's series around the change point: the bounded "series_window" JSON and its SVG plot
 * (constant series, gaps, all missing, escaping, bands and change point on row boundaries). */
#include "series_plot.h"
#include "series_window.h"
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W_ROW(n) ((double)(SERIES_PLOT_X1 - SERIES_PLOT_X0) / (n)) /* width of one row */

/* Counts occurrences of needle in s. */
static int count(const char *s, const char *needle)
{
    int k = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) k++;
    return k;
}

/* The points of the k-th polyline of svg into xy (pairs); returns how many points. */
static int polyline_points(const char *svg, int k, double *xy, int max)
{
    const char *p = svg;
    for (int i = 0; i <= k; i++) {
        p = strstr(p, "<polyline");
        if (!p) return -1;
        p++;
    }
    p = strstr(p, "points=\"") + 8;
    int n = 0, used;
    double x, y;
    while (n < max && sscanf(p, "%lf,%lf%n", &x, &y, &used) == 2) {
        xy[2 * n] = x;
        xy[2 * n + 1] = y;
        n++;
        p += used;
    }
    return n;
}

/* Attribute a="..." of the first element that starts with tag, as a number. */
static double attr_of(const char *svg, const char *tag, const char *a)
{
    const char *p = strstr(svg, tag);
    assert_non_null(p);
    char key[32];
    snprintf(key, sizeof key, " %s=\"", a);
    p = strstr(p, key);
    assert_non_null(p);
    return atof(p + strlen(key));
}

static void assert_in_box(const double *xy, int n)
{
    for (int i = 0; i < n; i++) {
        assert_true(xy[2 * i] >= SERIES_PLOT_X0 && xy[2 * i] <= SERIES_PLOT_X1);
        assert_true(xy[2 * i + 1] >= SERIES_PLOT_Y0 && xy[2 * i + 1] <= SERIES_PLOT_Y1);
    }
}

static void test_constant_series_is_a_flat_line_inside_the_box(void **st)
{
    (void)st;
    double v[60];
    for (int i = 0; i < 60; i++) v[i] = 7.25;
    struct series_plot p = {.title = "db.cpu",
                            .v = v,
                            .n = 60,
                            .start_ns = 1000000000000000000,
                            .bucket_ns = 1000000000,
                            .change_row = 40,
                            .inc_end = 60};
    struct prom_text o = {0};
    assert_int_equal(series_plot_svg(&o, &p), 1);
    double xy[2 * 64];
    assert_int_equal(polyline_points(o.s, 0, xy, 64), 60);
    assert_in_box(xy, 60);
    for (int i = 0; i < 60; i++) {
        assert_close(xy[2 * i + 1], (SERIES_PLOT_Y0 + SERIES_PLOT_Y1) / 2.0, 0.051);
        assert_close(xy[2 * i], SERIES_PLOT_X0 + (i + 0.5) * W_ROW(60), 0.051); /* row centres */
    }
    assert_non_null(strstr(o.s, ">7.25</text>")); /* min and max labels */
    assert_int_equal(count(o.s, "class=\"band ref\""), 1);
    assert_int_equal(count(o.s, "class=\"band inc\""), 1);
    assert_int_equal(count(o.s, "class=\"change\""), 1);
    free(o.s);
}

static void test_gaps_break_the_line_and_a_lone_value_is_a_dot(void **st)
{
    (void)st;
    enum { N = 40 };
    double v[N];
    for (int i = 0; i < N; i++) v[i] = (i % 7) - 2.0; /* min -2, max 4 */
    v[10] = NAN;                                      /* runs [0,10) [11,20) */
    v[20] = v[21] = v[22] = NAN;                      /* [23,29) */
    v[29] = v[31] = NAN;                              /* 30 alone, then [32,40) */
    struct series_plot p = {.title = "cart.latency",
                            .v = v,
                            .n = N,
                            .start_ns = 0,
                            .bucket_ns = 1000000000,
                            .change_row = 25,
                            .inc_end = N};
    struct prom_text o = {0};
    assert_int_equal(series_plot_svg(&o, &p), 4);
    assert_int_equal(count(o.s, "<polyline"), 4);
    assert_int_equal(count(o.s, "<circle"), 1);
    int want[4] = {10, 9, 6, 8}, first[4] = {0, 11, 23, 32};
    double xy[2 * N];
    for (int k = 0; k < 4; k++) {
        int n = polyline_points(o.s, k, xy, N);
        assert_int_equal(n, want[k]);
        assert_in_box(xy, n);
        for (int i = 0; i < n; i++) { /* closed form: max at the top, min at the bottom */
            double val = v[first[k] + i];
            assert_close(xy[2 * i], SERIES_PLOT_X0 + (first[k] + i + 0.5) * W_ROW(N), 0.051);
            assert_close(xy[2 * i + 1],
                         SERIES_PLOT_Y1 - (val + 2) / 6 * (SERIES_PLOT_Y1 - SERIES_PLOT_Y0), 0.051);
        }
    }
    assert_close(attr_of(o.s, "<circle", "cx"), SERIES_PLOT_X0 + 30.5 * W_ROW(N), 0.051);
    /* bands and the change point sit on row boundaries */
    assert_close(attr_of(o.s, "<line class=\"change\"", "x1"), SERIES_PLOT_X0 + 25 * W_ROW(N),
                 0.051);
    assert_close(attr_of(o.s, "<rect class=\"band ref\"", "x"), SERIES_PLOT_X0, 0.051);
    assert_close(attr_of(o.s, "<rect class=\"band ref\"", "width"), 25 * W_ROW(N), 0.051);
    assert_close(attr_of(o.s, "<rect class=\"band inc\"", "width"), 15 * W_ROW(N), 0.051);
    assert_non_null(strstr(o.s, ">00:00:25</text>")); /* the change point's time */
    free(o.s);
}

static void test_all_missing_series_says_so_without_a_line(void **st)
{
    (void)st;
    double v[20];
    for (int i = 0; i < 20; i++) v[i] = NAN;
    struct series_plot p = {
        .title = "q.depth", .v = v, .n = 20, .bucket_ns = 1, .change_row = 10, .inc_end = 20};
    struct prom_text o = {0};
    assert_int_equal(series_plot_svg(&o, &p), 0);
    assert_int_equal(count(o.s, "<polyline"), 0);
    assert_int_equal(count(o.s, "<circle"), 0);
    assert_non_null(strstr(o.s, "no values in this window"));
    assert_int_equal(count(o.s, "class=\"change\""), 1);
    free(o.s);
}

static void test_names_are_escaped(void **st)
{
    (void)st;
    double v[3] = {1, 2, 3};
    struct series_plot p = {.title = "a<b>&\"c'",
                            .subtitle = "<i>",
                            .v = v,
                            .n = 3,
                            .bucket_ns = 1,
                            .change_row = 1,
                            .inc_end = 3};
    struct prom_text o = {0};
    series_plot_svg(&o, &p);
    assert_null(strstr(o.s, "<b>"));
    assert_null(strstr(o.s, "<i>"));
    assert_non_null(strstr(o.s, "a&lt;b&gt;&amp;&quot;c&#39;"));
    free(o.s);
}

static double grid_value(void *ctx, int row, int col)
{
    const double *X = ctx;
    return X[row * 3 + col];
}

static void test_series_window_keeps_bounded_rows_around_the_change(void **st)
{
    (void)st;
    enum { R = 1000 };
    double *X = malloc(sizeof(double) * R * 3);
    int64_t t[R];
    for (int r = 0; r < R; r++) {
        t[r] = 5000 + (int64_t)r * 10;
        X[r * 3 + 0] = 1.0 + r * 1e-3 + 1.234567e-7; /* rounded to 5 digits of its range */
        X[r * 3 + 1] = r % 5 == 0 ? NAN : 3;
        X[r * 3 + 2] = -1;
    }
    struct series_window_pick pk[6] = {{0, "kpi", "kpi", 0}, {1, "a", "cause", 1},
                                       {2, "b", "cause", 2}, {2, "c", "cause", 3},
                                       {2, "d", "cause", 4}, {2, "e", "cause", 5}};
    /* a long reference, a short incident: all incident rows, the reference fills the rest */
    json_t *o = series_window_json(grid_value, X, t, R, 10, 0, 900, R, pk, 6);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "rows")), SERIES_WINDOW_MAX_ROWS);
    int before = SERIES_WINDOW_MAX_ROWS - 100, lo = 900 - before;
    assert_int_equal(json_integer_value(json_object_get(o, "change_row")), before);
    assert_int_equal(json_integer_value(json_object_get(o, "start_ns")), t[lo]);
    assert_int_equal(json_integer_value(json_object_get(o, "bucket_ns")), 10);
    assert_null(json_object_get(o, "times_ns")); /* evenly spaced */
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "reference"), 1)),
                     before);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "incident"), 1)),
                     SERIES_WINDOW_MAX_ROWS);
    json_t *series = json_object_get(o, "series");
    assert_int_equal(json_array_size(series), SERIES_WINDOW_MAX_SERIES);
    json_t *kv = json_object_get(json_array_get(series, 0), "values"),
           *av = json_object_get(json_array_get(series, 1), "values");
    assert_int_equal(json_array_size(kv), SERIES_WINDOW_MAX_ROWS);
    for (int i = 0; i < SERIES_WINDOW_MAX_ROWS; i++) {
        /* range about 0.24: 5 digits of it is 1e-5 */
        assert_close(json_real_value(json_array_get(kv, i)), 1.0 + (lo + i) * 1e-3, 5e-6 + 1e-12);
        assert_true(json_is_null(json_array_get(av, i)) == ((lo + i) % 5 == 0));
    }
    assert_int_equal(json_integer_value(json_object_get(json_array_get(series, 1), "rank")), 1);
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
    assert_true(strlen(text) < 8000); /* small enough to travel with every alert */
    free(text);
    /* the plot of it: one per series, the gaps of series a break its line at every 5th row */
    struct prom_text svg = {0};
    assert_int_equal(series_plot_window(&svg, o), SERIES_WINDOW_MAX_SERIES);
    assert_int_equal(count(svg.s, "<svg class=\"series-plot\""), SERIES_WINDOW_MAX_SERIES);
    assert_int_equal(count(svg.s, "class=\"change\""), SERIES_WINDOW_MAX_SERIES);
    assert_non_null(strstr(svg.s, "(root cause 1)"));
    free(svg.s);
    json_decref(o);
    /* uneven times are listed; a short window is kept whole; bad ranges give NULL */
    t[3] += 1;
    o = series_window_json(grid_value, X, t, 50, 10, 5, 10, 50, pk, 1);
    assert_int_equal(json_integer_value(json_object_get(o, "rows")), 50);
    assert_int_equal(json_array_size(json_object_get(o, "times_ns")), 50);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "reference"), 0)), 5);
    json_decref(o);
    assert_null(series_window_json(grid_value, X, t, 50, 10, 0, 50, 50, pk, 1));
    assert_null(series_window_json(grid_value, X, t, 50, 10, 20, 10, 50, pk, 1));
    free(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_series_is_a_flat_line_inside_the_box),
        cmocka_unit_test(test_gaps_break_the_line_and_a_lone_value_is_a_dot),
        cmocka_unit_test(test_all_missing_series_says_so_without_a_line),
        cmocka_unit_test(test_names_are_escaped),
        cmocka_unit_test(test_series_window_keeps_bounded_rows_around_the_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
