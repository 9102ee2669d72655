/* query_server.c - the query protocol (query_proto.h) on the daemon's ROUTER socket: status,
 * graph [--scope S] and alerts --since SEQ, answered from the loop (daemon.h). */
#include "daemon.h"

#include "query_proto.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* Queries answered per loop turn at most; the rest wait for the next turn. */
#define QUERIES_PER_TURN 100

/* Answers one query. A new reference. */
static json_t *answer(struct daemon *d, const char *q, size_t len)
{
    struct query qu;
    char err[128];
    if (query_parse(q, len, &qu, err, sizeof err)) return json_pack("{s:s}", "error", err);
    if (qu.kind == QUERY_STATUS) return daemon_status(d);
    if (qu.kind == QUERY_GRAPH) {
        if (d->nscopes == 0) return json_pack("{s:s}", "error", "no scopes configured");
        for (int a = 0; a < d->nscopes; a++)
            if (!qu.scope[0] || !strcmp(d->scopes[a]->conf.name, qu.scope))
                return scope_graph(d->scopes[a]);
        return json_pack("{s:s}", "error", "no such scope");
    }
    return json_pack("{s:s, s:I, s:o}", "epoch", d->epoch, "last_seq",
                     (json_int_t)alerts_seq(d->alerts), "alerts",
                     alerts_since(d->alerts, qu.since));
}

/* Serves every waiting query: [id][""][body] (REQ) or [id][body] (DEALER). */
void query_serve(struct daemon *d)
{
    for (int k = 0; k < QUERIES_PER_TURN; k++) {
        zmq_msg_t id, f2, f3;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, d->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            return;
        }
        zmq_msg_init(&f2);
        zmq_msg_init(&f3);
        int req = 0;
        zmq_msg_t *body = &f2;
        if (zmq_msg_more(&id)) zmq_msg_recv(&f2, d->router, 0);
        if (zmq_msg_size(&f2) == 0 && zmq_msg_more(&f2)) {
            req = 1;
            zmq_msg_recv(&f3, d->router, 0);
            body = &f3;
        }
        while (zmq_msg_more(body)) { /* ignore extra frames */
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            zmq_msg_recv(&extra, d->router, 0);
            int more = zmq_msg_more(&extra);
            zmq_msg_close(&extra);
            if (!more) break;
        }
        json_t *reply = answer(d, zmq_msg_data(body), zmq_msg_size(body));
        char *text = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(10));
        json_decref(reply);
        zmq_send(d->router, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE);
        if (req) zmq_send(d->router, "", 0, ZMQ_SNDMORE);
        zmq_send(d->router, text, strlen(text), 0);
        free(text);
        zmq_msg_close(&id);
        zmq_msg_close(&f2);
        zmq_msg_close(&f3);
    }
}
