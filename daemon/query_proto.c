#include "query_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int query_parse(const char *q, size_t len, struct query *out, char *err, size_t errlen)
{
    char buf[QUERY_MAX + 1];
    memset(out, 0, sizeof *out);
    if (len > QUERY_MAX) {
        snprintf(err, errlen, "query longer than %d bytes", QUERY_MAX);
        return -1;
    }
    if (memchr(q, '\0', len)) {
        snprintf(err, errlen, "query holds a NUL byte");
        return -1;
    }
    memcpy(buf, q, len);
    buf[len] = '\0';
    char *words[8], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(buf, " \t\r\n", &save); t && n < 8;
         t = strtok_r(NULL, " \t\r\n", &save))
        words[n++] = t;
    if (n == 0) {
        snprintf(err, errlen, "empty query; try status, graph or alerts");
        return -1;
    }
    if (!strcmp(words[0], "status")) {
        if (n != 1) {
            snprintf(err, errlen, "usage: status");
            return -1;
        }
        out->kind = QUERY_STATUS;
        return 0;
    }
    if (!strcmp(words[0], "graph")) {
        out->kind = QUERY_GRAPH;
        if (n == 1) return 0;
        if (n == 3 && !strcmp(words[1], "--scope")) {
            snprintf(out->scope, sizeof out->scope, "%s", words[2]);
            return 0;
        }
        snprintf(err, errlen, "usage: graph [--scope S]");
        return -1;
    }
    if (!strcmp(words[0], "alerts")) {
        out->kind = QUERY_ALERTS;
        if (n == 1) return 0;
        char *end = NULL;
        errno = 0;
        long since = n == 3 && !strcmp(words[1], "--since") ? strtol(words[2], &end, 10) : -1;
        if (n == 3 && end && end != words[2] && !*end && since >= 0 && errno != ERANGE) {
            out->since = since;
            return 0;
        }
        snprintf(err, errlen, "usage: alerts [--since SEQ]");
        return -1;
    }
    snprintf(err, errlen, "unknown query; try status, graph or alerts");
    return -1;
}
