/* Doubles as base64 text (a checkpoint's scope windows): exact round trips of every kind of
 * value, the RFC 4648 text an independent encoder gives, and refusal of malformed text. */
#include "test_util.h"

#include "base64_f64.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

static void test_encoding_matches_rfc4648_of_the_little_endian_bytes(void **state)
{
    (void)state;
    /* expected strings from a separate encoder over struct.pack('<d...') of the same values:
     * 8, 16 and 24 bytes end with one '=', two '=' and none */
    double v[3] = {1.0, -2.5, 1e-310};
    const char *want[3] = {
        "AAAAAAAA8D8=", "AAAAAAAA8D8AAAAAAAAEwA==", "AAAAAAAA8D8AAAAAAAAEwCvmcItoEgAA"};
    for (size_t n = 1; n <= 3; n++) {
        char *t = base64_f64_encode(v, n);
        assert_string_equal(t, want[n - 1]);
        free(t);
    }
    char *empty = base64_f64_encode(v, 0);
    assert_string_equal(empty, "");
    free(empty);
}

static void test_every_value_round_trips_bit_for_bit(void **state)
{
    (void)state;
    double v[] = {0.0,     -0.0,     1.0,    -1.0, M_PI,     1e308,     -DBL_MAX,
                  DBL_MIN, 4.9e-324, 1e-310, NAN,  INFINITY, -INFINITY, 123456789.123456789,
                  0.1};
    size_t n = sizeof v / sizeof *v;
    for (size_t m = 0; m <= n; m++) { /* every length, so every padding */
        char *t = base64_f64_encode(v, m);
        assert_int_equal(strlen(t), (m * 8 + 2) / 3 * 4);
        double back[sizeof v / sizeof *v];
        assert_int_equal(base64_f64_decode(t, strlen(t), back, m), 0);
        assert_memory_equal(back, v, m * sizeof(double));
        free(t);
    }
}

static void test_malformed_text_is_refused(void **state)
{
    (void)state;
    double v[2] = {1.0, -2.5}, out[2];
    char *t = base64_f64_encode(v, 2); /* "AAAAAAAA8D8AAAAAAAAEwA==" */
    size_t len = strlen(t);
    assert_int_equal(base64_f64_decode(t, len, out, 2), 0);
    assert_int_equal(base64_f64_decode(t, len, out, 1), -1);     /* more text than values */
    assert_int_equal(base64_f64_decode(t, len, out, 3), -1);     /* fewer */
    assert_int_equal(base64_f64_decode(t, len - 4, out, 2), -1); /* truncated */
    char bad[64];
    memcpy(bad, t, len + 1);
    bad[3] = '*'; /* outside the alphabet */
    assert_int_equal(base64_f64_decode(bad, len, out, 2), -1);
    memcpy(bad, t, len + 1);
    bad[len - 1] = 'A'; /* padding replaced by data */
    assert_int_equal(base64_f64_decode(bad, len, out, 2), -1);
    memcpy(bad, t, len + 1);
    bad[len - 3] = 'B'; /* "wA==" -> "wB==": bits past the last byte are not 0 */
    assert_int_equal(base64_f64_decode(bad, len, out, 2), -1);
    assert_int_equal(base64_f64_decode("AAAAAAAA8D8=", 12, out, 1), 0);
    assert_int_equal(base64_f64_decode("AAAAAAAA8D9=", 12, out, 1), -1); /* one '=' too */
    memcpy(bad, t, len + 1);
    bad[5] = '='; /* padding inside the text */
    assert_int_equal(base64_f64_decode(bad, len, out, 2), -1);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoding_matches_rfc4648_of_the_little_endian_bytes),
        cmocka_unit_test(test_every_value_round_trips_bit_for_bit),
        cmocka_unit_test(test_malformed_text_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
