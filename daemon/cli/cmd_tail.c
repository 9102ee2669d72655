/*
 * `causalmon tail`: subscribes to a daemon's alert PUB socket and prints every message's JSON on
 * stdout, one per line. It follows `seq` per daemon run (`epoch`) and reports gaps on stderr,
 * from the alerts themselves and from the heartbeat, which carries the latest seq; missed alerts
 * can be fetched with `causalmon query alerts --since SEQ`.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static const char *const CMD = "tail";

struct follow {
    char epoch[64];
    long seq; /* last seen, -1 none */
};

static void check_seq(struct follow *f, const char *epoch, long seq, int is_alert)
{
    if (strcmp(epoch, f->epoch) != 0) { /* a new daemon run starts a new sequence */
        snprintf(f->epoch, sizeof f->epoch, "%s", epoch);
        f->seq = seq;
        return;
    }
    long expect = is_alert ? f->seq + 1 : f->seq;
    if (seq > expect)
        fprintf(stderr,
                "causalmon tail: gap: missed %ld alert(s) after seq %ld; "
                "fetch them with: causalmon query --connect ... alerts --since %ld\n",
                seq - expect, f->seq, f->seq);
    if (seq > f->seq) f->seq = seq;
}

int cmd_tail(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"topic", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 'w'},
        {"server-key", required_argument, NULL, 'K'},
        {"client-key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *ep = NULL, *topic = "alert.", *server_key = NULL, *client_key = NULL;
    long count = -1, timeout = -1;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            ep = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'n':
            if (cli_int(CMD, "count", optarg, 1, 1000000000, &count)) return EXIT_BAD_INPUT;
            break;
        case 'w':
            if (cli_int(CMD, "timeout", optarg, 1, 1000000, &timeout)) return EXIT_BAD_INPUT;
            break;
        case 'K':
            server_key = optarg;
            break;
        case 'k':
            client_key = optarg;
            break;
        case 'h':
            printf("usage: causalmon tail --connect ENDPOINT [--topic PREFIX] [--count N] "
                   "[--timeout S]\n"
                   "  --topic P   prefix of the topics to print (default alert.; heartbeat for\n"
                   "              the heartbeats); gaps in seq are reported on stderr\n"
                   "  --count N   exit after N messages; --timeout S: after S s without one\n"
                   "  --server-key PUBLIC --client-key SECRET_FILE: CURVE (causalmon keygen)\n");
            return EXIT_OK;
        default:
            return EXIT_BAD_INPUT;
        }
    }
    if (!ep) {
        cli_error(CMD, "--connect ENDPOINT is required");
        return EXIT_BAD_INPUT;
    }
    void *ctx = zmq_ctx_new();
    void *s = cli_zmq_client(ctx, ZMQ_SUB, timeout > 0 ? (int)timeout * 1000 : -1, server_key,
                             client_key, CMD);
    if (!s) {
        zmq_ctx_term(ctx);
        return EXIT_BAD_INPUT;
    }
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, topic, strlen(topic));
    if (strncmp("heartbeat", topic, strlen(topic)) != 0)
        zmq_setsockopt(s, ZMQ_SUBSCRIBE, "heartbeat", 9); /* for gap detection only */
    if (zmq_connect(s, ep)) {
        cli_error(CMD, "cannot connect to %s: %s", ep, zmq_strerror(zmq_errno()));
        zmq_close(s);
        zmq_ctx_term(ctx);
        return EXIT_BAD_INPUT;
    }
    struct follow f = {"", -1};
    int rc = EXIT_OK;
    long got = 0;
    while (count < 0 || got < count) {
        char t[256];
        int tl = zmq_recv(s, t, sizeof t - 1, 0);
        if (tl < 0) {
            if (timeout > 0) { /* quiet for --timeout: an error if nothing (or too little) came */
                if (got == 0 || (count > 0 && got < count)) rc = EXIT_FAILURE_RUN;
                break;
            }
            rc = EXIT_FAILURE_RUN;
            break;
        }
        t[tl < (int)sizeof t - 1 ? tl : (int)sizeof t - 1] = '\0';
        zmq_msg_t m;
        zmq_msg_init(&m);
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
        if (!more || zmq_msg_recv(&m, s, 0) < 0) {
            zmq_msg_close(&m);
            continue;
        }
        json_t *j = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
        int is_hb = strcmp(t, "heartbeat") == 0;
        if (j && json_is_string(json_object_get(j, "epoch")))
            check_seq(&f, json_string_value(json_object_get(j, "epoch")),
                      (long)json_integer_value(json_object_get(j, "seq")), !is_hb);
        if (strncmp(t, topic, strlen(topic)) == 0) {
            fwrite(zmq_msg_data(&m), 1, zmq_msg_size(&m), stdout);
            fputc('\n', stdout);
            fflush(stdout);
            got++;
        }
        json_decref(j);
        zmq_msg_close(&m);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
