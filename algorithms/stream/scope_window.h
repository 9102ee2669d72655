/*
 * scope_window.h - a scope's sliding window: the last `window` aligned rows of its series, in a
 * ring buffer. Columns are added as series appear (earlier rows read as NaN for them). Memory
 * is window x max_series doubles, fixed at creation. One owner thread; a snapshot copies the
 * window out for a worker.
 */
#ifndef CAUSALMON_SCOPE_WINDOW_H
#define CAUSALMON_SCOPE_WINDOW_H

#include <stdint.h>

struct scope_window;

/* Returns NULL if window < 1 or max_series < 1. */
struct scope_window *scope_window_new(int window, int max_series);
void scope_window_free(struct scope_window *w);

/* Adds a column (NaN in every stored row). Returns its index, or -1 at max_series. */
int scope_window_add_column(struct scope_window *w);
/* Appends a row: vals[0..ncols) (NaN = missing), dropping the oldest row when full. */
void scope_window_push(struct scope_window *w, int64_t t_ns, const double *vals);

int scope_window_rows(const struct scope_window *w);
int scope_window_ncols(const struct scope_window *w);
/* The time of the newest row, or INT64_MIN when empty. */
int64_t scope_window_last_time(const struct scope_window *w);

/* Copies the rows, oldest first, into out[rows x ncols] (row-major). */
void scope_window_snapshot(const struct scope_window *w, double *out);
/* The times of the rows, oldest first, into out[rows]. */
void scope_window_times(const struct scope_window *w, int64_t *out);
/* The value of column col in row row (0 = oldest), NaN when missing or out of range. */
double scope_window_value(const struct scope_window *w, int row, int col);

#endif
