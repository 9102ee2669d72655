/* alerts.c - CloudEvents alerts on the PUB socket, the journal and the recent ring (alerts.h). */
#include "alerts.h"

#include "duration.h"
#include "logmsg.h"
#include "utf8.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct alerts {
    char epoch[40];
    char host[128];
    long seq;
    json_t *kept[ALERTS_KEPT]; /* ring by seq */
    struct sink *sinks[ALERTS_MAX_SINKS];
    int nsinks;
};

void alerts_add_sink(struct alerts *a, struct sink *k)
{
    if (a->nsinks < ALERTS_MAX_SINKS) a->sinks[a->nsinks++] = k;
}

struct alerts *alerts_new(const char *epoch)
{
    struct alerts *a = xcalloc(1, sizeof *a);
    snprintf(a->epoch, sizeof a->epoch, "%s", epoch);
    if (gethostname(a->host, sizeof a->host)) snprintf(a->host, sizeof a->host, "localhost");
    a->host[sizeof a->host - 1] = 0;
    return a;
}

void alerts_free(struct alerts *a)
{
    if (!a) return;
    for (int k = 0; k < ALERTS_KEPT; k++) json_decref(a->kept[k]);
    free(a);
}

static const char *alertname(const char *kind)
{
    if (!strcmp(kind, "mechanism_change")) return "CausalMechanismChange";
    if (!strcmp(kind, "structure_change")) return "CausalStructureChange";
    return "CausalAnomaly";
}

/* FNV-1a 64 over bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

void alert_fingerprint(const struct alert *al, char out[17])
{
    /* Alertmanager's (Prometheus' model.LabelSet) fingerprint: FNV-1a 64 over the label names
     * in byte order, each name and value followed by the separator byte 0xff. */
    const char *names[4] = {"alertname", "root_cause", "scope", "severity"};
    const char *values[4] = {alertname(al->kind), al->root_cause ? al->root_cause : "", al->scope,
                             al->severity};
    uint64_t h = 14695981039346656037ULL;
    for (int k = 0; k < 4; k++) {
        if (!values[k][0]) continue; /* an empty label is no label */
        h = (fnv(h, names[k]) ^ 0xff) * 1099511628211ULL;
        h = (fnv(h, values[k]) ^ 0xff) * 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

long alerts_publish(struct alerts *a, const struct alert *in)
{
    /* every string is valid UTF-8 and bounded from here on, whatever the input held */
    char scope[256], kind[64], severity[32], root[512], summary[2048];
    utf8_copy(scope, sizeof scope, in->scope);
    utf8_copy(kind, sizeof kind, in->kind);
    utf8_copy(severity, sizeof severity, in->severity);
    utf8_copy(root, sizeof root, in->root_cause);
    utf8_copy(summary, sizeof summary, in->summary);
    struct alert copy = *in;
    copy.scope = scope;
    copy.kind = kind;
    copy.severity = severity;
    copy.root_cause = root;
    copy.summary = summary;
    const struct alert *al = &copy;
    long seq = ++a->seq;
    char fp[17], id[64], src[512], type[128], now[40], starts[40], ends[40];
    alert_fingerprint(al, fp);
    snprintf(id, sizeof id, "%s-%ld", a->epoch, seq);
    snprintf(src, sizeof src, "causalmon://%s/%s", a->host, al->scope);
    snprintf(type, sizeof type, "causalmon.alert.%s", al->kind);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    format_rfc3339((double)ts.tv_sec + ts.tv_nsec * 1e-9, 1, now, sizeof now);
    format_rfc3339((double)al->starts_ns * 1e-9, 0, starts, sizeof starts);
    if (al->resolved)
        format_rfc3339((double)al->ends_ns * 1e-9, 0, ends, sizeof ends);
    else
        snprintf(ends, sizeof ends, "0001-01-01T00:00:00Z");
    json_t *labels = json_pack("{s:s, s:s, s:s}", "alertname", alertname(al->kind), "scope",
                               al->scope, "severity", al->severity);
    if (al->root_cause && al->root_cause[0])
        json_object_set_new(labels, "root_cause", json_string(al->root_cause));
    json_t *data =
        json_pack("{s:s, s:o, s:{s:s}, s:s, s:s, s:s}", "status",
                  al->resolved ? "resolved" : "firing", "labels", labels, "annotations", "summary",
                  al->summary, "startsAt", starts, "endsAt", ends, "fingerprint", fp);
    if (al->rca) json_object_set(data, "rca", al->rca);
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o}", "specversion", "1.0", "id", id,
                  "source", src, "type", type, "time", now, "datacontenttype", "application/json",
                  "epoch", a->epoch, "seq", (json_int_t)seq, "data", data);
    char *text = ev ? json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(10)) : NULL;
    if (!text) { /* cannot happen with the strings made valid above; never crash on it */
        logmsg(LOG_ERR, "alert %ld of scope %s could not be rendered", seq, al->scope);
        json_decref(ev);
        return seq;
    }
    char topic[300];
    int tl = snprintf(topic, sizeof topic, "alert.%s.%s", al->severity, al->scope);
    if (tl >= (int)sizeof topic) tl = (int)utf8_cut(topic, sizeof topic - 1, sizeof topic - 1);
    struct sink_event se = {ev, text, topic, (size_t)tl};
    for (int k = 0; k < a->nsinks; k++) a->sinks[k]->ops->deliver(a->sinks[k], &se);
    free(text);
    json_t **slot = &a->kept[seq % ALERTS_KEPT];
    json_decref(*slot);
    *slot = ev;
    logmsg(LOG_NOTICE, "alert %ld: %s %s %s in scope %s: %s", seq,
           al->resolved ? "resolved" : "firing", al->severity, al->kind, al->scope, al->summary);
    return seq;
}

long alerts_seq(const struct alerts *a)
{
    return a ? a->seq : 0;
}

json_t *alerts_since(const struct alerts *a, long since)
{
    json_t *arr = json_array();
    if (since >= a->seq) return arr; /* also keeps since + 1 from overflowing */
    long from = since + 1 > a->seq - ALERTS_KEPT + 1 ? since + 1 : a->seq - ALERTS_KEPT + 1;
    for (long s = from < 1 ? 1 : from; s <= a->seq; s++)
        if (a->kept[s % ALERTS_KEPT]) json_array_append(arr, a->kept[s % ALERTS_KEPT]);
    return arr;
}
