/*
 * query_proto.h - the query protocol of the ROUTER socket: one frame of text, "status",
 * "graph [--scope S]" or "alerts [--since SEQ]", at most QUERY_MAX bytes. Thread: any.
 */
#ifndef CAUSALMON_QUERY_PROTO_H
#define CAUSALMON_QUERY_PROTO_H

#include <stddef.h>

#define QUERY_MAX 511

enum query_kind { QUERY_STATUS, QUERY_GRAPH, QUERY_ALERTS };

struct query {
    enum query_kind kind;
    char scope[QUERY_MAX + 1]; /* graph: the scope asked for, "" for the first */
    long since;                /* alerts: events after this seq (>= 0) */
};

/* Parses q[0..len) (any bytes). Returns 0, or -1 with the reply's error text in err. */
int query_parse(const char *q, size_t len, struct query *out, char *err, size_t errlen);

#endif
