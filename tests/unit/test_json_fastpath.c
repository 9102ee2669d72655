/* Differential tests: the zero-copy JSON paths (json_scan.h) give exactly the records, counters
 * and rejections of the jansson paths, on the fuzz seed corpus, hand-picked edge cases and
 * many deterministic mutations of typical documents. */
#include "test_util.h"

#include "json_metrics.h"
#include "log_lines.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *s;
    size_t n, cap;
};

static void out_add(struct out *o, const char *p, size_t n)
{
    if (o->n + n + 1 > o->cap) {
        o->cap = (o->n + n + 1) * 2;
        o->s = realloc(o->s, o->cap);
    }
    memcpy(o->s + o->n, p, n);
    o->n += n;
    o->s[o->n] = '\0';
}

static int on_metric(void *ctx, const struct metric_record *r)
{
    char tmp[96];
    out_add(ctx, r->name, r->name_len);
    int k = snprintf(tmp, sizeof tmp, "|%lld|%a\n", (long long)r->ts_ns, r->value);
    out_add(ctx, tmp, (size_t)k);
    return 0;
}

static int on_log(void *ctx, const struct log_record *r)
{
    char tmp[64];
    out_add(ctx, r->text, r->text_len);
    int k = snprintf(tmp, sizeof tmp, "|%lld|", (long long)r->ts_ns);
    out_add(ctx, tmp, (size_t)k);
    if (r->level) out_add(ctx, r->level, r->level_len);
    out_add(ctx, "\n", 1);
    return 0;
}

static void stats_add(struct out *o, const struct reject_stats *st)
{
    char tmp[256];
    int k = snprintf(tmp, sizeof tmp, "lines %ld records %ld skipped %ld rejected", st->lines,
                     st->records, st->skipped_fields);
    out_add(o, tmp, (size_t)k);
    for (int a = 0; a < REJECT_REASONS; a++) {
        k = snprintf(tmp, sizeof tmp, " %ld", st->rejected[a]);
        out_add(o, tmp, (size_t)k);
    }
}

static long compared;

/* Parses buf both ways and fails with both outputs when they differ. */
static void same_metrics(const char *buf, size_t len)
{
    static const double units[] = {1.0, 1e-3, 0};
    for (int u = 0; u < 3; u++) {
        struct out a = {0}, b = {0};
        struct reject_stats sa = {0}, sb = {0};
        json_metrics_parse(buf, len, units[u], 77, on_metric, &a, &sa);
        json_metrics_parse_jansson(buf, len, units[u], 77, on_metric, &b, &sb);
        stats_add(&a, &sa);
        stats_add(&b, &sb);
        if (strcmp(a.s, b.s) != 0)
            fail_msg("input '%.*s' (unit %g):\nfast:\n%s\njansson:\n%s", (int)len, buf, units[u],
                     a.s, b.s);
        compared++;
        free(a.s);
        free(b.s);
    }
}

static void same_logs(const char *buf, size_t len)
{
    struct log_format f;
    log_format_default(&f, 1);
    struct out a = {0}, b = {0};
    struct reject_stats sa = {0}, sb = {0};
    log_lines_parse(buf, len, &f, "s", 1, 77, on_log, &a, &sa);
    log_lines_parse_jansson(buf, len, &f, "s", 1, 77, on_log, &b, &sb);
    stats_add(&a, &sa);
    stats_add(&b, &sb);
    if (strcmp(a.s, b.s) != 0)
        fail_msg("input '%.*s':\nfast:\n%s\njansson:\n%s", (int)len, buf, a.s, b.s);
    compared++;
    free(a.s);
    free(b.s);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

/* The seed corpus of the fuzz target, next to this file in the source tree. */
static char *corpus_file(const char *target, const char *name, size_t *len)
{
    char path[4096];
    const char *here = __FILE__, *slash = strrchr(here, '/');
    snprintf(path, sizeof path, "%.*s/../fuzz/corpus/%s/%s", (int)(slash ? slash - here : 1),
             slash ? here : ".", target, name);
    return read_file(path, len);
}

/* Byte-level mutations of a document: replace, insert or delete characters drawn from the ones
 * that matter to a JSON scanner. */
static void mutate_and_compare(const char *seed, void (*same)(const char *, size_t), int count)
{
    static const char alphabet[] = "{}[]\":,\\/ntfr0-.eE+9 \t\xc3\xa9\xed\xa0\x80u";
    struct rng r;
    rng_seed(&r, 1234);
    size_t n0 = strlen(seed);
    char *buf = malloc(n0 + 64);
    for (int k = 0; k < count; k++) {
        memcpy(buf, seed, n0);
        size_t n = n0;
        int edits = 1 + (int)(rng_next(&r) % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = (size_t)(rng_next(&r) % (n + 1));
            char c = alphabet[rng_next(&r) % (sizeof alphabet - 1)];
            int op = (int)(rng_next(&r) % 3);
            if (op == 0 && at < n) {
                buf[at] = c;
            } else if (op == 1 && n + 1 < n0 + 64) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = c;
                n++;
            } else if (at < n) {
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            }
        }
        same(buf, n);
    }
    free(buf);
}

static const char *const telegraf_cases[] = {
    "{\"fields\":{\"value\":1.5,\"n\":3,\"ok\":true,\"s\":\"x\"},\"name\":\"svc\",\"tags\":"
    "{\"host\":\"h1\",\"dc\":\"eu\"},\"timestamp\":1700000000}\n",
    "{\"name\":\"cpu\",\"fields\":{\"usage\":-0.0},\"timestamp\":1700000000123}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1e308},\"timestamp\":1.7e9,\"extra\":[1,{\"a\":null}]}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1e309}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":99999999999999999999}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":9007199254740993}}",
    "{\"name\":\"c\\\"pu\",\"fields\":{\"u\\n\":1},\"tags\":{\"k\\\\\":\"v\\/\"}}",
    "{\"name\":\"c\\u0070u\",\"fields\":{\"u\":1}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1,\"u\":2}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1},\"tags\":{\"b\":\"1\",\"a\":\"2\",\"ab\":\"3\"}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1},\"tags\":{\"a\":1}}",
    "{\"name\":\"cpu\",\"fields\":{}}",
    "{\"name\":\"\",\"fields\":{\"u\":1}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":null}}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1},\"timestamp\":-5}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1},\"timestamp\":\"2023-11-14T22:13:20Z\"}",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1}} trailing",
    "{\"name\":\"cpu\",\"fields\":{\"u\":1}}{\"name\":\"cpu\",\"fields\":{\"u\":2}}",
    "{\"metrics\":[{\"name\":\"cpu\",\"fields\":{\"u\":1}}]}",
    "  {\"name\":\"cpu\" , \"fields\" : { \"u\" : 01 } }",
    "{\"name\":\"caf\xc3\xa9\",\"fields\":{\"u\":1}}\r\n{\"name\":\"bad\xed\xa0\x80\",\"fields\":"
    "{\"u\":1}}\n",
};

static void test_telegraf_fast_path_equals_jansson(void **state)
{
    (void)state;
    compared = 0;
    for (size_t a = 0; a < sizeof telegraf_cases / sizeof *telegraf_cases; a++)
        same_metrics(telegraf_cases[a], strlen(telegraf_cases[a]));
    static const char *const files[] = {"telegraf", "batch", "prom_flat"};
    for (int f = 0; f < 3; f++) {
        size_t len;
        char *buf = corpus_file("json_metrics", files[f], &len);
        same_metrics(buf, len);
        buf[len] = '\0';
        mutate_and_compare(buf, same_metrics, 3000);
        free(buf);
    }
    mutate_and_compare(telegraf_cases[0], same_metrics, 20000);
    print_message("%ld parses compared\n", compared);
}

static const char *const log_cases[] = {
    "{\"@timestamp\":1700000000.25,\"log\":\"GET / 200\\n\",\"level\":\"info\"}",
    "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"message\":\"boom\",\"log\":{\"level\":"
    "\"error\"}}",
    "{\"MESSAGE\":\"x\",\"PRIORITY\":3}",
    "{\"MESSAGE\":\"x\",\"PRIORITY\":9}",
    "{\"msg\":\"ERROR: disk full\",\"level\":\"\"}",
    "{\"msg\":\"[WARN] slow\",\"level\":null,\"severity\":2.0}",
    "{\"log\":5,\"message\":\"fallback to message\",\"ts\":1700000000123}",
    "{\"log\":\"x\",\"log\":\"y\"}",
    "{\"log\":\"x\",\"time\":true}",
    "{\"log\":\"x\",\"time\":\"yesterday\"}",
    "{\"log\":\"x\",\"kubernetes\":{\"pod\":\"a\",\"labels\":[1,2,{\"b\":null}]}}",
    "{\"log\":\"tab\\there \\\"q\\\" caf\xc3\xa9\"}",
    "{\"log\":\"\\u0041\"}",
    "{\"nothing\":1}",
    "[{\"log\":\"x\"}]",
    "{\"log\":\"x\"} extra",
    "{\"log\":\"bad \xed\xa0\x80 utf8\"}",
    "plain text line",
};

static void test_log_fast_path_equals_jansson(void **state)
{
    (void)state;
    compared = 0;
    for (size_t a = 0; a < sizeof log_cases / sizeof *log_cases; a++)
        same_logs(log_cases[a], strlen(log_cases[a]));
    size_t len;
    char *buf = corpus_file("log_lines", "json", &len);
    same_logs(buf, len);
    buf[len] = '\0';
    mutate_and_compare(buf, same_logs, 5000);
    free(buf);
    for (size_t a = 0; a < 2; a++) mutate_and_compare(log_cases[a], same_logs, 10000);
    print_message("%ld parses compared\n", compared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_telegraf_fast_path_equals_jansson),
        cmocka_unit_test(test_log_fast_path_equals_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
