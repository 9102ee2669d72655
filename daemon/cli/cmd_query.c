/* `causalmon query`: one question to a running daemon's query socket; the JSON reply on stdout. */
#include "cli.h"
#include "graph_dot.h"

#include <jansson.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static const char *const CMD = "query";

int cmd_query(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"scope", required_argument, NULL, 's'},
        {"since", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},
        {"server-key", required_argument, NULL, 'K'},
        {"client-key", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *ep = NULL, *scope = NULL, *since = NULL, *server_key = NULL, *client_key = NULL;
    long timeout = 5;
    int c, dot = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            ep = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'n':
            since = optarg;
            break;
        case 't':
            if (cli_int(CMD, "timeout", optarg, 1, 3600, &timeout)) return EXIT_BAD_INPUT;
            break;
        case 'K':
            server_key = optarg;
            break;
        case 'k':
            client_key = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "dot") && strcmp(optarg, "json")) {
                cli_error(CMD, "--format: '%s' is not one of json, dot", optarg);
                return EXIT_BAD_INPUT;
            }
            dot = !strcmp(optarg, "dot");
            break;
        case 'h':
            printf("usage: causalmon query --connect ENDPOINT status|graph|alerts [--scope S] "
                   "[--since SEQ] [--timeout S]\n"
                   "                       [--server-key PUBLIC --client-key SECRET_FILE]\n"
                   "                       [--format json|dot]   (dot: graph only, Graphviz)\n");
            return EXIT_OK;
        default:
            return EXIT_BAD_INPUT;
        }
    }
    if (!ep || optind >= argc) {
        cli_error(CMD, "usage: causalmon query --connect ENDPOINT status|graph|alerts");
        return EXIT_BAD_INPUT;
    }
    if (dot && strcmp(argv[optind], "graph")) {
        cli_error(CMD, "--format dot: only the graph query has a DOT form");
        return EXIT_BAD_INPUT;
    }
    char q[512];
    snprintf(q, sizeof q, "%s%s%s%s%s", argv[optind], scope ? " --scope " : "", scope ? scope : "",
             since ? " --since " : "", since ? since : "");
    void *ctx = zmq_ctx_new();
    void *s = cli_zmq_client(ctx, ZMQ_REQ, (int)timeout * 1000, server_key, client_key, CMD);
    if (!s) {
        zmq_ctx_term(ctx);
        return EXIT_BAD_INPUT;
    }
    int rc = EXIT_OK;
    if (zmq_connect(s, ep)) {
        cli_error(CMD, "cannot connect to %s: %s", ep, zmq_strerror(zmq_errno()));
        rc = EXIT_BAD_INPUT;
    } else {
        zmq_send(s, q, strlen(q), 0);
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            cli_error(CMD, "no answer from %s within %ld s", ep, timeout);
            rc = EXIT_FAILURE_RUN;
        } else if (dot) {
            char err[512];
            json_t *g = json_loadb(zmq_msg_data(&m), zmq_msg_size(&m), 0, NULL);
            char *text = g ? graph_dot(g, NULL, err, sizeof err) : NULL;
            if (text)
                fputs(text, stdout);
            else {
                cli_error(CMD, "%s", g ? err : "the answer is not JSON");
                rc = EXIT_BAD_INPUT;
            }
            free(text);
            json_decref(g);
        } else {
            fwrite(zmq_msg_data(&m), 1, zmq_msg_size(&m), stdout);
            fputc('\n', stdout);
            if (zmq_msg_size(&m) > 9 && memcmp(zmq_msg_data(&m), "{\"error\":", 9) == 0)
                rc = EXIT_BAD_INPUT;
        }
        zmq_msg_close(&m);
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}
