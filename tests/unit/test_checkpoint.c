/* What a checkpoint holds: a daemon's scope windows, series names and where the aligner's
 * closed buckets end come back after a restart exactly as they were; a corrupt checkpoint is
 * ignored and the scope starts empty; a checkpoint of the previous version still restores. */
#include "daemon_fixture.h"

#include "base64_f64.h"
#include "checkpoint.h"

#include <inttypes.h>
#include <unistd.h>

struct window_copy {
    int rows, ncols;
    double *x;
    int64_t *t;
    char names[8][128];
};

static void copy_window(struct scope *s, struct window_copy *w)
{
    w->rows = scope_window_rows(s->win);
    w->ncols = scope_window_ncols(s->win);
    w->x = malloc(sizeof(double) * (size_t)(w->rows * w->ncols + 1));
    w->t = malloc(sizeof(int64_t) * (size_t)(w->rows + 1));
    scope_window_snapshot(s->win, w->x);
    scope_window_times(s->win, w->t);
    for (int c = 0; c < w->ncols && c < 8; c++) snprintf(w->names[c], 128, "%s", s->names[c]);
}

/* The restored window equals the saved one: shape, names, times and every value (missing
 * stays missing); then frees both copies. */
static void assert_same_window_and_free(struct window_copy *before, struct window_copy *after)
{
    assert_int_equal(after->rows, before->rows);
    assert_int_equal(after->ncols, before->ncols);
    for (int c = 0; c < after->ncols && c < 8; c++)
        assert_string_equal(after->names[c], before->names[c]);
    for (int r = 0; r < after->rows; r++) assert_true(after->t[r] == before->t[r]);
    for (int k = 0; k < after->rows * after->ncols; k++) {
        if (isnan(before->x[k]))
            assert_true(isnan(after->x[k]));
        else
            assert_close(after->x[k], before->x[k], 0);
    }
    free(before->x);
    free(before->t);
    free(after->x);
    free(after->t);
}

/* A daemon on a file input of `rows` rows, every row read and its buckets closed. */
static void start_and_read(struct fixture *fx, int rows)
{
    char extra[200];
    fixture_init(fx, rows);
    snprintf(extra, sizeof extra, "    path: %s/data.lp\n", fx->dir);
    fixture_config(fx, "file", extra);
    fixture_start(fx);
    fixture_read_all(fx);
}

/* Starts fx again (everything comes from the checkpoint) and asserts its first scope's window
 * equals before (freed); the caller stops fx. */
static void restart_and_assert_same_window(struct fixture *fx, struct window_copy *before)
{
    fixture_start(fx);
    struct window_copy after;
    copy_window(fx->d.scopes[0], &after);
    assert_same_window_and_free(before, &after);
}

static void test_restart_restores_windows_names_and_aligner(void **state)
{
    (void)state;
    struct fixture fx;
    start_and_read(&fx, 150);
    struct window_copy before;
    copy_window(fx.d.scopes[0], &before);
    int64_t closed = aligner_closed_before(fx.d.al);
    assert_int_equal(before.rows, 150);
    assert_int_equal(before.ncols, 3);
    assert_int_equal(checkpoint_save(&fx.d), 0);
    assert_int_equal(fx.d.ckpt_written, 1);
    fixture_stop(&fx);

    /* the same configuration again, without reading: everything comes from the checkpoint */
    restart_and_assert_same_window(&fx, &before);
    assert_true(aligner_closed_before(fx.d.al) == closed);
    fixture_stop(&fx);
    fixture_clean(&fx);
}

static void test_corrupt_checkpoint_is_ignored(void **state)
{
    (void)state;
    struct fixture fx;
    char path[200];
    start_and_read(&fx, 60);
    assert_int_equal(checkpoint_save(&fx.d), 0);
    fixture_stop(&fx);
    snprintf(path, sizeof path, "%s/state/" CHECKPOINT_FILE, fx.dir);
    FILE *f = fopen(path, "r+b"); /* flip a byte of the document: the checksum no longer holds */
    assert_non_null(f);
    fseek(f, -5, SEEK_END);
    int ch = fgetc(f);
    fseek(f, -5, SEEK_END);
    fputc(ch ^ 1, f);
    fclose(f);
    fixture_start(&fx);
    assert_int_equal(scope_window_rows(fx.d.scopes[0]->win), 0);
    assert_true(aligner_closed_before(fx.d.al) == INT64_MIN);
    fixture_stop(&fx);
    fixture_clean(&fx);
}

/* A checkpoint of the previous version (each row a JSON array of numbers and nulls) written by
 * an older build: the windows come back the same. */
static void test_a_version_2_checkpoint_still_restores(void **state)
{
    (void)state;
    struct fixture fx;
    char err[256];
    start_and_read(&fx, 80);
    struct window_copy before;
    copy_window(fx.d.scopes[0], &before);
    assert_int_equal(checkpoint_save(&fx.d), 0);
    fixture_stop(&fx);

    char dir[200];
    snprintf(dir, sizeof dir, "%s/state", fx.dir);
    json_t *j = checkpoint_read(dir, err, sizeof err);
    assert_non_null(j);
    json_t *sc = json_array_get(json_object_get(j, "scopes"), 0);
    size_t nrow = json_array_size(json_object_get(sc, "times"));
    size_t ncol = json_array_size(json_object_get(sc, "columns"));
    assert_int_equal(nrow, 80);
    json_t *data = json_object_get(sc, "data");
    double *x = malloc(sizeof(double) * nrow * ncol);
    assert_int_equal(
        base64_f64_decode(json_string_value(data), json_string_length(data), x, nrow * ncol), 0);
    json_t *rows = json_array();
    for (size_t r = 0; r < nrow; r++) {
        json_t *row = json_array();
        for (size_t c = 0; c < ncol; c++) {
            double v = x[r * ncol + c];
            json_array_append_new(row, isfinite(v) ? json_real(v) : json_null());
        }
        json_array_append_new(rows, row);
    }
    free(x);
    json_object_del(sc, "data");
    json_object_set_new(sc, "rows", rows);
    json_object_set_new(j, "version", json_integer(2));
    char *body = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(j);
    char path[300];
    snprintf(path, sizeof path, "%s/" CHECKPOINT_FILE, dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "causalmon-checkpoint 2 %zu %016" PRIx64 "\n", strlen(body),
            checkpoint_checksum(body, strlen(body)));
    fputs(body, f);
    fclose(f);
    free(body);

    restart_and_assert_same_window(&fx, &before);
    fixture_stop(&fx);
    fixture_clean(&fx);
}

/* The timer's checkpoint is composed on the loop and written on a thread of its own: it is
 * counted only once written (a later tick), a checkpoint_save meanwhile waits for it, and what
 * it wrote restores. */
static void test_a_periodic_checkpoint_is_written_off_the_loop(void **state)
{
    (void)state;
    struct fixture fx;
    start_and_read(&fx, 120);
    struct window_copy before;
    copy_window(fx.d.scopes[0], &before);
    fx.d.last_checkpoint = daemon_mono() - 1e6; /* due */
    checkpoint_tick(&fx.d);
    assert_non_null(fx.d.ckpt_batch);       /* in flight */
    assert_int_equal(fx.d.ckpt_written, 0); /* not counted before a tick sees it written */
    for (int k = 0; k < 1000 && fx.d.ckpt_batch; k++) {
        usleep(10000);
        checkpoint_tick(&fx.d); /* not due again: only collects the finished write */
    }
    assert_null(fx.d.ckpt_batch);
    assert_int_equal(fx.d.ckpt_written, 1);
    assert_int_equal(fx.d.ckpt_ok, 1);
    assert_true(fx.d.ckpt_seconds >= 0);

    fx.d.last_checkpoint = daemon_mono() - 1e6;
    checkpoint_tick(&fx.d);
    assert_non_null(fx.d.ckpt_batch);
    assert_int_equal(checkpoint_save(&fx.d), 0); /* the one in flight, then this one */
    assert_null(fx.d.ckpt_batch);
    assert_int_equal(fx.d.ckpt_written, 3);
    fixture_stop(&fx);

    restart_and_assert_same_window(&fx, &before);
    fixture_stop(&fx);
    fixture_clean(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_restores_windows_names_and_aligner),
        cmocka_unit_test(test_corrupt_checkpoint_is_ignored),
        cmocka_unit_test(test_a_version_2_checkpoint_still_restores),
        cmocka_unit_test(test_a_periodic_checkpoint_is_written_off_the_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
