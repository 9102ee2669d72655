/* The HTTP input with a real server on 127.0.0.1 and libcurl as the client: InfluxDB v2 gzip
 * writes with precision, remote_write snappy bodies, 413/400/401, and 429 when the queue is
 * full (backpressure), until the loop drains it. */
#include "test_util.h"

#include "http_source.h"
#include "ingest.h"
#include "pb_write.h"

#include <curl/curl.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static int port;

static long post(const char *path, const char *enc, const char *auth, const void *body, size_t len)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    char line[256];
    if (enc) {
        snprintf(line, sizeof line, "Content-Encoding: %s", enc);
        hd = curl_slist_append(hd, line);
    }
    if (auth) {
        snprintf(line, sizeof line, "Authorization: %s", auth);
        hd = curl_slist_append(hd, line);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return code;
}

static struct http_source *start(size_t max_body, size_t queue, const char *token)
{
    char err[256], listen[64];
    for (int k = 0; k < 20; k++) {
        port = 20000 + (int)((clock() + time(NULL) * 7 + k * 131) % 30000);
        snprintf(listen, sizeof listen, ":%d", port);
        struct http_source_conf c = {"t", listen, max_body, queue, token};
        struct http_source *s = http_source_new(&c, err, sizeof err);
        if (s) return s;
    }
    fail_msg("no port: %s", err);
    return NULL;
}

struct got {
    int n;
    struct http_msg m[8];
    char data[8][4096];
};

static void take(void *ctx, const struct http_msg *m)
{
    struct got *g = ctx;
    if (g->n < 8) {
        g->m[g->n] = *m;
        memcpy(g->data[g->n], m->data, m->len < 4095 ? m->len : 4095);
        g->data[g->n][m->len < 4095 ? m->len : 4095] = '\0';
    }
    g->n++;
}

static size_t gzip(const char *in, char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)strlen(in);
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    deflateEnd(&z);
    return z.total_out;
}

static void test_v2_gzip_write_with_precision_is_queued_decoded(void **state)
{
    (void)state;
    struct http_source *s = start(1 << 20, 1 << 20, "tok");
    const char *lp = "cpu,host=a usage=1.5 1700000000000\ncpu,host=a usage=2.5 1700000001000\n";
    char z[512];
    size_t zl = gzip(lp, z, sizeof z);
    assert_int_equal(post("/api/v2/write?org=o&bucket=b&precision=ms", "gzip", "Token tok", z, zl),
                     204);
    assert_int_equal(post("/write?db=x&precision=u", NULL, "Bearer tok", "m v=1 1", 7), 204);
    assert_int_equal(post("/api/v2/write", NULL, NULL, "m v=1", 5), 401);
    assert_int_equal(post("/api/v2/write", NULL, "Bearer nope", "m v=1", 5), 401);
    assert_int_equal(post("/api/v2/write?precision=m", NULL, "Bearer tok", "m v=1", 5), 400);
    assert_int_equal(post("/api/v2/write", "gzip", "Bearer tok", "not gzip", 8), 400);
    assert_int_equal(post("/nope", NULL, "Bearer tok", "x", 1), 404);
    struct got g = {0};
    assert_int_equal(http_source_poll(s, 8, take, &g), 2);
    assert_int_equal(g.m[0].format, FMT_INFLUX);
    assert_true(g.m[0].has_precision && g.m[0].precision == LP_MS);
    assert_string_equal(g.data[0], lp);
    assert_true(g.m[1].has_precision && g.m[1].precision == LP_US);
    struct http_source_stats st;
    http_source_stats(s, &st);
    assert_int_equal(st.requests[HTTP_ACCEPTED], 2);
    assert_int_equal(st.requests[HTTP_UNAUTHORIZED], 2);
    assert_int_equal(st.requests[HTTP_BAD_REQUEST], 3);
    assert_int_equal(st.queued_bytes, 0);
    http_source_close(s);
}

static void test_remote_write_snappy_and_json_paths(void **state)
{
    (void)state;
    struct http_source *s = start(1 << 20, 1 << 20, NULL);
    struct pbw req = {.n = 0}, ts = {.n = 0};
    pbw_label(&ts, "__name__", "up");
    pbw_sample(&ts, 1, 1700000000000);
    pbw_bytes(&req, 1, ts.b, ts.n);
    char comp[1024];
    size_t cl = sizeof comp;
    assert_int_equal(snappy_compress((const char *)req.b, req.n, comp, &cl), SNAPPY_OK);
    assert_int_equal(post("/api/v1/write", "snappy", NULL, comp, cl), 204);
    assert_int_equal(post("/api/v1/write", "snappy", NULL, "garbage!", 8), 400);
    assert_int_equal(post("/ingest/logs", NULL, NULL, "{\"log\":\"x\"}\n", 12), 204);
    assert_int_equal(post("/ingest/json", NULL, NULL, "{\"name\":\"a\",\"value\":1}", 22), 204);
    struct got g = {0};
    assert_int_equal(http_source_poll(s, 8, take, &g), 3);
    assert_int_equal(g.m[0].format, FMT_PROM_RW);
    assert_int_equal(g.m[0].len, req.n);
    assert_memory_equal(g.data[0], req.b, req.n);
    assert_int_equal(g.m[1].format, FMT_LOG_JSON);
    assert_int_equal(g.m[2].format, FMT_JSON);
    http_source_close(s);
}

static void test_over_max_body_is_413_and_full_queue_is_429_until_drained(void **state)
{
    (void)state;
    struct http_source *s = start(4096, 6000, NULL);
    char big[5000];
    memset(big, 'a', sizeof big);
    assert_int_equal(post("/api/v2/write", NULL, NULL, big, sizeof big), 413);
    char body[3000];
    memset(body, 'b', sizeof body);
    assert_int_equal(post("/api/v2/write", NULL, NULL, body, sizeof body), 204);
    assert_int_equal(post("/api/v2/write", NULL, NULL, body, sizeof body), 204); /* 6000 */
    assert_int_equal(post("/api/v2/write", NULL, NULL, body, sizeof body), 429);
    struct pbw req = {.n = 0}, ts = {.n = 0};
    pbw_label(&ts, "__name__", "up");
    pbw_sample(&ts, 1, 1700000000000);
    pbw_bytes(&req, 1, ts.b, ts.n);
    char comp[1024];
    size_t cl = sizeof comp;
    snappy_compress((const char *)req.b, req.n, comp, &cl);
    assert_int_equal(post("/api/v1/write", "snappy", NULL, comp, cl), 503); /* Prometheus retries */
    struct http_source_stats st;
    http_source_stats(s, &st);
    assert_int_equal(st.requests[HTTP_THROTTLED], 2);
    assert_int_equal(st.requests[HTTP_TOO_LARGE], 1);
    assert_int_equal(st.queued_bytes, 6000);
    struct got g = {0};
    assert_int_equal(http_source_poll(s, 8, take, &g), 2); /* the loop catches up */
    assert_int_equal(post("/api/v2/write", NULL, NULL, body, sizeof body), 204);
    http_source_close(s); /* frees what is still queued */
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2_gzip_write_with_precision_is_queued_decoded),
        cmocka_unit_test(test_remote_write_snappy_and_json_paths),
        cmocka_unit_test(test_over_max_body_is_413_and_full_queue_is_429_until_drained),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
