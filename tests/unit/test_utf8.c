/* UTF-8 validation and character-safe truncation (names, tags, streams, templates). */
#include "test_util.h"

#include "utf8.h"

#include <string.h>

static void test_valid_and_invalid_sequences_are_told_apart(void **state)
{
    (void)state;
    const char *good[] = {"",
                          "cpu",
                          "caf\xc3\xa9",
                          "\xe2\x82\xac",
                          "\xf0\x9f\x98\x80",
                          "\xed\x9f\xbf",
                          "\xf4\x8f\xbf\xbf"};
    for (size_t a = 0; a < sizeof good / sizeof *good; a++)
        assert_true(utf8_valid(good[a], strlen(good[a])));
    const char *bad[] = {"\xff",
                         "\xc3",
                         "\xc0\xaf" /* overlong */,
                         "\xe0\x80\xaf",
                         "\xed\xa0\x80" /* surrogate */,
                         "\xf4\x90\x80\x80",
                         "a\x80",
                         "\xe2\x82"};
    for (size_t a = 0; a < sizeof bad / sizeof *bad; a++)
        assert_false(utf8_valid(bad[a], strlen(bad[a])));
    assert_false(utf8_valid("a\0b", 3)); /* NUL inside a name */
}

static void test_a_cut_never_splits_a_character(void **state)
{
    (void)state;
    const char *s = "ab\xe2\x82\xac\xf0\x9f\x98\x80"; /* a b EUR emoji: 2 + 3 + 4 bytes */
    size_t n = strlen(s);
    size_t want[] = {0, 1, 2, 2, 2, 5, 5, 5, 5, 9};
    for (size_t max = 0; max <= n; max++) {
        size_t k = utf8_cut(s, n, max);
        assert_int_equal(k, want[max]);
        assert_true(utf8_valid(s, k));
    }
}

static void test_copy_is_always_valid_and_bounded(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(utf8_copy(out, sizeof out, "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"), 6);
    assert_string_equal(out, "\xe2\x82\xac\xe2\x82\xac"); /* the third would not fit */
    assert_int_equal(utf8_copy(out, sizeof out, "a\xffz"), 3);
    assert_string_equal(out, "a?z");
    assert_int_equal(utf8_copy(out, sizeof out, NULL), 0);
    assert_string_equal(out, "");
    char big[64];
    for (int a = 0; a < 200; a++) { /* random bytes: the copy is valid UTF-8 every time */
        char in[40];
        for (int k = 0; k < 39; k++) in[k] = (char)(1 + (a * 131 + k * 71) % 255);
        in[39] = '\0';
        size_t n = utf8_copy(big, 20, in);
        assert_true(n < 20);
        assert_true(utf8_valid(big, n));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_invalid_sequences_are_told_apart),
        cmocka_unit_test(test_a_cut_never_splits_a_character),
        cmocka_unit_test(test_copy_is_always_valid_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
