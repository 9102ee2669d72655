/*
 * sink.h - where published alert events go, as a plugin: a table of operations per sink type.
 * The alert publisher (alerts.c) builds each event once and hands it to every sink in order:
 * the ZeroMQ PUB socket (sink_pub.c), the journal file (sink_journal.c) and the configured HTTP
 * sinks, Alertmanager and webhooks (sink_http.c). Each counts what it delivered, what failed and
 * what it dropped, for the stats registry (sinks.c).
 *
 * Thread: the loop calls every operation; an HTTP sink delivers on a thread of its own.
 */
#ifndef CAUSALMON_SINK_H
#define CAUSALMON_SINK_H
#include <jansson.h>
#include <stddef.h>

struct sink;

/* One event as every sink gets it: the JSON (borrowed), its compact text and its PUB topic. */
struct sink_event {
    const json_t *ev;
    const char *text;
    const char *topic;
    size_t topic_len;
};

struct sink_counts {
    long delivered;      /* events (PUB, journal) or requests (HTTP) that went out */
    long failed;         /* attempts that failed and may be retried */
    long dropped;        /* events given up */
    long queued;         /* events waiting now */
    double last_success; /* wall time of the last delivery, 0 if none */
};

struct sink_ops {
    const char *type; /* pub, journal, alertmanager, webhook */
    /* Hands over one event; never blocks on the network. */
    void (*deliver)(struct sink *k, const struct sink_event *e);
    void (*counts)(struct sink *k, struct sink_counts *out);
    /* Last delivery attempt where it applies, then frees k->impl. */
    void (*close)(struct sink *k);
};

struct sink {
    const struct sink_ops *ops;
    char name[64];
    void *impl;
};

/* The built-in sinks. Each returns 0, or -1 with a message (k untouched). */
int sink_pub_open(struct sink *k, void *pub); /* pub borrowed */
/* The alert PUB socket's options, set before it binds: a send high-water mark of hwm messages
 * per subscriber, and ZeroMQ's lossy distribution (a subscriber whose queue is full misses the
 * event alone; the others get it). Loop thread. */
void sink_pub_socket_options(void *pub, int hwm);
int sink_journal_open(struct sink *k, const char *state_dir, char *err, size_t errlen);
struct sink_conf;
int sink_http_open(struct sink *k, const struct sink_conf *c, int index, const char *external_url,
                   char *err, size_t errlen);

#endif
