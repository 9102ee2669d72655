/*
 * bench/http_ingest - line protocol over HTTP into parse + align: a client thread POSTs
 * InfluxDB v2 writes (LINES lines each, keep-alive, optionally gzip as Telegraf sends them) to
 * the http input on 127.0.0.1; the consumer thread (the daemon's event loop in miniature) takes
 * the bodies from the input's queue and ingests them. Prints samples per second of wall time
 * and per CPU second of the consumer thread (the one-core figure), plus 429 answers
 * (backpressure: the client retries). 200 series, bucket 1 s. Reads no data files.
 *
 * usage: bench_http_ingest [SAMPLES [LINES_PER_POST [gzip]]]   (defaults 4000000, 5000)
 */
#include "bench_util.h"
#include "http_source.h"
#include "ingest.h"

#include <curl/curl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SERIES 200
static long SAMPLES = 4000000, LINES = 5000;
static int GZIP = 0;

struct body {
    char *p;
    size_t len;
};

static struct body *build(long *nposts)
{
    long n = (SAMPLES + LINES - 1) / LINES;
    struct body *b = calloc((size_t)n, sizeof *b);
    const long long t0 = 1700000000000000000LL;
    for (long k = 0, i = 0; k < n; k++) {
        char *buf = malloc((size_t)LINES * 80);
        size_t len = 0;
        for (long l = 0; l < LINES && i < SAMPLES; l++, i++)
            len += (size_t)sprintf(buf + len, "svc,host=h%ld,dc=eu value=%ld.5 %lld\n", i % SERIES,
                                   i % 1000, t0 + (i / SERIES) * 10000000LL);
        if (GZIP) {
            uLongf zl = compressBound(len) + 32;
            char *z = malloc(zl);
            z_stream s;
            memset(&s, 0, sizeof s);
            deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
            s.next_in = (Bytef *)buf;
            s.avail_in = (uInt)len;
            s.next_out = (Bytef *)z;
            s.avail_out = (uInt)zl;
            deflate(&s, Z_FINISH);
            len = s.total_out;
            deflateEnd(&s);
            free(buf);
            buf = z;
        }
        b[k] = (struct body){buf, len};
    }
    *nposts = n;
    return b;
}

struct client {
    const char *url;
    struct body *b;
    long n, throttled, failed;
};

static size_t sink(char *p, size_t s, size_t n, void *c)
{
    (void)p;
    (void)c;
    return s * n;
}

static void *post_all(void *arg)
{
    struct client *c = arg;
    CURL *h = curl_easy_init();
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
    if (GZIP) hd = curl_slist_append(hd, "Content-Encoding: gzip");
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    for (long k = 0; k < c->n; k++) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->b[k].p);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)c->b[k].len);
        long code = 0;
        if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code == 429) { /* backpressure: retry the same body */
            c->throttled++;
            k--;
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        } else if (code != 204) {
            c->failed++;
        }
    }
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return NULL;
}

struct consumer {
    struct aligner *al;
    struct ingest in;
    struct input_decoding dec;
    struct reject_stats st;
};

static void on_body(void *ctx, const struct http_msg *m)
{
    struct consumer *c = ctx;
    struct ingest_meta meta = {0, -1, NULL, 0};
    struct input_decoding d = c->dec;
    if (m->has_precision) d.precision = m->precision;
    ingest_message(&c->in, &d, m->format, &meta, m->data, m->len, &c->st);
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc > 1) SAMPLES = atol(argv[1]);
    if (argc > 2) LINES = atol(argv[2]);
    if (argc > 3) GZIP = !strcmp(argv[3], "gzip");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long nposts;
    struct body *b = build(&nposts);
    char err[256], listen[64], url[128];
    int port = 20000 + (int)(bench_now() * 1000) % 30000;
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(url, sizeof url, "http://%s/api/v2/write?org=o&bucket=b&precision=ns", listen);
    struct http_source_conf hc = {"bench", listen, 64u << 20, 64u << 20, NULL};
    struct http_source *src = http_source_new(&hc, err, sizeof err);
    if (!src) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct consumer c;
    memset(&c, 0, sizeof c);
    struct aligner_params ap = {1000000000LL, 10000000000LL, 1000, 5, AGG_MEAN, 0};
    c.al = aligner_new(&ap, err, sizeof err);
    c.in = (struct ingest){c.al, NULL, NULL, NULL, NULL, NULL, -1, NULL, NULL, NULL, 0};
    input_decoding_default(&c.dec, "bench");
    struct client cl = {url, b, nposts, 0, 0};
    pthread_t th;
    double t0 = bench_now(), cpu0 = thread_cpu();
    pthread_create(&th, NULL, post_all, &cl);
    struct pollfd pfd = {http_source_fd(src), POLLIN, 0};
    long want = SAMPLES;
    while (c.st.records + c.st.rejected[REJECT_LATE] < want) {
        poll(&pfd, 1, 1000);
        http_source_poll(src, 64, on_body, &c);
        if (bench_now() - t0 > 120) break;
    }
    double wall = bench_now() - t0, cpu = thread_cpu() - cpu0;
    pthread_join(th, NULL);
    long rej = 0;
    for (int a = 0; a < REJECT_REASONS; a++) rej += c.st.rejected[a];
    printf("http line protocol (%s, %ld lines/post, %ld posts): %ld samples, %ld rejected\n",
           GZIP ? "gzip" : "plain", LINES, nposts, c.st.records, rej);
    printf("  wall %.3f s: %.0f samples/s; consumer thread CPU %.3f s: %.0f samples per CPU "
           "second (one core)\n",
           wall, c.st.records / wall, cpu, c.st.records / cpu);
    printf("  429 answers (client retried): %ld, other failures: %ld\n", cl.throttled, cl.failed);
    http_source_close(src);
    aligner_free(c.al);
    for (long k = 0; k < nposts; k++) free(b[k].p);
    free(b);
    curl_global_cleanup();
    return c.st.records == SAMPLES ? 0 : 1;
}
