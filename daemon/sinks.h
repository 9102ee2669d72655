/*
 * sinks.h - the configured alert sinks (config `sinks:`), started with the daemon and fed
 * every alert event it publishes (alerts_add_sink), plus their /metrics series.
 * Thread: the loop.
 */
#ifndef CAUSALMON_SINKS_H
#define CAUSALMON_SINKS_H

#include "alert_sink.h"
#include "alerts.h"
#include "config.h"
#include "prom_text.h"

struct sinks {
    struct alert_sink *s[CONF_MAX_SINKS];
    int n;
};

/* Starts c's sinks and registers them with a. external_url is the base of alert links (NULL:
 * none). Returns 0, or -1 with a message (what is started stays in *out for sinks_stop). */
int sinks_start(const struct config *c, const char *external_url, struct alerts *a,
                struct sinks *out, char *err, size_t errlen);
/* Appends causalmon_sink_* series for every sink. */
void sinks_metrics(const struct sinks *s, struct prom_text *t);
/* The sinks for `query status`: [{name, type, sent, failed, dropped, queued, last_success}]
 * (new reference; the counters are those of causalmon_sink_* on /metrics). */
json_t *sinks_status(const struct sinks *s);
/* Stops every sink (one last delivery attempt each). */
void sinks_stop(struct sinks *s);

#endif
