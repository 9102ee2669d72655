/*
 * InfluxDB's own line-protocol decode cases (tests/data/line-protocol, MIT) through
 * influx_lp_parse. A case agrees when InfluxDB's error matches a rejected line here, and its
 * decoded points match the records here: one record `name.field{tags sorted}` per numeric or
 * boolean field (strings are not series), with the same value and time.
 *
 * The test prints every disagreement by kind and fails when the agreement falls below the
 * recorded floor, so the number of differences can only go down. 6,607 of the 6,614 cases
 * agree. The 7 that remain are deliberate, each a timestamp outside [1970, 2100):
 *  - 9223372036854775806 and -9223372036854775806 (int64 range, 4 cases), -1 (2) and -9 (1)
 *    in nanoseconds are decoded by InfluxDB and rejected here (reason `timestamp`), as every
 *    input format of causalmon rejects them (timestamp.h, prom_remote.h): an event time before
 *    1970 or after 2100 is a clock or unit error in a monitoring stream, and rejecting it
 *    keeps the arithmetic on nanosecond times clear of int64 overflow.
 * Beyond what the corpus can see: causalmon reads a text line by line and keeps the good lines
 * of a text with a bad one, where InfluxDB's decoder fails the whole text at the first error
 * (a case counts as agreeing when InfluxDB fails the text and causalmon rejects a line of it).
 */
#include "test_util.h"

#include "influx_lp.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REC 256

struct rec {
    char name[LP_MAX_NAME + 1];
    double value, ts;
};

struct got {
    int n;
    struct rec r[MAX_REC];
};

static int collect(void *ctx, const struct metric_record *m)
{
    struct got *g = ctx;
    if (g->n < MAX_REC && m->name_len <= LP_MAX_NAME) {
        memcpy(g->r[g->n].name, m->name, m->name_len);
        g->r[g->n].name[m->name_len] = '\0';
        g->r[g->n].value = m->value;
        g->r[g->n].ts = (double)m->ts_ns;
        g->n++;
    }
    return 0;
}

static int tag_cmp(const void *a, const void *b)
{
    const char *ka = json_string_value(json_object_get(*(json_t *const *)a, "key"));
    const char *kb = json_string_value(json_object_get(*(json_t *const *)b, "key"));
    return strcmp(ka, kb);
}

/* The records InfluxDB's points stand for. Returns -1 if a point has no number to compare. */
static int expected(json_t *points, struct got *want)
{
    size_t i, j;
    json_t *p, *f;
    json_array_foreach(points, i, p)
    {
        json_t *tags = json_object_get(p, "tags");
        size_t nt = json_array_size(tags);
        json_t *sorted[LP_MAX_TAGS + 1];
        if (nt > LP_MAX_TAGS) return -1;
        for (size_t k = 0; k < nt; k++) sorted[k] = json_array_get(tags, k);
        qsort(sorted, nt, sizeof *sorted, tag_cmp);
        char tagtext[LP_MAX_NAME * 2] = "";
        size_t tl = 0;
        for (size_t k = 0; k < nt && tl < sizeof tagtext; k++)
            tl += (size_t)snprintf(tagtext + tl, sizeof tagtext - tl, "%s%s=%s", k ? "," : "{",
                                   json_string_value(json_object_get(sorted[k], "key")),
                                   json_string_value(json_object_get(sorted[k], "value")));
        if (nt && tl < sizeof tagtext)
            tl += (size_t)snprintf(tagtext + tl, sizeof tagtext - tl, "}");
        json_array_foreach(json_object_get(p, "fields"), j, f)
        {
            json_t *v = json_object_get(f, "value"), *x;
            double val;
            if ((x = json_object_get(v, "float")) || (x = json_object_get(v, "int")) ||
                (x = json_object_get(v, "uint")))
                val = json_number_value(x);
            else if ((x = json_object_get(v, "bool")))
                val = json_is_true(x);
            else
                continue; /* strings are not series */
            if (want->n == MAX_REC) return -1;
            struct rec *r = &want->r[want->n++];
            int w = snprintf(r->name, sizeof r->name, "%s.%s%s",
                             json_string_value(json_object_get(p, "name")),
                             json_string_value(json_object_get(f, "key")), tagtext);
            if (w < 0 || (size_t)w >= sizeof r->name) { /* longer than a series name may be */
                want->n--;
                continue;
            }
            r->value = val;
            r->ts = json_number_value(json_object_get(p, "time"));
        }
    }
    return 0;
}

static int same(const struct got *a, const struct got *b)
{
    if (a->n != b->n) return 0;
    for (int k = 0; k < a->n; k++)
        if (strcmp(a->r[k].name, b->r[k].name) || a->r[k].ts != b->r[k].ts ||
            !(a->r[k].value == b->r[k].value ||
              fabs(a->r[k].value - b->r[k].value) <= 1e-15 * fabs(b->r[k].value)))
            return 0;
    return 1;
}

/* Decodes base64 (the corpus' form of texts that are not valid UTF-8) into out; returns its
 * length. */
static size_t unbase64(const char *in, char *out)
{
    static const char *const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    unsigned v = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        const char *p = strchr(A, *in);
        if (!p) continue;
        v = v << 6 | (unsigned)(p - A);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)(v >> bits & 0xff);
        }
    }
    return n;
}

static void show(const char *kind, const char *key, const char *text)
{
    printf("  %-22s %s: ", kind, key);
    for (const char *c = text; *c && c - text < 100; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            printf("\\x%02x", (unsigned char)*c);
        else
            putchar(*c);
    printf("\n");
}

static void test_influxdb_decode_corpus_agreement(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *corpus = json_load_file(CAUSALMON_TEST_DATA "/line-protocol/corpus.json",
                                    JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &jerr);
    if (!corpus) fail_msg("corpus: %s at line %d", jerr.text, jerr.line);
    const char *key;
    json_t *c;
    int total = 0, agree = 0, skipped = 0, we_accept = 0, we_reject = 0, differ = 0;
    printf("disagreements with InfluxDB's decoder:\n");
    json_object_foreach(json_object_get(corpus, "decode"), key, c)
    {
        json_t *in = json_object_get(c, "input"), *out = json_object_get(c, "output");
        json_t *tj = json_object_get(in, "text");
        const char *text = json_string_value(tj);
        size_t tlen = json_string_length(tj);
        static char bin[1 << 16];
        if (json_is_object(tj)) { /* {"binary": base64} */
            const char *b64 = json_string_value(json_object_get(tj, "binary"));
            if (!b64 || strlen(b64) * 3 / 4 + 4 > sizeof bin) {
                skipped++;
                continue;
            }
            tlen = unbase64(b64, bin);
            bin[tlen] = '\0';
            text = bin;
        }
        if (!text) text = ""; /* an empty input */
        const char *prec = json_string_value(json_object_get(in, "precision"));
        enum lp_precision p;
        if (!strcmp(prec, "1ns"))
            p = LP_NS;
        else if (!strcmp(prec, "1us") || !strcmp(prec, "1\xc2\xb5s"))
            p = LP_US;
        else if (!strcmp(prec, "1ms"))
            p = LP_MS;
        else if (!strcmp(prec, "1s"))
            p = LP_S;
        else {
            skipped++;
            continue;
        }
        int64_t dflt = (int64_t)json_number_value(json_object_get(in, "defaultTime"));
        static const int64_t unit[] = {1, 1000, 1000000, 1000000000};
        dflt -= dflt % unit[p]; /* InfluxDB truncates the default time to the precision */
        struct got want = {0};
        int error = json_object_get(out, "error") != NULL;
        if (!error && expected(json_object_get(out, "result"), &want)) {
            skipped++;
            continue;
        }
        struct got g = {0};
        struct reject_stats st;
        memset(&st, 0, sizeof st);
        influx_lp_parse(text, tlen, p, dflt, collect, &g, &st);
        long rejected = 0;
        for (int r = 0; r < REJECT_REASONS; r++) rejected += st.rejected[r];
        total++;
        if (error && rejected > 0) {
            agree++;
        } else if (error) {
            we_accept++;
            show("accepted, InfluxDB not", key, text);
        } else if (rejected > 0) {
            we_reject++;
            show("rejected, InfluxDB not", key, text);
        } else if (same(&g, &want)) {
            agree++;
        } else {
            differ++;
            show("decoded differently", key, text);
        }
    }
    printf("InfluxDB corpus: %d cases compared (%d skipped: other precisions or over %d "
           "records), %d agree (%.1f %%); we accept %d they reject, we reject %d they accept, "
           "%d decode differently\n",
           total, skipped, MAX_REC, agree, 100.0 * agree / total, we_accept, we_reject, differ);
    json_decref(corpus);
    assert_true(total > 6000);
    assert_true(agree >= 6607); /* 99.9 %: only the out-of-range timestamps above differ */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_influxdb_decode_corpus_agreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
