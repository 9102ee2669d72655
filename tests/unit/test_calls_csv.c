/* A service map's edge list read for `rca --calls` (calls_csv.h): header columns by name, BOM,
 * CRLF, quotes, comments, glob characters kept literal, and errors that name the line. */
#include "calls_csv.h"
#include "test_tmpdir.h"
#include "test_util.h"

#include <fnmatch.h>
#include <string.h>

/* Writes text to tmpdir/name and returns the path (static buffer). */
static const char *put_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static struct scope_conf sc; /* large: not on the stack */

static void test_columns_by_name_bom_crlf_quotes_and_comments(void **state)
{
    (void)state;
    char err[256];
    const char *p = put_file("map.csv", "\xEF\xBB\xBF# exported service map\r\n"
                                        "Weight, Target ,SOURCE\r\n"
                                        "1,cart,frontend\r\n"
                                        "\r\n"
                                        "# a comment line\r\n"
                                        "1,\"pay ment\",\"checkout\"\r\n");
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), 0);
    assert_int_equal(sc.ncalls, 2);
    assert_string_equal(sc.calls[0], "frontend -> cart");
    assert_string_equal(sc.calls[1], "checkout -> pay ment");
}

static void test_glob_characters_in_names_stay_literal(void **state)
{
    (void)state;
    char err[256];
    const char *p = put_file("glob.csv", "caller,callee\nweb*,db[1]\n");
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), 0);
    assert_int_equal(sc.ncalls, 1);
    assert_string_equal(sc.calls[0], "web\\* -> db\\[1\\]");
    /* the escaped caller matches only itself as a glob */
    assert_int_equal(fnmatch("web\\*", "web*", 0), 0);
    assert_int_not_equal(fnmatch("web\\*", "webshop", 0), 0);
}

static void test_errors_name_the_file_and_line(void **state)
{
    (void)state;
    char err[256];
    const char *p = put_file("nohead.csv", "from,to\na,b\n");
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "nohead.csv:1: the header names no caller column"));
    p = put_file("empty.csv", "caller,callee\r\na,b\r\n a , \r\n");
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty.csv:3: empty callee"));
    p = put_file("arrow.csv", "caller,callee\na->b,c\n");
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "arrow.csv:2: a name contains"));
    p = put_file("none.csv", "# nothing\n\n");
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "no header line"));
    /* a line longer than the reader's buffer, ending in CRLF: refused, not split in two */
    char *big = malloc(5000);
    strcpy(big, "caller,callee\r\n");
    size_t at = strlen(big);
    memset(big + at, 'x', 4093 - 1);
    strcpy(big + at + 4092, ",y\r\n");
    p = put_file("long.csv", big);
    free(big);
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "long.csv:2: line longer than"));
    char many[CONF_MAX_CALLS * 8 + 64];
    at = (size_t)snprintf(many, sizeof many, "caller,callee\n");
    for (int k = 0; k <= CONF_MAX_CALLS; k++)
        at += (size_t)snprintf(many + at, sizeof many - at, "a,b%d\n", k);
    p = put_file("many.csv", many);
    assert_int_equal(calls_csv_read(p, &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 128 calls"));
    assert_int_equal(calls_csv_read("/nonexistent/x.csv", &sc, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/x.csv: No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_by_name_bom_crlf_quotes_and_comments),
        cmocka_unit_test(test_glob_characters_in_names_stay_literal),
        cmocka_unit_test(test_errors_name_the_file_and_line),
    };
    return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
