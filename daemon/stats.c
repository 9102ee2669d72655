/* stats.c - the counter registry and its two renderers (stats.h). */
#include "stats.h"

#include "logmsg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stats_emit {
    const struct stat_family *f;
    struct prom_text *t; /* Prometheus rendering, or */
    json_t *root;        /* JSON rendering */
    int failed;
};

int stats_register(struct stats *s, const struct stat_family *f)
{
    if (s->n >= STATS_MAX_FAMILIES) {
        logmsg(LOG_ERR, "stats: no room for %s (STATS_MAX_FAMILIES)", f->name);
        return -1;
    }
    for (int k = 0; k < s->n; k++)
        if (strcmp(s->f[k].name, f->name) == 0) {
            logmsg(LOG_ERR, "stats: %s is registered twice", f->name);
            return -1;
        }
    s->f[s->n++] = *f;
    return 0;
}

static int nlabels(const struct stat_family *f)
{
    int n = 0;
    while (n < STATS_MAX_LABELS && f->labels[n]) n++;
    return n;
}

static int integral(double v)
{
    return isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0;
}

static void prom_sample(struct stats_emit *e, double v, const char *const *vals)
{
    const struct stat_family *f = e->f;
    int n = nlabels(f);
    prom_add(e->t, "%s", f->name);
    for (int k = 0; k < n; k++) {
        prom_add(e->t, "%s%s=\"", k ? "," : "{", f->labels[k]);
        prom_label(e->t, vals[k] ? vals[k] : "");
        prom_add(e->t, "\"");
    }
    if (n) prom_add(e->t, "}");
    if (integral(v))
        prom_add(e->t, " %.0f\n", v);
    else if (isnan(v))
        prom_add(e->t, " NaN\n");
    else
        prom_add(e->t, " %.9g\n", v);
}

static const char *label_value(const struct stat_family *f, const char *const *vals,
                               const char *name, size_t len)
{
    for (int k = 0; k < nlabels(f); k++)
        if (strlen(f->labels[k]) == len && strncmp(f->labels[k], name, len) == 0)
            return vals[k] ? vals[k] : "";
    return NULL;
}

/* A label value as a JSON field: a number for a numeric field (a Kafka partition), a string
 * for every other (a name made of digits stays a string and still matches its item). */
static json_t *label_json(const char *field, const char *v)
{
    size_t n = strlen(v);
    if (strcmp(field, "partition") == 0 && n && n < 16 && strspn(v, "0123456789") == n)
        return json_integer(strtoll(v, NULL, 10));
    return json_string(v);
}

/* The array item of arr whose fields match "f=label,..." (spec[0..len)), created if missing. */
static json_t *array_item(const struct stat_family *f, const char *const *vals, json_t *arr,
                          const char *spec, size_t len)
{
    json_t *want = json_object();
    for (size_t at = 0; at < len;) {
        size_t end = at;
        while (end < len && spec[end] != ',') end++;
        const char *eq = memchr(spec + at, '=', end - at);
        if (!eq) {
            json_decref(want);
            return NULL;
        }
        const char *v = label_value(f, vals, eq + 1, (size_t)(spec + end - eq - 1));
        if (!v) {
            json_decref(want);
            return NULL;
        }
        char field[64];
        snprintf(field, sizeof field, "%.*s", (int)(eq - spec - at), spec + at);
        json_object_set_new(want, field, label_json(field, v));
        at = end + 1;
    }
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        const char *k;
        json_t *v;
        int same = json_is_object(item);
        json_object_foreach(want, k, v) same = same && json_equal(json_object_get(item, k), v);
        if (same) {
            json_decref(want);
            return item;
        }
    }
    json_array_append_new(arr, want);
    return want;
}

static void json_sample(struct stats_emit *e, double v, const char *const *vals)
{
    const struct stat_family *f = e->f;
    json_t *node = e->root;
    const char *p = f->json;
    for (;;) {
        size_t seg = strcspn(p, ".");
        const char *br = memchr(p, '[', seg);
        char key[96];
        if (p[0] == '{') { /* {label}: the key is a label value */
            const char *lv =
                seg > 2 && p[seg - 1] == '}' ? label_value(f, vals, p + 1, seg - 2) : NULL;
            if (!lv) goto bad;
            snprintf(key, sizeof key, "%s", lv);
        } else {
            snprintf(key, sizeof key, "%.*s", (int)(br ? (size_t)(br - p) : seg), p);
        }
        if (!json_is_object(node)) goto bad;
        if (p[seg] == '\0' && !br) { /* the value */
            json_object_set_new(node, key,
                                integral(v)   ? json_integer((json_int_t)v)
                                : isfinite(v) ? json_real(v)
                                              : json_null());
            return;
        }
        json_t *next = json_object_get(node, key);
        if (br) {
            if (p[seg - 1] != ']' || p[seg] == '\0') goto bad; /* an array item is not a value */
            if (!next) json_object_set_new(node, key, next = json_array());
            if (!json_is_array(next)) goto bad;
            next = array_item(f, vals, next, br + 1, (size_t)(p + seg - 1 - br - 1));
            if (!next) goto bad;
        } else if (!next) {
            json_object_set_new(node, key, next = json_object());
        }
        node = next;
        p += seg + 1;
    }
bad:
    e->failed++;
}

void stats_sample(struct stats_emit *e, double v, ...)
{
    const char *vals[STATS_MAX_LABELS] = {0};
    va_list ap;
    va_start(ap, v);
    for (int k = 0; k < nlabels(e->f); k++) vals[k] = va_arg(ap, const char *);
    va_end(ap);
    if (e->t)
        prom_sample(e, v, vals);
    else
        json_sample(e, v, vals);
}

void stats_prometheus(const struct stats *s, struct prom_text *t)
{
    for (int k = 0; k < s->n; k++) {
        const struct stat_family *f = &s->f[k];
        prom_family(t, f->name, f->type == STAT_COUNTER ? "counter" : "gauge", f->help);
        struct stats_emit e = {f, t, NULL, 0};
        f->collect(f->ctx, &e);
    }
}

int stats_json(const struct stats *s, json_t *root)
{
    int failed = 0;
    for (int k = 0; k < s->n; k++) {
        struct stats_emit e = {&s->f[k], NULL, root, 0};
        s->f[k].collect(s->f[k].ctx, &e);
        failed += e.failed;
    }
    return failed ? -1 : 0;
}

void stats_names(const struct stats *s, void (*fn)(void *ctx, const char *name), void *ctx)
{
    for (int k = 0; k < s->n; k++) fn(ctx, s->f[k].name);
}
