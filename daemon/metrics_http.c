#include "metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metrics_http {
    struct MHD_Daemon *mhd;
    pthread_mutex_t mu;
    char *text;
    size_t len;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    struct metrics_http *m = cls;
    struct MHD_Response *r;
    unsigned code = MHD_HTTP_OK;
    if (strcmp(method, "GET") != 0 || strcmp(url, "/metrics") != 0) {
        static const char nf[] = "not found: try /metrics\n";
        r = MHD_create_response_from_buffer(sizeof nf - 1, (void *)nf, MHD_RESPMEM_PERSISTENT);
        code = MHD_HTTP_NOT_FOUND;
    } else {
        pthread_mutex_lock(&m->mu);
        r = MHD_create_response_from_buffer(m->len, m->text ? m->text : "", MHD_RESPMEM_MUST_COPY);
        pthread_mutex_unlock(&m->mu);
        MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    }
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

struct metrics_http *metrics_http_start(const char *listen, char *err, size_t errlen)
{
    char host[64];
    int port;
    if (sscanf(listen, "%63[^:]:%d", host, &port) != 2 || port < 1 || port > 65535) {
        snprintf(err, errlen, "metrics.listen: '%s' is not 127.0.0.1:PORT", listen);
        return NULL;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        snprintf(err, errlen, "metrics.listen: '%s' must be a loopback address", listen);
        return NULL;
    }
    struct metrics_http *m = calloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    m->mhd =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
                         NULL, handle, m, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_LIMIT,
                         256u, MHD_OPTION_CONNECTION_TIMEOUT, 2u, MHD_OPTION_END);
    if (!m->mhd) {
        snprintf(err, errlen, "metrics: cannot listen on %s", listen);
        pthread_mutex_destroy(&m->mu);
        free(m);
        return NULL;
    }
    return m;
}

void metrics_http_publish(struct metrics_http *m, const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    pthread_mutex_lock(&m->mu);
    free(m->text);
    m->text = copy;
    m->len = len;
    pthread_mutex_unlock(&m->mu);
}

void metrics_http_stop(struct metrics_http *m)
{
    if (!m) return;
    MHD_stop_daemon(m->mhd);
    pthread_mutex_destroy(&m->mu);
    free(m->text);
    free(m);
}
