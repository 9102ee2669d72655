/* CSV reading and timestamp parsing: good input, and errors that name line and column. */
#include "test_util.h"

#include "csv_table.h"
#include "timestamp.h"

#include <stdio.h>
#include <string.h>

static struct csv_table *read_text(const char *text, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    assert_non_null(f);
    struct csv_table *t = csv_table_read_stream(f, "in.csv", err, errlen);
    fclose(f);
    return t;
}

static void test_reads_time_column_quotes_and_missing_cells(void **state)
{
    (void)state;
    char err[256] = "";
    struct csv_table *t = read_text("Time, a ,\"b,c\",d\r\n"
                                    "1700000000,1.5,,NaN\n"
                                    "\n"
                                    "1700000001000,-2e3,\"7\",4\n"
                                    "2023-11-14T22:13:22Z,0,1,2\n",
                                    err, sizeof err);
    if (!t) fail_msg("%s", err);
    assert_int_equal(t->ncols, 3);
    assert_int_equal(t->rows, 3);
    assert_string_equal(t->time_name, "Time");
    assert_string_equal(t->names[0], "a");
    assert_string_equal(t->names[1], "b,c");
    assert_close(t->times[0], 1700000000.0, 0);
    assert_close(t->times[1], 1700000001.0, 0); /* milliseconds */
    assert_close(t->times[2], 1700000002.0, 0);
    assert_close(t->values[0], 1.5, 0);
    assert_true(isnan(t->values[1]));
    assert_true(isnan(t->values[2]));
    assert_close(t->values[3], -2000.0, 0);
    assert_close(t->values[4], 7.0, 0);
    csv_table_free(t);
}

/* Files written on classic Mac OS end lines in a lone CR. */
static void test_reads_cr_only_line_endings(void **state)
{
    (void)state;
    char err[256] = "";
    struct csv_table *t = read_text("time,a,b\r1,1.5,2\r2,3,4\r\r3,5,6", err, sizeof err);
    if (!t) fail_msg("%s", err);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->rows, 3);
    assert_string_equal(t->time_name, "time");
    assert_close(t->values[5], 6.0, 0);
    assert_close(t->times[2], 3.0, 0);
    csv_table_free(t);
}

/* A UTF-8 byte order mark is not part of the first column's name, so `time` is recognised. */
static void test_byte_order_mark_is_skipped_and_time_column_recognised(void **state)
{
    (void)state;
    char err[256] = "";
    struct csv_table *t = read_text("\xEF\xBB\xBFtime,a\r\n1,2\r\n2,3\r\n", err, sizeof err);
    if (!t) fail_msg("%s", err);
    assert_string_equal(t->time_name, "time");
    assert_int_equal(t->ncols, 1);
    assert_string_equal(t->names[0], "a");
    assert_int_equal(t->rows, 2);
    csv_table_free(t);
    t = read_text("\xEF\xBB\xBFx,y\n1,2\n", err, sizeof err);
    if (!t) fail_msg("%s", err);
    assert_null(t->time_name);
    assert_string_equal(t->names[0], "x");
    csv_table_free(t);
}

/* NA (pandas' and R's missing value) is a missing cell; other words are still errors. */
static void test_na_cells_are_missing(void **state)
{
    (void)state;
    char err[256] = "";
    struct csv_table *t = read_text("a,b\nNA,1\n2,\"NA\"\n", err, sizeof err);
    if (!t) fail_msg("%s", err);
    assert_true(isnan(t->values[0]));
    assert_close(t->values[1], 1.0, 0);
    assert_true(isnan(t->values[3]));
    csv_table_free(t);
    assert_null(read_text("a,b\nNAN?,1\n", err, sizeof err));
    assert_non_null(strstr(err, "in.csv:2:1: column 'a'"));
}

static void test_without_time_column_every_column_is_data(void **state)
{
    (void)state;
    char err[256];
    struct csv_table *t = read_text("x,y\n1,2\n3,4\n", err, sizeof err);
    assert_non_null(t);
    assert_null(t->times);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->rows, 2);
    csv_table_free(t);
}

static void expect_error(const char *text, const char *needle)
{
    char err[256] = "";
    struct csv_table *t = read_text(text, err, sizeof err);
    if (t) fail_msg("accepted input that should fail with '%s'", needle);
    if (!strstr(err, needle)) fail_msg("message '%s' lacks '%s'", err, needle);
}

static void test_errors_name_line_column_and_reason(void **state)
{
    (void)state;
    expect_error("", "in.csv: empty file");
    expect_error("a,b\n1,2\n3,x7\n", "in.csv:3:3: column 'b': 'x7' is not a number");
    expect_error("a,b\n1,2\n3\n", "in.csv:3:2: expected 2 fields as in the header, found 1");
    expect_error("a,b\n1,2,3\n", "in.csv:2:5: expected 2 fields");
    expect_error("a,b\n1,inf\n", "in.csv:2:3: column 'b': 'inf' is not finite");
    expect_error("a,a\n", "in.csv:1:3: duplicate column name 'a'");
    expect_error("a,,b\n", "in.csv:1:3: empty column name");
    expect_error("a,\"b\n", "in.csv:1:3: unterminated quoted field");
    expect_error("time,a\n5,1\n5,2\n", "in.csv:3:1: column 'time': time 5 is not after");
    expect_error("time,a\nyesterday,1\n", "in.csv:2:1: column 'time':");
    expect_error("time\n1\n", "in.csv:1: header has no data column");
}

static void test_column_limit_is_enforced(void **state)
{
    (void)state;
    static char header[8 * (CSV_MAX_COLUMNS + 2)];
    size_t at = 0;
    for (int c = 0; c <= CSV_MAX_COLUMNS; c++) at += (size_t)sprintf(header + at, "c%d,", c);
    header[at - 1] = '\n';
    expect_error(header, "1001 data columns exceed the limit of 1000");
}

static void test_timestamps_in_all_forms(void **state)
{
    (void)state;
    char err[128];
    double v;
    const struct {
        const char *s;
        double want;
    } ok[] = {
        {"0", 0},
        {"1700000000.25", 1700000000.25},
        {"1700000000250", 1700000000.25},
        {"1970-01-01T00:00:00Z", 0},
        {"2000-02-29T12:00:00.5Z", 951825600.5},
        {"2026-01-01T10:00:00+02:00", 1767254400.0},
        {"2026-01-01 08:00:00z", 1767254400.0},
    };
    for (size_t a = 0; a < sizeof ok / sizeof ok[0]; a++) {
        if (timestamp_parse(ok[a].s, strlen(ok[a].s), &v, err, sizeof err) != 0)
            fail_msg("%s: %s", ok[a].s, err);
        assert_close(v, ok[a].want, 1e-6);
    }
    const char *bad[] = {"",      "2026-13-01T00:00:00Z",     "2026-01-01T00:00:00",
                         "12abc", "2026-01-01T00:00:00+2:00", "1e30"};
    for (size_t a = 0; a < sizeof bad / sizeof bad[0]; a++)
        assert_int_equal(timestamp_parse(bad[a], strlen(bad[a]), &v, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_time_column_quotes_and_missing_cells),
        cmocka_unit_test(test_without_time_column_every_column_is_data),
        cmocka_unit_test(test_reads_cr_only_line_endings),
        cmocka_unit_test(test_byte_order_mark_is_skipped_and_time_column_recognised),
        cmocka_unit_test(test_na_cells_are_missing),
        cmocka_unit_test(test_errors_name_line_column_and_reason),
        cmocka_unit_test(test_column_limit_is_enforced),
        cmocka_unit_test(test_timestamps_in_all_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
