/* Drain: templates, determinism, the prefix tree's rules, bounds, and an exact save/restore. */
#include "test_util.h"

#include "drain.h"

#include <stdlib.h>
#include <string.h>

static struct drain *make(int max_clusters)
{
    struct drain_params p;
    drain_params_default(&p);
    p.max_clusters = max_clusters;
    char err[128];
    struct drain *d = drain_new(&p, err, sizeof err);
    assert_non_null(d);
    return d;
}

static int add(struct drain *d, const char *s)
{
    return drain_add(d, s, strlen(s));
}

static const char *LINES[] = {
    "Receiving block blk_1 src: /10.0.0.1:50010 dest: /10.0.0.2:50010",
    "Receiving block blk_2 src: /10.0.0.3:50010 dest: /10.0.0.4:50010",
    "PacketResponder 1 for block blk_1 terminating",
    "PacketResponder 0 for block blk_7 terminating",
    "Connection refused by peer",
    "Receiving block blk_9 src: /10.0.0.5:50010 dest: /10.0.0.6:50010",
    "Connection refused by server",
};

static void test_lines_group_into_templates_with_wildcards(void **state)
{
    (void)state;
    struct drain *d = make(100);
    int ids[7];
    for (int a = 0; a < 7; a++) ids[a] = add(d, LINES[a]);
    assert_int_equal(ids[0], ids[1]);
    assert_int_equal(ids[0], ids[5]);
    assert_int_equal(ids[2], ids[3]);
    assert_int_equal(ids[4], ids[6]); /* same path, 3 of 4 tokens equal >= 0.4 */
    assert_int_not_equal(ids[0], ids[2]);
    /* addresses are masked ("<#>", matching itself); blk_N differs and becomes a wildcard */
    assert_string_equal(drain_template(d, ids[0]), "Receiving block <*> src: <#> dest: <#>");
    assert_string_equal(drain_template(d, ids[2]), "PacketResponder <#> for block <*> terminating");
    assert_string_equal(drain_template(d, ids[4]), "Connection refused by <*>");
    assert_int_equal(drain_nclusters(d), 3);
    /* the first depth - 2 tokens route in the tree: a different second token is another leaf */
    assert_int_not_equal(add(d, "Connection reset by peer"), ids[4]);
    assert_null(drain_template(d, 99));
    drain_free(d);
}

static void test_masking_keeps_keys_brackets_and_punctuation(void **state)
{
    (void)state;
    struct drain *d = make(100);
    int id = add(d, "user=42 took (12.5ms) at 10:42:01, id 0x7fe1 host db1.prod.example.com:5432 "
                    "hash deadbeef99 ok");
    assert_string_equal(drain_template(d, id),
                        "user=<#> took (<#>) at <#>, id <#> host <#> hash <#> ok");
    /* plain Drain (mask 0) keeps every token */
    struct drain_params p;
    drain_params_default(&p);
    p.mask = 0;
    char err[128];
    struct drain *plain = drain_new(&p, err, sizeof err);
    id = add(plain, "user=42 took 5 s");
    assert_string_equal(drain_template(plain, id), "user=42 took 5 s");
    drain_free(plain);
    drain_free(d);
}

static void test_same_input_gives_same_ids_and_different_lengths_never_mix(void **state)
{
    (void)state;
    struct drain *a = make(100), *b = make(100);
    for (int k = 0; k < 7; k++) assert_int_equal(add(a, LINES[k]), add(b, LINES[k]));
    assert_int_not_equal(add(a, "Connection refused"), add(a, "Connection refused by peer"));
    assert_int_equal(add(a, ""), add(a, "   ")); /* empty lines share one cluster */
    drain_free(a);
    drain_free(b);
}

static void test_cluster_cap_counts_overflow(void **state)
{
    (void)state;
    struct drain *d = make(2);
    assert_int_equal(add(d, "alpha beta gamma"), 1);
    assert_int_equal(add(d, "one"), 2);
    assert_int_equal(add(d, "x y"), 0);              /* new template beyond the cap */
    assert_int_equal(add(d, "alpha beta delta"), 1); /* existing clusters still match */
    assert_int_equal(drain_overflow(d), 1);
    drain_free(d);
}

static void test_saved_state_restores_exactly(void **state)
{
    (void)state;
    struct drain *d = make(100);
    for (int a = 0; a < 5; a++) add(d, LINES[a]);
    size_t len;
    char *text = drain_save(d, &len);
    char err[128];
    struct drain *r = drain_load(text, len, err, sizeof err);
    if (!r) fail_msg("%s", err);
    /* the restored miner continues exactly like the original */
    for (int a = 5; a < 7; a++) assert_int_equal(add(r, LINES[a]), add(d, LINES[a]));
    assert_int_equal(add(r, "brand new line here"), add(d, "brand new line here"));
    size_t len2, len3;
    char *t2 = drain_save(r, &len2), *t3 = drain_save(d, &len3);
    assert_int_equal(len2, len3);
    assert_memory_equal(t2, t3, len2);
    free(text);
    free(t2);
    free(t3);
    drain_free(d);
    drain_free(r);
}

static void test_nul_bytes_separate_tokens_and_state_still_round_trips(void **state)
{
    (void)state;
    struct drain *d = make(10);
    static const char line[] = "open\0\0file x"; /* found by fuzz_drain_state */
    int id = drain_add(d, line, sizeof line - 1);
    assert_string_equal(drain_template(d, id), "open file x");
    size_t len;
    char *text = drain_save(d, &len), err[128];
    struct drain *r = drain_load(text, len, err, sizeof err);
    if (!r) fail_msg("%s", err);
    free(text);
    drain_free(r);
    drain_free(d);
}

static void test_malformed_state_is_refused_with_a_line_number(void **state)
{
    (void)state;
    char err[128];
    const char *bad[] = {"", "drain2 4 0.4 100 10 0 0\n",
                         "drain2 4 0.4 100 10 1 1 0\n1 1 3 3\tx y\tx y z\n",
                         "drain2 4 0.4 100 10 1 1 0\n2 1 3 2\t2 a b\ta b\n"};
    for (size_t a = 0; a < sizeof bad / sizeof bad[0]; a++) {
        assert_null(drain_load(bad[a], strlen(bad[a]), err, sizeof err));
        assert_non_null(strstr(err, "drain state: line"));
    }
    /* a token with a NUL inside (found by fuzz_drain_state) */
    static const char nul[] = "drain2 4 0.4 100 10 1 1 0\n1 1 2 2\t2 a\ta \0b\n";
    assert_null(drain_load(nul, sizeof nul - 1, err, sizeof err));
    assert_non_null(strstr(err, "line 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_group_into_templates_with_wildcards),
        cmocka_unit_test(test_masking_keeps_keys_brackets_and_punctuation),
        cmocka_unit_test(test_same_input_gives_same_ids_and_different_lengths_never_mix),
        cmocka_unit_test(test_cluster_cap_counts_overflow),
        cmocka_unit_test(test_saved_state_restores_exactly),
        cmocka_unit_test(test_nul_bytes_separate_tokens_and_state_still_round_trips),
        cmocka_unit_test(test_malformed_state_is_refused_with_a_line_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
