/* What a checkpoint holds: a daemon's scope windows, series names and where the aligner's
 * closed buckets end come back after a restart exactly as they were; a corrupt checkpoint is
 * ignored and the scope starts empty. */
#include "daemon_fixture.h"

#include "checkpoint.h"

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

static void test_restart_restores_windows_names_and_aligner(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_init(&fx, 150);
    char extra[200];
    snprintf(extra, sizeof extra, "    path: %s/data.lp\n", fx.dir);
    fixture_config(&fx, "file", extra);
    fixture_start(&fx);
    fixture_read_all(&fx);
    struct window_copy before;
    copy_window(fx.d.scopes[0], &before);
    int64_t closed = aligner_closed_before(fx.d.al);
    assert_int_equal(before.rows, 150);
    assert_int_equal(before.ncols, 3);
    assert_int_equal(checkpoint_save(&fx.d), 0);
    assert_int_equal(fx.d.ckpt_written, 1);
    fixture_stop(&fx);

    /* the same configuration again, without reading: everything comes from the checkpoint */
    fixture_start(&fx);
    struct window_copy after;
    copy_window(fx.d.scopes[0], &after);
    assert_int_equal(after.rows, before.rows);
    assert_int_equal(after.ncols, before.ncols);
    for (int c = 0; c < after.ncols; c++) assert_string_equal(after.names[c], before.names[c]);
    for (int r = 0; r < after.rows; r++) assert_true(after.t[r] == before.t[r]);
    for (int k = 0; k < after.rows * after.ncols; k++) {
        if (isnan(before.x[k]))
            assert_true(isnan(after.x[k]));
        else
            assert_close(after.x[k], before.x[k], 0);
    }
    assert_true(aligner_closed_before(fx.d.al) == closed);
    fixture_stop(&fx);
    free(before.x);
    free(before.t);
    free(after.x);
    free(after.t);
    fixture_clean(&fx);
}

static void test_corrupt_checkpoint_is_ignored(void **state)
{
    (void)state;
    struct fixture fx;
    fixture_init(&fx, 60);
    char extra[200], path[200];
    snprintf(extra, sizeof extra, "    path: %s/data.lp\n", fx.dir);
    fixture_config(&fx, "file", extra);
    fixture_start(&fx);
    fixture_read_all(&fx);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_restores_windows_names_and_aligner),
        cmocka_unit_test(test_corrupt_checkpoint_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
