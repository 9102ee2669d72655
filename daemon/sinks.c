/* sinks.c - configured alert sinks (sinks.h). */
#include "sinks.h"

#include "http_listen.h"

#include <stdlib.h>
#include <string.h>

static void offer(void *ctx, const json_t *ev)
{
    alert_sink_offer(ctx, ev);
}

int sinks_start(const struct config *c, const char *external_url, struct alerts *a,
                struct sinks *out, char *err, size_t errlen)
{
    for (int k = 0; k < c->nsinks; k++) {
        const struct sink_conf *sc = &c->sinks[k];
        char *token = NULL;
        if (sc->token_file[0]) {
            char what[128]; /* "sinks[N] (" + a 63-byte name + "): bearer_token_file" */
            snprintf(what, sizeof what, "sinks[%d] (%s): bearer_token_file", k, sc->name);
            if (!(token = http_token_read(what, sc->token_file, err, errlen))) return -1;
        }
        struct alert_sink_params p = {sc->name,
                                      sc->type == SINK_WEBHOOK ? ALERT_SINK_WEBHOOK
                                                               : ALERT_SINK_ALERTMANAGER,
                                      sc->url,
                                      sc->resend_ns * 1e-9,
                                      sc->timeout_ns * 1e-9,
                                      sc->queue,
                                      sc->retries,
                                      token,
                                      external_url};
        struct alert_sink *s = alert_sink_new(&p, err, errlen);
        free(token);
        if (!s) return -1;
        out->s[out->n++] = s;
        alerts_add_sink(a, offer, s);
    }
    return 0;
}

void sinks_metrics(const struct sinks *s, struct prom_text *t)
{
    static const char *const fam[][3] = {
        {"causalmon_sink_requests_total", "counter",
         "HTTP requests of an alert sink, by result (ok: 2xx; failed: transport error or "
         "another status)."},
        {"causalmon_sink_dropped_total", "counter",
         "Alert events a sink gave up: queue full, retries exhausted, or rejected by the "
         "receiver."},
        {"causalmon_sink_queued", "gauge",
         "Events waiting in a webhook sink, or alerts an Alertmanager sink keeps sending."},
        {"causalmon_sink_last_success_timestamp_seconds", "gauge",
         "Wall time of a sink's last successful request (0: none yet)."},
    };
    struct alert_sink_stats st[CONF_MAX_SINKS];
    for (int k = 0; k < s->n; k++) alert_sink_stats(s->s[k], &st[k]);
    for (int f = 0; f < 4; f++) {
        prom_family(t, fam[f][0], fam[f][1], fam[f][2]);
        for (int k = 0; k < s->n; k++) {
            const char *name = alert_sink_name(s->s[k]), *kind = alert_sink_kind_name(s->s[k]);
            if (f == 0) {
                prom_add(t, "%s{sink=\"", fam[f][0]);
                prom_label(t, name);
                prom_add(t, "\",type=\"%s\",result=\"ok\"} %ld\n", kind, st[k].sent);
                prom_add(t, "%s{sink=\"", fam[f][0]);
                prom_label(t, name);
                prom_add(t, "\",type=\"%s\",result=\"failed\"} %ld\n", kind, st[k].failed);
                continue;
            }
            prom_add(t, "%s{sink=\"", fam[f][0]);
            prom_label(t, name);
            if (f == 3)
                prom_add(t, "\",type=\"%s\"} %.3f\n", kind, st[k].last_success);
            else
                prom_add(t, "\",type=\"%s\"} %ld\n", kind, f == 1 ? st[k].dropped : st[k].queued);
        }
    }
}

json_t *sinks_status(const struct sinks *s)
{
    json_t *arr = json_array();
    for (int k = 0; k < s->n; k++) {
        struct alert_sink_stats st;
        alert_sink_stats(s->s[k], &st);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "name", alert_sink_name(s->s[k]),
                           "type", alert_sink_kind_name(s->s[k]), "sent", (json_int_t)st.sent,
                           "failed", (json_int_t)st.failed, "dropped", (json_int_t)st.dropped,
                           "queued", (json_int_t)st.queued, "last_success", st.last_success));
    }
    return arr;
}

void sinks_stop(struct sinks *s)
{
    for (int k = 0; k < s->n; k++) alert_sink_free(s->s[k]);
    s->n = 0;
}
