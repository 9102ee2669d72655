#include "scope_window.h"

#include "xalloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct scope_window {
    int window, max_series, ncols, rows, head; /* head: slot of the next row */
    double *ring;                              /* [window x max_series] */
    int64_t *t;                                /* [window] row times */
    int64_t last;
};

struct scope_window *scope_window_new(int window, int max_series)
{
    if (window < 1 || max_series < 1) return NULL;
    struct scope_window *w = xcalloc(1, sizeof *w);
    w->window = window;
    w->max_series = max_series;
    w->ring = xmallocarray((size_t)window * (size_t)max_series, sizeof(double));
    w->t = xmallocarray((size_t)window, sizeof(int64_t));
    w->last = INT64_MIN;
    return w;
}

void scope_window_free(struct scope_window *w)
{
    if (!w) return;
    free(w->ring);
    free(w->t);
    free(w);
}

int scope_window_add_column(struct scope_window *w)
{
    if (w->ncols == w->max_series) return -1;
    for (int r = 0; r < w->window; r++)
        w->ring[(size_t)r * (size_t)w->max_series + (size_t)w->ncols] = NAN;
    return w->ncols++;
}

void scope_window_push(struct scope_window *w, int64_t t_ns, const double *vals)
{
    memcpy(w->ring + (size_t)w->head * (size_t)w->max_series, vals,
           (size_t)w->ncols * sizeof(double));
    w->t[w->head] = t_ns;
    w->head = (w->head + 1) % w->window;
    if (w->rows < w->window) w->rows++;
    w->last = t_ns;
}

int scope_window_rows(const struct scope_window *w)
{
    return w->rows;
}

int scope_window_ncols(const struct scope_window *w)
{
    return w->ncols;
}

int64_t scope_window_last_time(const struct scope_window *w)
{
    return w->last;
}

void scope_window_snapshot(const struct scope_window *w, double *out)
{
    int first = (w->head - w->rows + w->window) % w->window;
    for (int r = 0; r < w->rows; r++) {
        const double *src = w->ring + (size_t)((first + r) % w->window) * (size_t)w->max_series;
        memcpy(out + (size_t)r * (size_t)w->ncols, src, (size_t)w->ncols * sizeof(double));
    }
}

void scope_window_times(const struct scope_window *w, int64_t *out)
{
    int first = (w->head - w->rows + w->window) % w->window;
    for (int r = 0; r < w->rows; r++) out[r] = w->t[(first + r) % w->window];
}

double scope_window_value(const struct scope_window *w, int row, int col)
{
    if (row < 0 || row >= w->rows || col < 0 || col >= w->ncols) return NAN;
    int first = (w->head - w->rows + w->window) % w->window;
    return w->ring[(size_t)((first + row) % w->window) * (size_t)w->max_series + (size_t)col];
}
