/* sink_http.c - the configured HTTP sinks (config sinks[]): Alertmanager's API v2, re-sent while
 * firing, and generic webhooks with retry, backoff and a bounded queue; the delivery runs on the
 * connector's thread (connectors/transports/alert_sink.h). */
#include "sink.h"

#include "alert_sink.h"
#include "config.h"
#include "http_listen.h"

#include <stdio.h>
#include <stdlib.h>

static void deliver(struct sink *k, const struct sink_event *e)
{
    alert_sink_offer(k->impl, e->ev);
}

static void counts(struct sink *k, struct sink_counts *out)
{
    struct alert_sink_stats st;
    alert_sink_stats(k->impl, &st);
    *out = (struct sink_counts){st.sent, st.failed, st.dropped, st.queued, st.last_success};
}

static void close_sink(struct sink *k)
{
    alert_sink_free(k->impl);
    k->impl = NULL;
}

static const struct sink_ops alertmanager = {"alertmanager", deliver, counts, close_sink};
static const struct sink_ops webhook = {"webhook", deliver, counts, close_sink};

int sink_http_open(struct sink *k, const struct sink_conf *c, int index, const char *external_url,
                   char *err, size_t errlen)
{
    char *token = NULL;
    if (c->token_file[0]) {
        char what[128]; /* "sinks[N] (" + a 63-byte name + "): bearer_token_file" */
        snprintf(what, sizeof what, "sinks[%d] (%s): bearer_token_file", index, c->name);
        if (!(token = http_token_read(what, c->token_file, err, errlen))) return -1;
    }
    struct alert_sink_params p = {c->name,
                                  c->type == SINK_WEBHOOK ? ALERT_SINK_WEBHOOK
                                                          : ALERT_SINK_ALERTMANAGER,
                                  c->url,
                                  c->resend_ns * 1e-9,
                                  c->timeout_ns * 1e-9,
                                  c->queue,
                                  c->retries,
                                  token,
                                  external_url};
    struct alert_sink *s = alert_sink_new(&p, err, errlen);
    free(token);
    if (!s) return -1;
    k->ops = c->type == SINK_WEBHOOK ? &webhook : &alertmanager;
    k->impl = s;
    snprintf(k->name, sizeof k->name, "%s", c->name);
    return 0;
}
