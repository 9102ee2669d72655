/*
 * zpush - sends standard input to a ZeroMQ endpoint, for the daemon tests and the soak bench.
 *
 * usage: zpush ENDPOINT [LINES_PER_MESSAGE [FORMAT]]
 * Connects a PUSH socket, sends the input in messages of LINES_PER_MESSAGE lines (default 100),
 * as one frame, or as [FORMAT][payload] when FORMAT is given; waits until everything is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: zpush ENDPOINT [LINES_PER_MESSAGE [FORMAT]]\n");
        return 2;
    }
    long per = argc > 2 ? atol(argv[2]) : 100;
    const char *fmt = argc > 3 ? argv[3] : NULL;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PUSH);
    int linger = 10000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(s, argv[1])) {
        fprintf(stderr, "zpush: %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap), line[65536];
    long lines = 0, msgs = 0;
    for (;;) {
        char *got = fgets(line, sizeof line, stdin);
        if (got) {
            size_t l = strlen(line);
            if (n + l > cap) {
                cap *= 2;
                buf = realloc(buf, cap);
            }
            memcpy(buf + n, line, l);
            n += l;
            lines++;
        }
        if ((!got && n) || lines == per) {
            if (fmt) zmq_send(s, fmt, strlen(fmt), ZMQ_SNDMORE);
            zmq_send(s, buf, n, 0);
            msgs++;
            n = 0;
            lines = 0;
        }
        if (!got) break;
    }
    zmq_close(s);
    zmq_ctx_term(ctx);
    free(buf);
    fprintf(stderr, "zpush: %ld messages\n", msgs);
    return 0;
}
