/* alert_sink.c - Alertmanager API v2 and webhook delivery on a sender thread (alert_sink.h). */
#include "alert_sink.h"

#include "logmsg.h"
#include "timestamp.h"
#include "xalloc.h"

#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BACKOFF_MAX_S 60.0

struct event { /* webhook: one body to POST */
    char *body;
    int attempts;
    double due; /* wall time */
};

struct tracked { /* alertmanager: one alert by fingerprint */
    char fp[17];
    json_t *alert; /* labels, annotations, startsAt, generatorURL */
    int resolved;
    double ends;              /* resolved: wall time it ended */
    unsigned ver, posted_ver; /* updates by offers; the version in the last post */
};

struct alert_sink {
    char *name, *url, *token, *external;
    enum alert_sink_kind kind;
    double resend_s, timeout_s;
    int cap, retries;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    struct event *q; /* ring */
    int head, n;
    char *inflight; /* webhook: the body being posted (the sender thread frees it if dropped) */
    struct tracked *am;
    int nam;
    int dirty;        /* alertmanager: a change to send now */
    double next_send; /* alertmanager: wall time of the next (re-)send */
    double backoff;
    struct alert_sink_stats st;
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
};

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void rfc3339(double t, char *buf, size_t len)
{
    time_t s = (time_t)floor(t);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03dZ", (int)((t - (double)s) * 1000) % 1000);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

/* POSTs body; returns the HTTP status, or 0 on a transport error (message logged). */
static long post(struct alert_sink *s, const char *url, const char *type, const char *body)
{
    struct curl_slist *h = NULL;
    char line[1200];
    snprintf(line, sizeof line, "Content-Type: %s", type);
    h = curl_slist_append(h, line);
    if (s->token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", s->token);
        h = curl_slist_append(h, line);
    }
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, (long)(s->timeout_s * 1000));
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)(s->timeout_s * 1000));
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    s->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(s->curl);
    long code = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    else
        logmsg(LOG_WARNING, "sink %s: POST %s: %s", s->name, url,
               s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
    if (code && (code < 200 || code > 299))
        logmsg(LOG_WARNING, "sink %s: POST %s: HTTP %ld", s->name, url, code);
    curl_slist_free_all(h);
    return code;
}

static void count(struct alert_sink *s, long code)
{
    pthread_mutex_lock(&s->mu);
    if (code >= 200 && code <= 299) {
        s->st.sent++;
        s->st.last_success = wall();
    } else {
        s->st.failed++;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Webhook: sends the front event when due. Called with the lock held; returns with it held.
 * While the lock is released the body is marked in flight: if the queue overflows meanwhile
 * and drops this event, alert_sink_offer leaves the body to be freed here. */
static void webhook_step(struct alert_sink *s)
{
    struct event *e = &s->q[s->head];
    char *body = e->body;
    s->inflight = body;
    pthread_mutex_unlock(&s->mu);
    long code = post(s, s->url, "application/cloudevents+json", body);
    count(s, code);
    pthread_mutex_lock(&s->mu);
    s->inflight = NULL;
    if (s->n == 0 || s->q[s->head].body != body) { /* dropped meanwhile (queue full) */
        free(body);
        return;
    }
    int retry = code == 0 || code == 429 || code >= 500;
    if (code >= 200 && code <= 299) {
        retry = 0;
    } else if (retry && e->attempts < s->retries) {
        double wait = pow(2.0, e->attempts);
        if (wait > BACKOFF_MAX_S) wait = BACKOFF_MAX_S;
        e->attempts++;
        e->due = wall() + wait;
        logmsg(LOG_INFO, "sink %s: retry %d of %d in %.0f s", s->name, e->attempts, s->retries,
               wait);
        return;
    } else {
        s->st.dropped++;
        logmsg(LOG_WARNING, "sink %s: event dropped after %d attempt(s)", s->name, e->attempts + 1);
    }
    free(e->body);
    s->head = (s->head + 1) % s->cap;
    s->n--;
}

/* Alertmanager: posts every tracked alert; firing ones end 4 resend intervals from now. Called
 * with the lock held; returns with it held. */
static void am_step(struct alert_sink *s)
{
    double now = wall();
    char ends[40], url[CURL_ERROR_SIZE + 300];
    rfc3339(now + 4 * s->resend_s, ends, sizeof ends);
    json_t *arr = json_array();
    for (int k = 0; k < s->nam; k++) {
        json_t *a = json_deep_copy(s->am[k].alert);
        s->am[k].posted_ver = s->am[k].ver;
        if (s->am[k].resolved) {
            char e[40];
            rfc3339(s->am[k].ends, e, sizeof e);
            json_object_set_new(a, "endsAt", json_string(e));
        } else {
            json_object_set_new(a, "endsAt", json_string(ends));
        }
        json_array_append_new(arr, a);
    }
    int sent_n = s->nam;
    char *body = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    s->dirty = 0;
    pthread_mutex_unlock(&s->mu);
    snprintf(url, sizeof url, "%s/api/v2/alerts", s->url);
    long code = post(s, url, "application/json", body);
    free(body);
    count(s, code);
    pthread_mutex_lock(&s->mu);
    if (code >= 200 && code <= 299) {
        s->backoff = 0;
        s->next_send = now + s->resend_s;
        /* resolved alerts that went out are done (the first sent_n entries were in the post) */
        int w = 0;
        for (int k = 0; k < s->nam; k++) {
            if (k < sent_n && s->am[k].resolved && s->am[k].posted_ver == s->am[k].ver) {
                json_decref(s->am[k].alert);
                continue;
            }
            s->am[w++] = s->am[k];
        }
        s->nam = w;
    } else {
        if (code >= 400 && code < 500 && code != 429) { /* rejected: would fail again */
            s->st.dropped += sent_n;
            for (int k = 0; k < sent_n; k++) json_decref(s->am[k].alert);
            memmove(s->am, s->am + sent_n, (size_t)(s->nam - sent_n) * sizeof *s->am);
            s->nam -= sent_n;
        }
        s->backoff = s->backoff ? s->backoff * 2 : 1;
        if (s->backoff > s->resend_s) s->backoff = s->resend_s;
        s->next_send = now + s->backoff;
    }
}

static void *run(void *arg)
{
    struct alert_sink *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        double now = wall(), due;
        if (s->kind == ALERT_SINK_WEBHOOK)
            due = s->n ? s->q[s->head].due : now + 3600;
        else
            due = s->dirty && s->backoff == 0 ? now : (s->nam ? s->next_send : now + 3600);
        if (s->stop && (due > now || (s->kind == ALERT_SINK_WEBHOOK ? !s->n : !s->nam))) break;
        if (due <= now) {
            if (s->kind == ALERT_SINK_WEBHOOK)
                webhook_step(s);
            else
                am_step(s);
            if (s->stop) break; /* one last attempt only */
            continue;
        }
        struct timespec ts;
        double until = due < now + 1 ? due : now + 1;
        ts.tv_sec = (time_t)until;
        ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct alert_sink *alert_sink_new(const struct alert_sink_params *p, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    struct alert_sink *s = xcalloc(1, sizeof *s);
    s->curl = curl_easy_init();
    if (!s->curl) {
        snprintf(err, errlen, "sink %s: libcurl did not initialize", p->name);
        free(s);
        return NULL;
    }
    s->name = xstrdup(p->name);
    s->url = xstrdup(p->url);
    size_t ul = strlen(s->url);
    while (p->kind == ALERT_SINK_ALERTMANAGER && ul && s->url[ul - 1] == '/') s->url[--ul] = '\0';
    s->token = p->token ? xstrdup(p->token) : NULL;
    s->external = p->external_url && p->external_url[0] ? xstrdup(p->external_url) : NULL;
    s->kind = p->kind;
    s->resend_s = p->resend_s > 0 ? p->resend_s : 30;
    s->timeout_s = p->timeout_s > 0 ? p->timeout_s : 5;
    s->cap = p->queue > 0 ? p->queue : 256;
    s->retries = p->retries;
    if (s->kind == ALERT_SINK_WEBHOOK)
        s->q = xcalloc((size_t)s->cap, sizeof *s->q);
    else
        s->am = xcalloc((size_t)s->cap, sizeof *s->am);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&s->cv, &ca); /* CLOCK_REALTIME, as wall() */
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, run, s)) {
        snprintf(err, errlen, "sink %s: cannot start its thread", p->name);
        curl_easy_cleanup(s->curl);
        free(s->q);
        free(s->am);
        free(s->name);
        free(s->url);
        free(s->token);
        free(s->external);
        free(s);
        return NULL;
    }
    return s;
}

/* The Alertmanager alert of a CloudEvents alert event: labels, annotations, startsAt (never
 * after now), generatorURL. Sets *resolved and *ends (wall time, never after now). */
static json_t *am_alert(const struct alert_sink *s, const json_t *data, const char *fp,
                        int *resolved, double *ends)
{
    double now = wall(), starts = now, e = now;
    const char *st = json_string_value(json_object_get(data, "startsAt"));
    const char *en = json_string_value(json_object_get(data, "endsAt"));
    char err[64];
    if (st && timestamp_parse(st, strlen(st), &starts, err, sizeof err) == 0 && starts > now)
        starts = now;
    const char *status = json_string_value(json_object_get(data, "status"));
    *resolved = status && !strcmp(status, "resolved");
    if (*resolved && en && timestamp_parse(en, strlen(en), &e, err, sizeof err) == 0 && e > now)
        e = now;
    if (e < starts) e = starts;
    *ends = e;
    char sa[40];
    rfc3339(starts, sa, sizeof sa);
    json_t *a = json_pack("{s:O, s:O, s:s}", "labels", json_object_get(data, "labels"),
                          "annotations", json_object_get(data, "annotations"), "startsAt", sa);
    if (!json_is_object(json_object_get(a, "labels")))
        json_object_set_new(a, "labels", json_object());
    if (!json_is_object(json_object_get(a, "annotations")))
        json_object_set_new(a, "annotations", json_object());
    if (s->external) {
        char url[600];
        snprintf(url, sizeof url, "%s/alerts?fingerprint=%s", s->external, fp);
        json_object_set_new(a, "generatorURL", json_string(url));
    }
    return a;
}

void alert_sink_offer(struct alert_sink *s, const json_t *ev)
{
    if (s->kind == ALERT_SINK_WEBHOOK) {
        char *body = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(10));
        pthread_mutex_lock(&s->mu);
        if (s->n == s->cap) { /* drop the oldest; one in flight is freed when its post returns */
            if (s->q[s->head].body != s->inflight) free(s->q[s->head].body);
            logmsg(LOG_WARNING, "sink %s: queue full (%d): oldest event dropped", s->name, s->cap);
            s->head = (s->head + 1) % s->cap;
            s->n--;
            s->st.dropped++;
        }
        s->q[(s->head + s->n) % s->cap] = (struct event){body, 0, 0};
        s->n++;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    const json_t *data = json_object_get(ev, "data");
    const char *fp = json_string_value(json_object_get(data, "fingerprint"));
    if (!fp || strlen(fp) != 16) return;
    int resolved;
    double ends;
    json_t *a = am_alert(s, data, fp, &resolved, &ends);
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!resolved && type && !strcmp(type, "causalmon.alert.structure_change")) {
        resolved = 1; /* an event, not an incident: no resolution follows; it expires */
        ends = wall() + 4 * s->resend_s;
    }
    pthread_mutex_lock(&s->mu);
    int k = 0;
    unsigned ver = 1;
    while (k < s->nam && strcmp(s->am[k].fp, fp)) k++;
    if (k < s->nam) {
        ver = s->am[k].ver + 1;
        json_t *old = s->am[k].alert; /* keep the first startsAt of the incident */
        json_object_set(a, "startsAt", json_object_get(old, "startsAt"));
        json_decref(old);
    } else if (s->nam == s->cap) {
        s->st.dropped++;
        json_decref(a);
        a = NULL;
    } else {
        s->nam++;
    }
    if (a) {
        s->am[k] = (struct tracked){"", a, resolved, ends, ver, 0};
        memcpy(s->am[k].fp, fp, 17);
        s->dirty = 1;
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

void alert_sink_stats(struct alert_sink *s, struct alert_sink_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->st;
    out->queued = s->kind == ALERT_SINK_WEBHOOK ? s->n : s->nam;
    pthread_mutex_unlock(&s->mu);
}

const char *alert_sink_name(const struct alert_sink *s)
{
    return s->name;
}

const char *alert_sink_kind_name(const struct alert_sink *s)
{
    return s->kind == ALERT_SINK_WEBHOOK ? "webhook" : "alertmanager";
}

void alert_sink_free(struct alert_sink *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    for (int k = 0; k < s->n; k++) free(s->q[(s->head + k) % s->cap].body);
    for (int k = 0; k < s->nam; k++) json_decref(s->am[k].alert);
    curl_easy_cleanup(s->curl);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->q);
    free(s->am);
    free(s->name);
    free(s->url);
    free(s->token);
    free(s->external);
    free(s);
}
