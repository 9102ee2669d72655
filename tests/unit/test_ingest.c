/* One message from any source into the aligner: formats, log count series, templates, late and
 * capped records counted per input, the Kafka timestamp override, and template state. */
#include "test_util.h"

#include "ingest.h"
#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rows {
    int n;
    double last[16];
    int width;
};

static void on_row(void *ctx, int64_t start, const double *row, int n)
{
    (void)start;
    struct rows *r = ctx;
    r->n++;
    r->width = n < 16 ? n : 16;
    memcpy(r->last, row, (size_t)r->width * sizeof *row);
}

struct fixture {
    struct aligner *al;
    struct log_series *ls;
    struct ingest in;
    struct rows rows;
    struct reject_stats st;
    struct input_decoding dec;
};

static struct fixture *make(int max_series)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[256];
    struct aligner_params ap = {1000000000LL, 0, max_series, 2, AGG_MEAN, 0};
    f->al = aligner_new(&ap, err, sizeof err);
    struct drain_params dp;
    drain_params_default(&dp);
    f->ls = log_series_new(&dp, 2, err, sizeof err);
    f->in = (struct ingest){f->al, f->ls, on_row, &f->rows, NULL, NULL, -1, NULL, NULL, NULL, 0};
    input_decoding_default(&f->dec, "web");
    return f;
}

static void drop(struct fixture *f)
{
    log_series_free(f->ls);
    aligner_free(f->al);
    free(f);
}

static int feed(struct fixture *f, int fmt, const char *text, int64_t force)
{
    struct ingest_meta m = {0, force, NULL, 0};
    return ingest_message(&f->in, &f->dec, fmt, &m, text, strlen(text), &f->st);
}

static void test_log_lines_become_count_series_with_zero_filled_buckets(void **state)
{
    (void)state;
    struct fixture *f = make(16);
    f->dec.format = FMT_LOG_JSON;
    assert_int_equal(feed(f, -1,
                          "{\"time\":1000,\"log\":\"user 1 logged in\",\"level\":\"info\"}\n"
                          "{\"time\":1000.5,\"log\":\"user 2 logged in\",\"level\":\"info\"}\n"
                          "{\"time\":1001,\"log\":\"disk full on sda1\",\"level\":\"error\"}\n"
                          "{\"time\":1003,\"log\":\"user 3 logged in\",\"level\":\"WARNING\"}\n",
                          -1),
                     0);
    /* series: tpl1, level.INFO, tpl2, level.ERROR, level.WARN */
    assert_int_equal(aligner_nseries(f->al), 5);
    assert_string_equal(aligner_series_name(f->al, 0), "log.web.tpl1");
    assert_string_equal(aligner_series_name(f->al, 1), "log.web.level.INFO");
    assert_string_equal(aligner_series_name(f->al, 3), "log.web.level.ERROR");
    assert_string_equal(aligner_series_name(f->al, 4), "log.web.level.WARN");
    assert_int_equal(f->rows.n, 3);      /* buckets 1000, 1001, 1002 closed */
    assert_close(f->rows.last[0], 0, 0); /* bucket 1002: no lines, counted as 0, not carried */
    assert_string_equal(log_series_template(f->ls, "log.web.tpl1", 12), "user <#> logged in");
    assert_string_equal(log_series_template(f->ls, "log.web.tpl2", 12), "disk full on sda1");
    assert_null(log_series_template(f->ls, "log.web.level.INFO", 18));
    assert_int_equal(f->st.records, 4);
    drop(f);
}

static void test_late_and_capped_records_are_counted_per_input(void **state)
{
    (void)state;
    struct fixture *f = make(2);
    feed(f, FMT_INFLUX,
         "a v=1 5000000000\nb v=1 5000000000\nc v=1 5000000000\na v=2 7000000000\n"
         "a v=3 1000000000\n",
         -1);
    assert_int_equal(f->st.records, 3);
    assert_int_equal(f->st.rejected[REJECT_SERIES_CAP], 1);
    assert_int_equal(f->st.rejected[REJECT_LATE], 1);
    /* unknown format of a message */
    assert_int_equal(feed(f, FMT_CSV, "a,b\n1,2\n", -1), -1);
    assert_int_equal(f->st.rejected[REJECT_UNKNOWN_FORMAT], 1);
    drop(f);
}

static void test_kafka_timestamp_overrides_the_payload(void **state)
{
    (void)state;
    struct fixture *f = make(4);
    feed(f, FMT_JSON, "{\"name\":\"x\",\"value\":1,\"time\":5}\n", 9000000000LL);
    feed(f, FMT_JSON, "{\"name\":\"x\",\"value\":2,\"time\":6}\n", 10000000000LL);
    /* both records went to buckets 9 and 10 (not 5, 6): bucket 9 closed holding 1 */
    assert_int_equal(f->rows.n, 1);
    assert_close(f->rows.last[0], 1, 0);
    drop(f);
}

static void test_stream_cap_and_state_round_trip(void **state)
{
    (void)state;
    struct fixture *f = make(16);
    struct ingest_meta m = {1000000000LL, -1, "s1", 2};
    ingest_message(&f->in, &f->dec, FMT_LOG, &m, "a b c\n", 6, &f->st);
    m.stream = "s2";
    ingest_message(&f->in, &f->dec, FMT_LOG, &m, "a b c\n", 6, &f->st);
    m.stream = "s3"; /* over the cap of 2 streams */
    ingest_message(&f->in, &f->dec, FMT_LOG, &m, "a b c\n", 6, &f->st);
    assert_int_equal(f->st.rejected[REJECT_SERIES_CAP], 1);
    assert_int_equal(f->st.records, 2);
    size_t len;
    char *saved = log_series_save(f->ls, &len);
    char err[256];
    struct drain_params dp;
    drain_params_default(&dp);
    struct log_series *back = log_series_load(saved, len, &dp, 2, err, sizeof err);
    assert_non_null(back);
    size_t len2;
    char *again = log_series_save(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(saved, again, len);
    assert_string_equal(log_series_template(back, "log.s2.tpl1", 11), "a b c");
    /* a damaged state is refused with a reason */
    saved[3] = 'X';
    assert_null(log_series_load(saved, len, &dp, 2, err, sizeof err));
    assert_non_null(strstr(err, "log series state"));
    free(saved);
    free(again);
    log_series_free(back);
    drop(f);
}

static void test_levels_normalise(void **state)
{
    (void)state;
    char out[LOG_LEVEL_MAX + 1];
    log_level_normalise("warning", 7, out);
    assert_string_equal(out, "WARN");
    log_level_normalise("Err", 3, out);
    assert_string_equal(out, "ERROR");
    log_level_normalise("very bad level name!", 20, out);
    assert_string_equal(out, "VERY_BAD_LEVEL_N");
}

/* Invalid UTF-8 in a name, a tag, a log stream or a log line, on every message format: rejected
 * and counted (bad_utf8, or syntax where the JSON parser refuses the document itself); an
 * over-long multi-byte name is refused whole (name_too_long), never cut inside a character.
 * Nothing invalid reaches the aligner's names or the templates, so their state saves. */
static void test_invalid_utf8_and_long_names_rejected_on_every_format(void **state)
{
    (void)state;
    struct fixture *f = make(8);
    feed(f, FMT_INFLUX, "cpu,host=a\xff v=1 1000000000\ncpu,host=\xc3\xa9 v=2 1000000000\n", -1);
    assert_int_equal(f->st.rejected[REJECT_BAD_UTF8], 1);
    assert_int_equal(f->st.records, 1); /* the valid e-acute host */
    char line[3000];
    size_t n = 0;
    n += (size_t)sprintf(line, "m,t=");
    for (int a = 0; a < 600; a++) n += (size_t)sprintf(line + n, "\xc3\xa9"); /* 1200 bytes */
    sprintf(line + n, " v=1 1000000000\n");
    long too_long = f->st.rejected[REJECT_NAME_TOO_LONG];
    feed(f, FMT_INFLUX, line, -1);
    assert_true(f->st.rejected[REJECT_NAME_TOO_LONG] == too_long + 1);
    long before = f->st.rejected[REJECT_BAD_UTF8] + f->st.rejected[REJECT_SYNTAX];
    feed(f, FMT_JSON, "{\"name\":\"x\xfe\",\"time\":1,\"value\":1}", -1);
    assert_true(f->st.rejected[REJECT_BAD_UTF8] + f->st.rejected[REJECT_SYNTAX] == before + 1);
    long bad = f->st.rejected[REJECT_BAD_UTF8];
    feed(f, FMT_LOG, "2024-01-01T00:00:01Z ERROR disk \xc3 failed\n", -1);
    assert_int_equal(f->st.rejected[REJECT_BAD_UTF8], bad + 1);
    before = f->st.rejected[REJECT_BAD_UTF8] + f->st.rejected[REJECT_SYNTAX];
    feed(f, FMT_LOG_JSON, "{\"log\":\"oops \xed\xa0\x80\",\"time\":\"2024-01-01T00:00:01Z\"}\n",
         -1);
    assert_true(f->st.rejected[REJECT_BAD_UTF8] + f->st.rejected[REJECT_SYNTAX] == before + 1);
    /* a stream name from a Kafka key that is not UTF-8 */
    struct ingest_meta m = {0, -1, "k\xff", 2};
    bad = f->st.rejected[REJECT_BAD_UTF8];
    ingest_message(&f->in, &f->dec, FMT_LOG, &m, "hello world\n", 12, &f->st);
    assert_int_equal(f->st.rejected[REJECT_BAD_UTF8], bad + 1);
    for (int id = 0; id < aligner_nseries(f->al); id++) {
        const char *nm = aligner_series_name(f->al, id);
        assert_true(utf8_valid(nm, strlen(nm)));
    }
    size_t len;
    char *saved = log_series_save(f->ls, &len);
    assert_true(utf8_valid(saved, len));
    free(saved);
    drop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_lines_become_count_series_with_zero_filled_buckets),
        cmocka_unit_test(test_late_and_capped_records_are_counted_per_input),
        cmocka_unit_test(test_kafka_timestamp_overrides_the_payload),
        cmocka_unit_test(test_stream_cap_and_state_round_trip),
        cmocka_unit_test(test_levels_normalise),
        cmocka_unit_test(test_invalid_utf8_and_long_names_rejected_on_every_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
