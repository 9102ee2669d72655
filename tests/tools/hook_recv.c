/*
 * hook_recv - a webhook receiver for tests: an HTTP server on 127.0.0.1:PORT that answers the
 * first FAIL POSTs with STATUS (default 503) and every later one with 204, and prints one line
 * per POST on stdout: "UNIX_TIME_S STATUS BODY" (the body with newlines as spaces). It prints
 * "listening" once it accepts connections, and runs until SIGTERM or SIGINT.
 *
 * usage: hook_recv PORT FAIL [STATUS]
 */
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fail_left, fail_status = 503;

struct req {
    char *body;
    size_t len;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)cls;
    (void)url;
    (void)version;
    struct req *r = *state;
    if (!r) {
        *state = calloc(1, sizeof *r);
        return *state ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        char *nb = realloc(r->body, r->len + *upload_size + 1);
        if (!nb) return MHD_NO;
        r->body = nb;
        memcpy(r->body + r->len, upload, *upload_size);
        r->len += *upload_size;
        r->body[r->len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    unsigned status = 204;
    if (strcmp(method, "POST") != 0)
        status = 405;
    else if (fail_left > 0) {
        fail_left--;
        status = (unsigned)fail_status;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    for (size_t k = 0; k < r->len; k++)
        if (r->body[k] == '\n' || r->body[k] == '\r') r->body[k] = ' ';
    printf("%.3f %u %s\n", ts.tv_sec + ts.tv_nsec * 1e-9, status, r->body ? r->body : "");
    fflush(stdout);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void done(void *cls, struct MHD_Connection *c, void **state,
                 enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    struct req *r = *state;
    if (r) free(r->body);
    free(r);
    *state = NULL;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: hook_recv PORT FAIL [STATUS]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    fail_left = atoi(argv[2]);
    if (argc == 4) fail_status = atoi(argv[3]);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, answer, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_NOTIFY_COMPLETED,
                         done, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "hook_recv: cannot listen on 127.0.0.1:%d\n", port);
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    while (!stop) sleep(1);
    MHD_stop_daemon(d);
    return 0;
}
