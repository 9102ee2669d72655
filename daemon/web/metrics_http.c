/* metrics_http.c - /metrics, /alerts, /healthz and /ready over libmicrohttpd (metrics_http.h). */
#include "metrics_http.h"

#include "http_listen.h"
#include "web_ui.h"
#include "xalloc.h"

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct metrics_http {
    struct MHD_Daemon *mhd;
    pthread_mutex_t mu;
    char *text, *alerts, *ui;
    size_t len, alerts_len, ui_len;
    json_t *(*graph)(void *ctx, int scope);
    void *graph_ctx;
    double rendered; /* monotonic time of the last metrics_http_publish */
    int ready;
    char *token;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (type) MHD_add_response_header(r, "Content-Type", type);
    if (code == MHD_HTTP_UNAUTHORIZED) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

#define TEXT(c, code, s) reply(c, code, "text/plain", s, sizeof s - 1, MHD_RESPMEM_PERSISTENT)

/* The events of one fingerprint from the published array (a new string, or NULL). */
static char *alerts_of(const char *json, size_t len, const char *fp)
{
    json_t *all = json_loadb(json, len, 0, NULL), *out = json_array(), *ev;
    size_t i;
    json_array_foreach(all, i, ev)
    {
        const char *f =
            json_string_value(json_object_get(json_object_get(ev, "data"), "fingerprint"));
        if (f && !strcmp(f, fp)) json_array_append(out, ev);
    }
    char *s = json_dumps(out, JSON_INDENT(2));
    json_decref(all);
    json_decref(out);
    return s;
}

static const char *query_arg(void *ctx, const char *key)
{
    const char *v = MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
    return v && v[0] ? v : NULL;
}

/* A web view page (web_ui.h), rendered from copies of the published texts outside the lock. */
static enum MHD_Result serve_ui(struct metrics_http *m, struct MHD_Connection *c, const char *url)
{
    struct web_ui_view v = {0};
    pthread_mutex_lock(&m->mu);
    v.status = m->ui ? xstrdup(m->ui) : NULL;
    v.status_len = m->ui ? m->ui_len : 0;
    v.alerts = m->alerts ? xstrdup(m->alerts) : NULL;
    v.alerts_len = m->alerts ? m->alerts_len : 0;
    v.graph = m->graph;
    v.graph_ctx = m->graph_ctx;
    pthread_mutex_unlock(&m->mu);
    struct prom_text t = {0};
    int code = web_ui_page(url, query_arg, c, &v, &t);
    free((char *)v.status);
    free((char *)v.alerts);
    return reply(c, (unsigned)code, "text/html; charset=utf-8", t.s, t.n, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    struct metrics_http *m = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return TEXT(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    if (!strcmp(url, "/healthz")) {
        pthread_mutex_lock(&m->mu);
        int alive = mono() - m->rendered < 10.0;
        pthread_mutex_unlock(&m->mu);
        return alive ? TEXT(c, MHD_HTTP_OK, "ok\n")
                     : TEXT(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the event loop is stalled\n");
    }
    if (!strcmp(url, "/ready")) {
        pthread_mutex_lock(&m->mu);
        int ready = m->ready;
        pthread_mutex_unlock(&m->mu);
        return ready ? TEXT(c, MHD_HTTP_OK, "ready\n")
                     : TEXT(c, MHD_HTTP_SERVICE_UNAVAILABLE, "not ready\n");
    }
    int metrics = !strcmp(url, "/metrics"), alerts = !strcmp(url, "/alerts");
    int ui = !strncmp(url, "/ui", 3) && (url[3] == 0 || url[3] == '/');
    if (!metrics && !alerts && !ui)
        return TEXT(c, MHD_HTTP_NOT_FOUND,
                    "not found: try /metrics, /alerts, /ui, /healthz or /ready\n");
    if (!http_bearer_ok(m->token, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")))
        return TEXT(c, MHD_HTTP_UNAUTHORIZED, "a bearer token is required\n");
    if (ui) return serve_ui(m, c, url);
    enum MHD_Result ret;
    pthread_mutex_lock(&m->mu);
    if (metrics) {
        ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                    m->text ? m->text : "", m->len, MHD_RESPMEM_MUST_COPY);
    } else {
        const char *fp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fingerprint");
        const char *all = m->alerts ? m->alerts : "[]";
        size_t len = m->alerts ? m->alerts_len : 2;
        char *one = fp ? alerts_of(all, len, fp) : NULL;
        ret =
            one ? reply(c, MHD_HTTP_OK, "application/json", one, strlen(one), MHD_RESPMEM_MUST_FREE)
                : reply(c, MHD_HTTP_OK, "application/json", all, len, MHD_RESPMEM_MUST_COPY);
    }
    pthread_mutex_unlock(&m->mu);
    return ret;
}

struct metrics_http *metrics_http_start(const char *listen, const char *token_file, char *err,
                                        size_t errlen)
{
    struct sockaddr_storage sa;
    socklen_t salen;
    if (http_listen_parse("metrics.listen", listen, &sa, &salen, err, errlen)) return NULL;
    char *token = NULL;
    if (token_file && token_file[0] &&
        !(token = http_token_read("metrics.bearer_token_file", token_file, err, errlen)))
        return NULL;
    struct metrics_http *m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    m->token = token;
    m->rendered = mono();
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (sa.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    m->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR, &sa,
                              MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_CONNECTION_TIMEOUT, 2u,
                              MHD_OPTION_END);
    if (!m->mhd) {
        snprintf(err, errlen, "metrics: cannot listen on %s", listen);
        pthread_mutex_destroy(&m->mu);
        free(m->token);
        free(m);
        return NULL;
    }
    return m;
}

static void replace(struct metrics_http *m, char **slot, size_t *slen, const char *s, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    pthread_mutex_lock(&m->mu);
    free(*slot);
    *slot = copy;
    *slen = len;
    if (slot == &m->text) m->rendered = mono();
    pthread_mutex_unlock(&m->mu);
}

void metrics_http_publish(struct metrics_http *m, const char *text, size_t len)
{
    replace(m, &m->text, &m->len, text, len);
}

void metrics_http_publish_alerts(struct metrics_http *m, const char *json, size_t len)
{
    replace(m, &m->alerts, &m->alerts_len, json, len);
}

void metrics_http_publish_ui(struct metrics_http *m, const char *status, size_t len,
                             json_t *(*graph)(void *ctx, int scope), void *graph_ctx)
{
    replace(m, &m->ui, &m->ui_len, status, len);
    pthread_mutex_lock(&m->mu);
    m->graph = graph;
    m->graph_ctx = graph_ctx;
    pthread_mutex_unlock(&m->mu);
}

void metrics_http_set_ready(struct metrics_http *m, int ready)
{
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    m->ready = ready;
    pthread_mutex_unlock(&m->mu);
}

void metrics_http_stop(struct metrics_http *m)
{
    if (!m) return;
    MHD_stop_daemon(m->mhd);
    pthread_mutex_destroy(&m->mu);
    free(m->text);
    free(m->alerts);
    free(m->ui);
    free(m->token);
    free(m);
}
