/* A scope's incident policy (incident.h) driven with synthetic KPI rows, the ranking job run in
 * line as the scope runs it with its refresh, alerts on a real ZeroMQ PUB socket: when an alert
 * fires, that it resolves, that the cooldown holds back a second alert, and that min_confidence
 * suppresses (and counts) a weak one. */
#include "test_util.h"

#include "alerts.h"
#include "config.h"
#include "duration.h"
#include "incident.h"
#include "rng.h"
#include "scope_window.h"
#include "sink.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define BUCKET_NS 1000000000LL
enum { NCOLS = 3, REFERENCE = 60, SETTLE = 10, COOLDOWN = 30, SHIFT = 8 };

/* Columns: a cause, the KPI that follows it one bucket later, and an unrelated series. */
static char *NAMES[NCOLS] = {"cause", "kpi", "other"};

struct rig {
    void *zctx, *pub, *sub; /* the alert PUB socket and a subscriber to it */
    struct sink pub_sink;
    struct alerts *al;
    struct scope_window *win;
    struct incident *inc;
    struct rng r;
    int64_t t;
    double cause_prev;
};

static void rig_open(struct rig *g, double min_confidence)
{
    static int n;
    memset(g, 0, sizeof *g);
    struct scope_conf c;
    config_scope_defaults(&c);
    snprintf(c.name, sizeof c.name, "shop");
    snprintf(c.kpis[0], sizeof c.kpis[0], "kpi");
    c.nkpis = 1;
    c.reference = REFERENCE;
    c.settle = SETTLE;
    c.cooldown = COOLDOWN;
    c.min_confidence = min_confidence;
    g->zctx = zmq_ctx_new();
    g->pub = zmq_socket(g->zctx, ZMQ_PUB);
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://incident-%d", n++);
    assert_int_equal(zmq_bind(g->pub, ep), 0);
    g->sub = zmq_socket(g->zctx, ZMQ_SUB);
    assert_int_equal(zmq_setsockopt(g->sub, ZMQ_SUBSCRIBE, "alert.", 6), 0);
    assert_int_equal(zmq_connect(g->sub, ep), 0);
    g->al = alerts_new("test");
    assert_int_equal(sink_pub_open(&g->pub_sink, g->pub), 0);
    alerts_add_sink(g->al, &g->pub_sink);
    g->win = scope_window_new(400, NCOLS);
    for (int k = 0; k < NCOLS; k++) assert_int_equal(scope_window_add_column(g->win), k);
    g->inc = incident_new(&c, BUCKET_NS, NULL, NULL);
    assert_non_null(g->inc);
    rng_seed(&g->r, 11);
    g->t = 1700000000LL * BUCKET_NS;
}

/* Counts the alert events that reached the subscriber since the last call (two frames each:
 * topic, event) into firing and resolved. */
static void received(struct rig *g, int *firing, int *resolved)
{
    char buf[65536];
    for (;;) {
        int len = zmq_recv(g->sub, buf, sizeof buf - 1, ZMQ_DONTWAIT);
        if (len < 0) break;
        int more = 0;
        size_t ml = sizeof more;
        zmq_getsockopt(g->sub, ZMQ_RCVMORE, &more, &ml);
        if (more) continue; /* the topic */
        buf[len < (int)sizeof buf - 1 ? len : (int)sizeof buf - 1] = '\0';
        *firing += strstr(buf, "\"status\":\"firing\"") != NULL;
        *resolved += strstr(buf, "\"status\":\"resolved\"") != NULL;
    }
}

static void rig_close(struct rig *g)
{
    incident_free(g->inc);
    scope_window_free(g->win);
    alerts_free(g->al);
    g->pub_sink.ops->close(&g->pub_sink);
    zmq_close(g->sub);
    zmq_close(g->pub);
    zmq_ctx_term(g->zctx);
}

/* Pushes n buckets with the cause shifted by shift (the KPI follows a bucket later). */
static void rows(struct rig *g, int n, double shift)
{
    for (int a = 0; a < n; a++) {
        double row[NCOLS];
        row[0] = shift + rng_normal(&g->r);
        row[1] = 0.8 * g->cause_prev + 0.5 * rng_normal(&g->r);
        row[2] = rng_normal(&g->r);
        g->cause_prev = row[0];
        scope_window_push(g->win, g->t, row);
        incident_row(g->inc, g->win, NAMES, row, NCOLS, g->t);
        struct incident_job *j = incident_take_job(g->inc);
        if (j) { /* what the scope does on a worker with its refresh, here in line */
            int jr, jc;
            incident_job_shape(j, &jr, &jc);
            double *X = malloc(sizeof(double) * (size_t)jr * (size_t)jc);
            scope_window_snapshot(g->win, X);
            incident_job_run(j, X, NULL); /* NULL: the ranking learns the graph itself */
            free(X);
        }
        incident_poll(g->inc, g->al);
        g->t += BUCKET_NS;
    }
}

/* One of the incident's counters: "incidents", "alerts" or "suppressed". */
static long status_int(struct rig *g, const char *key)
{
    long incidents, alerts, suppressed;
    incident_counts(g->inc, &incidents, &alerts, &suppressed);
    return !strcmp(key, "incidents") ? incidents : !strcmp(key, "alerts") ? alerts : suppressed;
}

static int state_is(struct rig *g, const char *state)
{
    json_t *s = incident_status(g->inc);
    int same = strcmp(json_string_value(json_object_get(s, "state")), state) == 0;
    json_decref(s);
    return same;
}

/* Polls (no new rows) until status key reaches at least v: the ranking runs on the worker. */
static void wait_status(struct rig *g, const char *key, long v)
{
    for (int a = 0; a < 6000 && status_int(g, key) < v; a++) {
        nanosleep(&(struct timespec){0, 10000000}, NULL);
        incident_poll(g->inc, g->al);
    }
    if (status_int(g, key) < v) fail_msg("%s stayed below %ld", key, v);
}

/* The data object of the last published alert event (a new reference). */
static json_t *last_alert(struct rig *g)
{
    json_t *all = alerts_since(g->al, 0);
    size_t n = json_array_size(all);
    assert_true(n > 0);
    json_t *d = json_incref(json_object_get(json_array_get(all, n - 1), "data"));
    json_decref(all);
    return d;
}

static double top_score(json_t *data)
{
    json_t *rc = json_object_get(json_object_get(data, "rca"), "root_causes");
    return json_number_value(json_object_get(json_array_get(rc, 0), "score"));
}

static void test_alert_fires_after_settle_resolves_and_cooldown_holds_back_a_second(void **st)
{
    (void)st;
    struct rig g;
    rig_open(&g, 0);
    rows(&g, 200, 0);
    assert_int_equal(status_int(&g, "incidents"), 0);
    int64_t fault = g.t + BUCKET_NS; /* the KPI moves one bucket after the cause */
    rows(&g, 6, SHIFT);
    /* a change point after 3 buckets beyond z, but no alert before `settle` buckets */
    assert_int_equal(status_int(&g, "incidents"), 1);
    assert_true(state_is(&g, "incident"));
    assert_int_equal(status_int(&g, "alerts"), 0);
    rows(&g, SETTLE, SHIFT);
    wait_status(&g, "alerts", 1);
    assert_true(state_is(&g, "firing"));
    json_t *fired = last_alert(&g);
    assert_string_equal(json_string_value(json_object_get(fired, "status")), "firing");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(fired, "labels"), "scope")), "shop");
    char starts[40];
    format_rfc3339((double)fault * 1e-9, 0, starts, sizeof starts);
    assert_string_equal(json_string_value(json_object_get(fired, "startsAt")), starts);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(fired, "labels"), "root_cause")),
        "cause");
    assert_true(top_score(fired) >= 0);
    const char *fp = json_string_value(json_object_get(fired, "fingerprint"));

    /* the KPI recovers: the same alert is sent again as resolved */
    rows(&g, 20, SHIFT);
    assert_int_equal(status_int(&g, "alerts"), 1);
    for (int a = 0; a < 100 && !state_is(&g, "normal"); a++) rows(&g, 1, 0);
    assert_true(state_is(&g, "normal"));
    assert_int_equal(status_int(&g, "alerts"), 2);
    json_t *resolved = last_alert(&g);
    assert_string_equal(json_string_value(json_object_get(resolved, "status")), "resolved");
    assert_string_equal(json_string_value(json_object_get(resolved, "fingerprint")), fp);

    /* the same fault within the cooldown raises no incident and no alert */
    rows(&g, 5, 0);
    rows(&g, 10, SHIFT);
    rows(&g, 5, 0);
    assert_int_equal(status_int(&g, "incidents"), 1);
    assert_int_equal(status_int(&g, "alerts"), 2);
    assert_true(state_is(&g, "normal"));

    /* after the cooldown (and a reference free of that excursion) it fires again */
    rows(&g, REFERENCE + COOLDOWN, 0);
    rows(&g, 10, SHIFT); /* the excursion the cooldown held back now makes a change point */
    assert_int_equal(status_int(&g, "incidents"), 2);
    rows(&g, SETTLE, SHIFT);
    wait_status(&g, "alerts", 3);
    json_t *again = last_alert(&g);
    assert_string_equal(json_string_value(json_object_get(again, "status")), "firing");
    assert_int_equal(status_int(&g, "suppressed"), 0);
    /* and the subscriber of the PUB socket got the same: two firing events, one resolved */
    int firing = 0, resolved_n = 0;
    for (int a = 0; a < 100 && firing + resolved_n < 3; a++) {
        received(&g, &firing, &resolved_n);
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    assert_int_equal(firing, 2);
    assert_int_equal(resolved_n, 1);
    json_decref(fired);
    json_decref(resolved);
    json_decref(again);
    rig_close(&g);
}

/* Runs the first incident of the fixed data to its ranking; returns the rig open. */
static void first_incident(struct rig *g, double min_confidence)
{
    rig_open(g, min_confidence);
    rows(g, 200, 0);
    rows(g, 6 + SETTLE, SHIFT);
    assert_int_equal(status_int(g, "incidents"), 1);
}

static void test_min_confidence_suppresses_and_counts_a_weak_alert(void **st)
{
    (void)st;
    struct rig g;
    first_incident(&g, 0);
    wait_status(&g, "alerts", 1);
    json_t *fired = last_alert(&g);
    double score = top_score(fired);
    json_decref(fired);
    rig_close(&g);
    assert_true(score > 0.02 && score < 0.98);

    /* the same data with min_confidence just above the top score: suppressed and counted */
    first_incident(&g, score + 0.01);
    wait_status(&g, "suppressed", 1);
    assert_int_equal(status_int(&g, "alerts"), 0);
    assert_true(state_is(&g, "incident"));
    /* it resolves without a resolved alert: none was sent */
    for (int a = 0; a < 100 && !state_is(&g, "normal"); a++) rows(&g, 1, 0);
    assert_true(state_is(&g, "normal"));
    assert_int_equal(status_int(&g, "alerts"), 0);
    json_t *none = alerts_since(g.al, 0);
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
    rig_close(&g);

    /* and just below it: the alert fires */
    first_incident(&g, score - 0.01);
    wait_status(&g, "alerts", 1);
    assert_int_equal(status_int(&g, "suppressed"), 0);
    rig_close(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_fires_after_settle_resolves_and_cooldown_holds_back_a_second),
        cmocka_unit_test(test_min_confidence_suppresses_and_counts_a_weak_alert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
