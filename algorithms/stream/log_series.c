#include "log_series.h"

#include "xalloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stream {
    char name[LOG_STREAM_MAX + 1];
    struct drain *d;
};

struct log_series {
    struct drain_params dp;
    int max_streams, n;
    struct stream *s;
};

struct log_series *log_series_new(const struct drain_params *dp, int max_streams, char *err,
                                  size_t errlen)
{
    if (max_streams < 1 || max_streams > 100000) {
        snprintf(err, errlen, "log series: max_streams %d out of range [1, 100000]", max_streams);
        return NULL;
    }
    struct drain *probe = drain_new(dp, err, errlen);
    if (!probe) return NULL;
    drain_free(probe);
    struct log_series *ls = xcalloc(1, sizeof *ls);
    ls->dp = *dp;
    ls->max_streams = max_streams;
    ls->s = xcalloc((size_t)max_streams, sizeof *ls->s);
    return ls;
}

void log_series_free(struct log_series *ls)
{
    if (!ls) return;
    for (int a = 0; a < ls->n; a++) drain_free(ls->s[a].d);
    free(ls->s);
    free(ls);
}

static size_t sanitise(const char *s, size_t n, char *out, size_t max, int upper)
{
    size_t m = n < max ? n : max;
    for (size_t a = 0; a < m; a++) {
        unsigned char c = (unsigned char)s[a];
        if (upper) c = (unsigned char)toupper(c);
        out[a] = isalnum(c) || c == '_' || (!upper && c == '-') ? (char)c : '_';
    }
    out[m] = '\0';
    return m;
}

size_t log_level_normalise(const char *s, size_t n, char *out)
{
    static const char *const alias[][2] = {{"WARNING", "WARN"},     {"ERR", "ERROR"},
                                           {"CRITICAL", "CRIT"},    {"EMERGENCY", "EMERG"},
                                           {"INFORMATION", "INFO"}, {NULL, NULL}};
    char up[LOG_LEVEL_MAX * 2 + 1];
    size_t m = sanitise(s, n, up, sizeof up - 1, 1);
    for (int a = 0; alias[a][0]; a++)
        if (strcmp(up, alias[a][0]) == 0) {
            strcpy(out, alias[a][1]);
            return strlen(out);
        }
    if (m > LOG_LEVEL_MAX) m = LOG_LEVEL_MAX;
    memcpy(out, up, m);
    out[m] = '\0';
    return m;
}

static int find_stream(const struct log_series *ls, const char *name)
{
    for (int a = 0; a < ls->n; a++)
        if (strcmp(ls->s[a].name, name) == 0) return a;
    return -1;
}

static int add_stream(struct log_series *ls, const char *name, struct drain *d)
{
    if (ls->n == ls->max_streams) return -1;
    struct stream *st = &ls->s[ls->n];
    snprintf(st->name, sizeof st->name, "%s", name);
    st->d = d;
    return ls->n++;
}

int log_series_add(struct log_series *ls, const struct log_record *r, metric_record_fn fn,
                   void *ctx)
{
    char name[LOG_STREAM_MAX + 1];
    sanitise(r->stream, r->stream_len, name, LOG_STREAM_MAX, 0);
    if (!name[0]) strcpy(name, "_");
    int i = find_stream(ls, name);
    if (i < 0) {
        if (ls->n == ls->max_streams) return -1;
        char err[160];
        i = add_stream(ls, name, drain_new(&ls->dp, err, sizeof err)); /* params checked at new */
    }
    int id = drain_add(ls->s[i].d, r->text, r->text_len);
    char series[LOG_STREAM_MAX + LOG_LEVEL_MAX + 32];
    int n = snprintf(series, sizeof series, "log.%s.tpl%d", name, id);
    struct metric_record m = {series, (size_t)n, r->ts_ns, 1.0};
    if (fn(ctx, &m)) return -2;
    if (r->level && r->level_len) {
        char lv[LOG_LEVEL_MAX + 1];
        log_level_normalise(r->level, r->level_len, lv);
        n = snprintf(series, sizeof series, "log.%s.level.%s", name, lv);
        m.name_len = (size_t)n;
        if (fn(ctx, &m)) return -2;
    }
    return id;
}

const char *log_series_template(struct log_series *ls, const char *series, size_t len)
{
    if (len < 8 || memcmp(series, "log.", 4) != 0) return NULL;
    /* the stream name has no '.', so the template part starts at the next dot */
    const char *dot = memchr(series + 4, '.', len - 4);
    if (!dot) return NULL;
    size_t sl = (size_t)(dot - series - 4), rest = len - (size_t)(dot + 1 - series);
    if (sl > LOG_STREAM_MAX || rest < 4 || memcmp(dot + 1, "tpl", 3) != 0) return NULL;
    char name[LOG_STREAM_MAX + 1];
    memcpy(name, series + 4, sl);
    name[sl] = '\0';
    int id = 0;
    for (const char *p = dot + 4, *e = series + len; p < e; p++) {
        if (*p < '0' || *p > '9' || id > 100000000) return NULL;
        id = id * 10 + (*p - '0');
    }
    int i = find_stream(ls, name);
    return i < 0 ? NULL : drain_template(ls->s[i].d, id);
}

int log_series_nstreams(const struct log_series *ls)
{
    return ls->n;
}

const char *log_series_stream(const struct log_series *ls, int i)
{
    return i >= 0 && i < ls->n ? ls->s[i].name : NULL;
}

struct drain *log_series_drain(struct log_series *ls, int i)
{
    return i >= 0 && i < ls->n ? ls->s[i].d : NULL;
}

char *log_series_save(const struct log_series *ls, size_t *len)
{
    size_t cap = 64, n = 0;
    char *buf = xmalloc(cap);
    n = (size_t)snprintf(buf, cap, "logseries1 %d\n", ls->n);
    for (int a = 0; a < ls->n; a++) {
        size_t sl;
        char *state = drain_save(ls->s[a].d, &sl);
        size_t need = n + strlen(ls->s[a].name) + sl + 64;
        if (need > cap) {
            cap = need * 2;
            buf = xrealloc(buf, cap);
        }
        n += (size_t)snprintf(buf + n, cap - n, "%s %zu\n", ls->s[a].name, sl);
        memcpy(buf + n, state, sl);
        n += sl;
        buf[n] = '\0';
        free(state);
    }
    *len = n;
    return buf;
}

struct log_series *log_series_load(const char *text, size_t len, const struct drain_params *dp,
                                   int max_streams, char *err, size_t errlen)
{
    int ns, used = 0;
    char head[64];
    size_t hl = 0;
    while (hl < len && hl < sizeof head - 1 && text[hl] != '\n') hl++;
    memcpy(head, text, hl);
    head[hl] = '\0';
    if (hl == len || sscanf(head, "logseries1 %d%n", &ns, &used) != 1 || used != (int)hl ||
        ns < 0 || ns > max_streams) {
        snprintf(err, errlen, "log series state: bad header");
        return NULL;
    }
    struct log_series *ls = log_series_new(dp, max_streams, err, errlen);
    if (!ls) return NULL;
    size_t at = hl + 1;
    for (int a = 0; a < ns; a++) {
        size_t end = at;
        while (end < len && end - at < LOG_STREAM_MAX + 32 && text[end] != '\n') end++;
        char line[LOG_STREAM_MAX + 40], name[LOG_STREAM_MAX + 1];
        size_t sl;
        if (end >= len || end - at >= sizeof line) goto bad;
        memcpy(line, text + at, end - at);
        line[end - at] = '\0';
        char *sp = strrchr(line, ' ');
        if (!sp || sp == line || (size_t)(sp - line) > LOG_STREAM_MAX) goto bad;
        *sp = '\0';
        char *num_end;
        sl = (size_t)strtoull(sp + 1, &num_end, 10);
        if (*num_end || sl > len - end - 1) goto bad;
        sanitise(line, strlen(line), name, LOG_STREAM_MAX, 0);
        if (strcmp(name, line) != 0 || find_stream(ls, name) >= 0) goto bad;
        char derr[160];
        struct drain *d = drain_load(text + end + 1, sl, derr, sizeof derr);
        if (!d) {
            snprintf(err, errlen, "log series state: stream %s: %s", name, derr);
            log_series_free(ls);
            return NULL;
        }
        add_stream(ls, name, d);
        at = end + 1 + sl;
    }
    if (at != len) goto bad;
    return ls;
bad:
    snprintf(err, errlen, "log series state: stream %d: bad header line", ls->n + 1);
    log_series_free(ls);
    return NULL;
}
