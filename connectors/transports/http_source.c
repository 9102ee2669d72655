/* http_source.c - InfluxDB, remote_write and JSON-lines HTTP input (http_source.h). */
#include "http_source.h"

#include "http_listen.h"
#include "ingest.h"
#include "xalloc.h"

#include <microhttpd.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zlib.h>

struct qmsg {
    struct qmsg *next;
    struct http_msg m;
    char *data;
};

struct http_source {
    char name[64];
    struct MHD_Daemon *mhd;
    size_t max_body, queue_bytes;
    char *token;
    int efd;
    pthread_mutex_t mu;
    struct qmsg *head, *tail;
    size_t queued;
    struct http_source_stats st;
};

/* One request being received. */
struct req {
    int route; /* ROUTE_* */
    char *body;
    size_t len, cap;
    int too_large;
};

enum { R_V1 = 0, R_V2, R_PROM, R_JSON, R_LOGS, R_QUERY };

const char *http_outcome_str(enum http_outcome o)
{
    static const char *const names[HTTP_OUTCOMES] = {"accepted", "bad_request", "unauthorized",
                                                     "too_large", "throttled"};
    return o < HTTP_OUTCOMES ? names[o] : "unknown";
}

static enum MHD_Result respond(struct http_source *s, struct MHD_Connection *c, unsigned code,
                               enum http_outcome o, const char *type, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (type) MHD_add_response_header(r, "Content-Type", type);
    if (code == 429 || code == 503) MHD_add_response_header(r, "Retry-After", "1");
    if (code == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    MHD_add_response_header(r, "X-Influxdb-Version", "causalmon");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    if ((int)o >= 0) {
        pthread_mutex_lock(&s->mu);
        s->st.requests[o]++;
        pthread_mutex_unlock(&s->mu);
    }
    return ret;
}

/* An InfluxDB-style error body. */
static enum MHD_Result fail(struct http_source *s, struct MHD_Connection *c, unsigned code,
                            enum http_outcome o, const char *msg)
{
    char body[512];
    snprintf(body, sizeof body, "{\"code\":\"%s\",\"message\":\"%s\"}",
             code == 413   ? "request too large"
             : code == 401 ? "unauthorized"
             : code >= 429 ? "unavailable"
                           : "invalid",
             msg);
    return respond(s, c, code, o, "application/json", body);
}

static int auth_ok(const struct http_source *s, struct MHD_Connection *c)
{
    if (!s->token) return 1;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h) return 0;
    if (!strncmp(h, "Token ", 6)) { /* InfluxDB 2 clients */
        char b[1100];
        snprintf(b, sizeof b, "Bearer %s", h + 6);
        return http_bearer_ok(s->token, b);
    }
    return http_bearer_ok(s->token, h);
}

static int route_of(const char *url)
{
    static const char *const paths[] = {"/write",       "/api/v2/write", "/api/v1/write",
                                        "/ingest/json", "/ingest/logs",  "/query"};
    for (int r = 0; r < 6; r++)
        if (!strcmp(url, paths[r])) return r;
    return -1;
}

/* Inflates gzip (or zlib) data into a new buffer of at most max bytes. Returns 0, -1 when
 * malformed, -2 when larger than max. */
static int gunzip(const char *in, size_t len, size_t max, char **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) return -1;
    size_t cap = len * 4 + 1024 < max ? len * 4 + 1024 : max + 1;
    char *buf = xmalloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (z.total_out == cap) {
            if (cap > max) break;
            cap = cap * 2 < max + 1 ? cap * 2 : max + 1;
            buf = xrealloc(buf, cap);
        }
        z.next_out = (Bytef *)buf + z.total_out;
        z.avail_out = (uInt)(cap - z.total_out);
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END && z.avail_in > 0) { /* concatenated gzip members */
            rc = inflateReset(&z) == Z_OK ? Z_OK : Z_DATA_ERROR;
        }
    } while (rc == Z_OK || (rc == Z_BUF_ERROR && z.avail_out == 0));
    size_t n = z.total_out;
    inflateEnd(&z);
    if (n > max) {
        free(buf);
        return -2;
    }
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = n;
    return 0;
}

static int parse_precision(const char *p, int v1, enum lp_precision *out)
{
    if (v1 && !strcmp(p, "n")) p = "ns";
    if (v1 && !strcmp(p, "u")) p = "us";
    return lp_precision_parse(p, out);
}

/* The complete request: decode, check, queue. */
static enum MHD_Result finish(struct http_source *s, struct MHD_Connection *c, struct req *r)
{
    if (r->route == R_QUERY) /* CREATE DATABASE and friends: nothing to do */
        return respond(s, c, 200, -1, "application/json", "{\"results\":[{\"statement_id\":0}]}");
    if (r->too_large) return fail(s, c, 413, HTTP_TOO_LARGE, "body larger than max_body");
    struct qmsg *q = xcalloc(1, sizeof *q);
    q->m.format = r->route == R_PROM   ? FMT_PROM_RW
                  : r->route == R_JSON ? FMT_JSON
                  : r->route == R_LOGS ? FMT_LOG_JSON
                                       : FMT_INFLUX;
    const char *p = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "precision");
    if ((r->route == R_V1 || r->route == R_V2) && p && p[0]) {
        if (parse_precision(p, r->route == R_V1, &q->m.precision)) {
            free(q);
            return fail(s, c, 400, HTTP_BAD_REQUEST, "precision must be ns, us, ms or s");
        }
        q->m.has_precision = 1;
    }
    const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    if (enc && !strcasecmp(enc, "identity")) enc = NULL;
    if (r->route == R_PROM && !enc) enc = "snappy"; /* remote_write is always snappy */
    if (enc && !strcasecmp(enc, "gzip")) {
        int rc = gunzip(r->body ? r->body : "", r->len, s->max_body, &q->data, &q->m.len);
        if (rc) {
            free(q);
            return rc == -2 ? fail(s, c, 413, HTTP_TOO_LARGE, "decompressed body over max_body")
                            : fail(s, c, 400, HTTP_BAD_REQUEST, "malformed gzip body");
        }
    } else if (enc && !strcasecmp(enc, "snappy")) {
        size_t n;
        if (snappy_uncompressed_length(r->body ? r->body : "", r->len, &n) != SNAPPY_OK) {
            free(q);
            return fail(s, c, 400, HTTP_BAD_REQUEST, "malformed snappy body");
        }
        if (n > s->max_body) {
            free(q);
            return fail(s, c, 413, HTTP_TOO_LARGE, "decompressed body over max_body");
        }
        q->data = xmalloc(n ? n : 1);
        if (snappy_uncompress(r->body, r->len, q->data, &n) != SNAPPY_OK) {
            free(q->data);
            free(q);
            return fail(s, c, 400, HTTP_BAD_REQUEST, "malformed snappy body");
        }
        q->m.len = n;
    } else if (enc) {
        free(q);
        return fail(s, c, 415, HTTP_BAD_REQUEST, "Content-Encoding must be gzip or snappy");
    } else {
        q->data = r->body ? r->body : xmalloc(1);
        q->m.len = r->len;
        r->body = NULL;
    }
    q->m.data = q->data;
    pthread_mutex_lock(&s->mu);
    int full = s->queued + q->m.len > s->queue_bytes && s->queued > 0;
    if (!full) {
        if (s->tail)
            s->tail->next = q;
        else
            s->head = q;
        s->tail = q;
        s->queued += q->m.len;
        s->st.bytes += (long)q->m.len;
    }
    pthread_mutex_unlock(&s->mu);
    if (full) {
        free(q->data);
        free(q);
        return r->route == R_PROM ? fail(s, c, 503, HTTP_THROTTLED, "the queue is full; retry")
                                  : fail(s, c, 429, HTTP_THROTTLED, "the queue is full; retry");
    }
    uint64_t one = 1;
    ssize_t w = write(s->efd, &one, sizeof one);
    (void)w;
    return respond(s, c, 204, HTTP_ACCEPTED, NULL, "");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)version;
    struct http_source *s = cls;
    struct req *r = *state;
    if (!r) { /* headers only so far */
        if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
            if (!strcmp(url, "/ping")) return respond(s, c, 204, -1, NULL, "");
            if (!strcmp(url, "/health"))
                return respond(s, c, 200, -1, "application/json",
                               "{\"name\":\"causalmon\",\"status\":\"pass\"}");
            return fail(s, c, 404, HTTP_BAD_REQUEST, "not found");
        }
        int route = route_of(url);
        if (route < 0) return fail(s, c, 404, HTTP_BAD_REQUEST, "not found");
        if (strcmp(method, "POST") != 0) return fail(s, c, 405, HTTP_BAD_REQUEST, "use POST");
        if (!auth_ok(s, c)) return fail(s, c, 401, HTTP_UNAUTHORIZED, "a token is required");
        r = xcalloc(1, sizeof *r);
        r->route = route;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->max_body) r->too_large = 1;
        *state = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && r->len + *upload_size > s->max_body) {
            r->too_large = 1;
            free(r->body);
            r->body = NULL;
            r->len = r->cap = 0;
        }
        if (!r->too_large) {
            if (r->len + *upload_size > r->cap) {
                r->cap = (r->len + *upload_size) * 2;
                if (r->cap > s->max_body) r->cap = s->max_body;
                r->body = xrealloc(r->body, r->cap);
            }
            memcpy(r->body + r->len, upload, *upload_size);
            r->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return finish(s, c, r);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
                      enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    struct req *r = *state;
    if (!r) return;
    free(r->body);
    free(r);
    *state = NULL;
}

struct http_source *http_source_new(const struct http_source_conf *c, char *err, size_t errlen)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    char what[96];
    snprintf(what, sizeof what, "input %s: listen", c->name);
    if (http_listen_parse(what, c->listen, &sa, &salen, err, errlen)) return NULL;
    struct http_source *s = xcalloc(1, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", c->name);
    s->max_body = c->max_body;
    s->queue_bytes = c->queue_bytes;
    s->token = c->token ? xstrdup(c->token) : NULL;
    s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&s->mu, NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_EPOLL_LINUX_ONLY;
    if (sa.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
        completed, s, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)256 * 1024, MHD_OPTION_END);
    if (!s->mhd) {
        snprintf(err, errlen, "input %s: cannot listen on %s", c->name, c->listen);
        close(s->efd);
        pthread_mutex_destroy(&s->mu);
        free(s->token);
        free(s);
        return NULL;
    }
    return s;
}

int http_source_fd(const struct http_source *s)
{
    return s->efd;
}

int http_source_poll(struct http_source *s, int max, http_msg_fn fn, void *ctx)
{
    uint64_t v;
    ssize_t rd = read(s->efd, &v, sizeof v);
    (void)rd;
    int n = 0;
    while (n < max) {
        pthread_mutex_lock(&s->mu);
        struct qmsg *q = s->head;
        if (q) {
            s->head = q->next;
            if (!s->head) s->tail = NULL;
        }
        pthread_mutex_unlock(&s->mu);
        if (!q) break;
        fn(ctx, &q->m);
        pthread_mutex_lock(&s->mu); /* the bytes stay counted until parsed: a bound on memory */
        s->queued -= q->m.len;
        pthread_mutex_unlock(&s->mu);
        free(q->data);
        free(q);
        n++;
    }
    if (n == max) { /* more may wait: stay readable */
        uint64_t one = 1;
        ssize_t w = write(s->efd, &one, sizeof one);
        (void)w;
    }
    return n;
}

void http_source_stats(struct http_source *s, struct http_source_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->st;
    out->queued_bytes = (long)s->queued;
    pthread_mutex_unlock(&s->mu);
}

void http_source_close(struct http_source *s)
{
    if (!s) return;
    MHD_stop_daemon(s->mhd);
    for (struct qmsg *q = s->head, *next; q; q = next) {
        next = q->next;
        free(q->data);
        free(q);
    }
    close(s->efd);
    pthread_mutex_destroy(&s->mu);
    free(s->token);
    free(s);
}
