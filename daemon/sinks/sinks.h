/*
 * sinks.h - the daemon's alert sinks (sink.h): the PUB socket, the journal (when there is a
 * state directory) and the configured HTTP sinks, registered with the alert publisher, and their
 * counters in the stats registry. Thread: the loop.
 */
#ifndef CAUSALMON_SINKS_H
#define CAUSALMON_SINKS_H
#include "alerts.h"
#include "config.h"
#include "sink.h"
#include "stats.h"

struct sinks {
    struct sink k[CONF_MAX_SINKS + 2];
    int n;
};

/* Opens the sinks of c (pub borrowed; external_url: the base of alert links, NULL for none)
 * and registers each with a. Returns 0, or -1 with a message (what is open stays in *out for
 * sinks_close). */
int sinks_open(const struct config *c, void *pub, const char *external_url, struct alerts *a,
               struct sinks *out, char *err, size_t errlen);
/* Registers causalmon_sink_* (every sink) and causalmon_alerts_dropped_total (events the PUB
 * socket refused). */
void sinks_stats(struct sinks *s, struct stats *reg);
/* Closes every sink (one last delivery attempt each). */
void sinks_close(struct sinks *s);

#endif
