#include "log_lines.h"

#include "json_scan.h"
#include "timestamp.h"

#include <jansson.h>
#include <string.h>

void log_format_default(struct log_format *f, int json)
{
    static const struct log_format d = {
        0,
        {"log", "message", "MESSAGE", "msg"},
        {"@timestamp", "timestamp", "time", "date", "ts"},
        {"level", "severity", "log.level", "lvl", "PRIORITY"},
        {"service", "service.name", "service_name", "kubernetes.labels.app",
         "kubernetes.container_name", "labels.service", "labels.app", "app"},
    };
    *f = d;
    f->json = json;
}

static int is_level_word(const char *s, size_t n)
{
    static const char *const words[] = {"TRACE",   "DEBUG", "INFO",  "NOTICE", "WARN",
                                        "WARNING", "ERROR", "ERR",   "CRIT",   "CRITICAL",
                                        "ALERT",   "EMERG", "FATAL", "SEVERE", NULL};
    for (int a = 0; words[a]; a++)
        if (strlen(words[a]) == n && memcmp(words[a], s, n) == 0) return 1;
    return 0;
}

/* Finds a level word among the first LOG_LEVEL_SCAN tokens of a raw line. Returns its length
 * and sets *at to its start, or returns 0. */
static size_t log_level_scan(const char *line, size_t len, const char **at)
{
    size_t i = 0;
    for (int tok = 0; tok < LOG_LEVEL_SCAN && i < len; tok++) {
        while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
        size_t start = i;
        while (i < len && line[i] != ' ' && line[i] != '\t') i++;
        size_t s = start, e = i;
        /* strip [..], <..>, and a trailing ':' or ',' */
        if (e > s && (line[s] == '[' || line[s] == '<')) s++;
        while (e > s && (line[e - 1] == ']' || line[e - 1] == '>' || line[e - 1] == ':' ||
                         line[e - 1] == ','))
            e--;
        if (e > s && is_level_word(line + s, e - s)) {
            *at = line + s;
            return e - s;
        }
    }
    return 0;
}

/* Looks a key up, following dots into nested objects when the flat key is absent. */
static json_t *get_key(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v) return v;
    const char *dot = strchr(key, '.');
    if (!dot) return NULL;
    char head[128];
    size_t n = (size_t)(dot - key);
    if (n >= sizeof head) return NULL;
    memcpy(head, key, n);
    head[n] = '\0';
    json_t *inner = json_object_get(obj, head);
    return json_is_object(inner) ? get_key(inner, dot + 1) : NULL;
}

/* The value of the first candidate key that is present (and a string, when strings_only;
 * Fluent Bit's "log" may be an object holding "level"). */
static json_t *first_key(json_t *obj, const char *const keys[LOG_MAX_KEYS], int strings_only)
{
    for (int a = 0; a < LOG_MAX_KEYS && keys[a]; a++) {
        json_t *v = get_key(obj, keys[a]);
        if (v && !json_is_null(v) && (!strings_only || json_is_string(v))) return v;
    }
    return NULL;
}

static const char *const syslog_levels[8] = {"EMERG", "ALERT",  "CRIT", "ERROR",
                                             "WARN",  "NOTICE", "INFO", "DEBUG"};

/* One JSON line -> record. Returns the rejection reason, or -1 when accepted (r filled). */
static int json_line(json_t *root, const struct log_format *f, int64_t dflt, struct log_record *r,
                     char *numlevel)
{
    if (!json_is_object(root)) return REJECT_SYNTAX;
    json_t *msg = first_key(root, f->message_keys, 1);
    if (!json_is_string(msg)) return REJECT_MISSING_FIELD;
    r->text = json_string_value(msg);
    r->text_len = json_string_length(msg);
    while (r->text_len && (r->text[r->text_len - 1] == '\n' || r->text[r->text_len - 1] == '\r'))
        r->text_len--;
    json_t *ts = first_key(root, f->timestamp_keys, 0);
    r->ts_ns = dflt;
    if (json_is_number(ts)) {
        if (timestamp_from_number(json_number_value(ts), 0, &r->ts_ns)) return REJECT_TIMESTAMP;
    } else if (json_is_string(ts)) {
        if (timestamp_parse_ns(json_string_value(ts), json_string_length(ts), 0, &r->ts_ns))
            return REJECT_TIMESTAMP;
    } else if (ts) {
        return REJECT_TIMESTAMP;
    }
    json_t *sv = first_key(root, f->stream_keys, 1);
    if (sv && json_string_length(sv) > 0) {
        r->stream = json_string_value(sv);
        r->stream_len = json_string_length(sv);
    }
    json_t *lv = first_key(root, f->level_keys, 0);
    r->level = NULL;
    r->level_len = 0;
    if (json_is_string(lv) && json_string_length(lv) > 0) {
        r->level = json_string_value(lv);
        r->level_len = json_string_length(lv);
    } else if (json_is_integer(lv)) {
        json_int_t p = json_integer_value(lv);
        if (p >= 0 && p < 8) {
            strcpy(numlevel, syslog_levels[p]);
            r->level = numlevel;
            r->level_len = strlen(numlevel);
        }
    }
    if (!r->level) r->level_len = log_level_scan(r->text, r->text_len, &r->level);
    return -1;
}

#define FAST_MAX_MEMBERS 64

struct member {
    const char *k;
    size_t kn;
    struct jscan_value v;
};

/* The member of the flat object named key (NUL-terminated), or NULL. */
static const struct member *member_get(const struct member *m, int n, const char *key)
{
    size_t kn = strlen(key);
    for (int a = 0; a < n; a++)
        if (m[a].kn == kn && memcmp(m[a].k, key, kn) == 0) return &m[a];
    return NULL;
}

/* first_key on the flat members; *fallback is set when a dotted candidate could resolve into a
 * nested object (left to jansson). */
static const struct member *member_first(const struct member *m, int n,
                                         const char *const keys[LOG_MAX_KEYS], int strings_only,
                                         int *fallback)
{
    for (int a = 0; a < LOG_MAX_KEYS && keys[a]; a++) {
        const struct member *v = member_get(m, n, keys[a]);
        if (!v) {
            const char *dot = strchr(keys[a], '.');
            if (dot) {
                for (int b = 0; b < n; b++)
                    if (m[b].kn == (size_t)(dot - keys[a]) &&
                        memcmp(m[b].k, keys[a], m[b].kn) == 0 && m[b].v.type == JS_OBJECT)
                        *fallback = 1;
            }
            continue;
        }
        if (v->v.type != JS_NULL && (!strings_only || v->v.type == JS_STRING)) return v;
    }
    return NULL;
}

/* The zero-copy path for one JSON log line: a flat object (nested values are skipped unless a
 * candidate key needs them). Fills r as json_line would. Returns 0, or JSON_SCAN_FALLBACK when
 * jansson must decide (including every line it would reject). */
static int fast_json_line(struct jscan *j, const struct log_format *f, int64_t dflt,
                          struct log_record *r, char *numlevel)
{
    struct member m[FAST_MAX_MEMBERS];
    int n = 0;
    if (jscan_expect(j, '{')) return JSON_SCAN_FALLBACK;
    if (jscan_peek(j) == '}') return JSON_SCAN_FALLBACK;
    for (;;) {
        if (n == FAST_MAX_MEMBERS) return JSON_SCAN_FALLBACK;
        if (jscan_string(j, &m[n].k, &m[n].kn) || memchr(m[n].k, '\0', m[n].kn) ||
            jscan_expect(j, ':') || jscan_value(j, &m[n].v))
            return JSON_SCAN_FALLBACK;
        for (int a = 0; a < n; a++) /* duplicate keys: jansson keeps the last */
            if (m[a].kn == m[n].kn && memcmp(m[a].k, m[n].k, m[n].kn) == 0)
                return JSON_SCAN_FALLBACK;
        n++;
        int c = jscan_peek(j);
        if (c < 0) return JSON_SCAN_FALLBACK;
        j->p++;
        if (c == '}') break;
        if (c != ',') return JSON_SCAN_FALLBACK;
    }
    if (jscan_peek(j) >= 0) return JSON_SCAN_FALLBACK;
    int fb = 0;
    const struct member *msg = member_first(m, n, f->message_keys, 1, &fb);
    const struct member *ts = member_first(m, n, f->timestamp_keys, 0, &fb);
    const struct member *lv = member_first(m, n, f->level_keys, 0, &fb);
    const struct member *sv = member_first(m, n, f->stream_keys, 1, &fb);
    if (fb || !msg) return JSON_SCAN_FALLBACK;
    if (sv && sv->v.len > 0) {
        if (memchr(sv->v.s, '\0', sv->v.len)) return JSON_SCAN_FALLBACK;
        r->stream = sv->v.s;
        r->stream_len = sv->v.len;
    }
    if (memchr(msg->v.s, '\0', msg->v.len)) return JSON_SCAN_FALLBACK;
    r->text = msg->v.s;
    r->text_len = msg->v.len;
    while (r->text_len && (r->text[r->text_len - 1] == '\n' || r->text[r->text_len - 1] == '\r'))
        r->text_len--;
    r->ts_ns = dflt;
    if (ts) {
        if (ts->v.type == JS_INT || ts->v.type == JS_REAL) {
            if (timestamp_from_number(ts->v.d, 0, &r->ts_ns)) return JSON_SCAN_FALLBACK;
        } else if (ts->v.type == JS_STRING) {
            if (timestamp_parse_ns(ts->v.s, ts->v.len, 0, &r->ts_ns)) return JSON_SCAN_FALLBACK;
        } else {
            return JSON_SCAN_FALLBACK;
        }
    }
    r->level = NULL;
    r->level_len = 0;
    if (lv && lv->v.type == JS_STRING && lv->v.len > 0) {
        r->level = lv->v.s;
        r->level_len = lv->v.len;
    } else if (lv && lv->v.type == JS_INT) {
        if (lv->v.i >= 0 && lv->v.i < 8) {
            strcpy(numlevel, syslog_levels[lv->v.i]);
            r->level = numlevel;
            r->level_len = strlen(numlevel);
        }
    }
    if (!r->level) r->level_len = log_level_scan(r->text, r->text_len, &r->level);
    return 0;
}

static int parse(const char *buf, size_t len, const struct log_format *f, const char *stream,
                 size_t stream_len, int64_t default_ts_ns, log_record_fn fn, void *ctx,
                 struct reject_stats *st, int slow_only)
{
    struct jscan js = {0};
    int stop = 0;
    size_t at = 0;
    while (at < len) {
        const char *nl = memchr(buf + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - buf) : len, next = nl ? end + 1 : len;
        const char *line = buf + at;
        size_t n = end - at;
        at = next;
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
        if (n == 0) continue;
        st->lines++;
        if (n > LOG_MAX_LINE) {
            reject_count(st, REJECT_LINE_TOO_LONG, line, n);
            continue;
        }
        struct log_record r = {stream, stream_len, default_ts_ns, line, n, NULL, 0};
        if (!f->json) {
            r.level_len = log_level_scan(line, n, &r.level);
            if (!r.level_len) r.level = NULL;
            st->records++;
            stop = fn(ctx, &r);
        } else {
            char numlevel[8];
            if (!slow_only) {
                jscan_reset(&js, line, n);
                if (fast_json_line(&js, f, default_ts_ns, &r, numlevel) == 0) {
                    if (!r.level_len) r.level = NULL;
                    st->records++;
                    if ((stop = fn(ctx, &r))) break;
                    continue;
                }
                r = (struct log_record){stream, stream_len, default_ts_ns, line, n, NULL, 0};
            }
            json_error_t e;
            json_t *root = json_loadb(line, n, 0, &e);
            int why = root ? json_line(root, f, default_ts_ns, &r, numlevel) : REJECT_SYNTAX;
            if (why >= 0) {
                reject_count(st, (enum reject_reason)why, line, n);
                json_decref(root);
                continue;
            }
            if (!r.level_len) r.level = NULL;
            st->records++;
            stop = fn(ctx, &r);
            json_decref(root);
        }
        if (stop) break;
    }
    jscan_free(&js);
    return stop ? 1 : 0;
}

int log_lines_parse(const char *buf, size_t len, const struct log_format *f, const char *stream,
                    size_t stream_len, int64_t default_ts_ns, log_record_fn fn, void *ctx,
                    struct reject_stats *st)
{
    return parse(buf, len, f, stream, stream_len, default_ts_ns, fn, ctx, st, 0);
}

int log_lines_parse_jansson(const char *buf, size_t len, const struct log_format *f,
                            const char *stream, size_t stream_len, int64_t default_ts_ns,
                            log_record_fn fn, void *ctx, struct reject_stats *st)
{
    return parse(buf, len, f, stream, stream_len, default_ts_ns, fn, ctx, st, 1);
}
