/*
 * config_reload.c - what a SIGHUP reload would change: the running and the new configuration
 * compared option by option through the option table, each difference with its reload class.
 */
#include "config.h"
#include "config_table.h"

#include <stdio.h>
#include <string.h>

struct walk {
    struct config_change *out;
    int max, n;
};

static void note(struct walk *w, const char *name, enum reload_class reload)
{
    if (w->n < w->max) {
        snprintf(w->out[w->n].name, sizeof w->out[w->n].name, "%s", name);
        w->out[w->n].reload = reload;
    }
    w->n++;
}

static int count_at(const struct opt *o, const char *base)
{
    return *(const int *)(base + o->count_off);
}

/* Whether scalar or string-list option o holds the same value in a and b. */
static int same_value(const struct opt *o, const char *a, const char *b)
{
    if (o->type == T_STR || (o->type == T_ENUM && o->size))
        return strcmp(a + o->off, b + o->off) == 0;
    if (o->type == T_STRS || o->type == T_PROPS) {
        int n = count_at(o, a);
        size_t item = o->type == T_PROPS ? 2 * o->size : o->size;
        return n == count_at(o, b) && memcmp(a + o->off, b + o->off, (size_t)n * item) == 0;
    }
    return memcmp(a + o->off, b + o->off, config_opt_size(o)) == 0;
}

static void walk(struct walk *w, const struct opt *table, const char *a, const char *b,
                 const char *prefix)
{
    for (const struct opt *o = table; o->key; o++) {
        char name[128]; /* the table nests two levels deep: names stay short */
        snprintf(name, sizeof name, "%.80s%s", prefix, o->key);
        if (o->type == T_MAP) {
            char pre[160];
            snprintf(pre, sizeof pre, "%s.", name);
            walk(w, o->sub, a, b, pre);
        } else if (o->type == T_LIST) {
            int n = count_at(o, a);
            if (n != count_at(o, b)) { /* items added or removed */
                note(w, name, o->reload);
                continue;
            }
            for (int i = 0; i < n; i++) {
                char pre[160];
                snprintf(pre, sizeof pre, "%s[%d].", name, i);
                size_t at = o->off + (size_t)i * o->size, va, vb;
                walk(w, o->sub, a + at, b + at, pre);
                /* the options of the item's variant (an input's type), when it kept its type */
                const struct opt *ta = config_item_variant(o, a + at, &va),
                                 *tb = config_item_variant(o, b + at, &vb);
                if (ta && ta == tb) walk(w, ta, a + at + va, b + at + va, pre);
            }
        } else if (!same_value(o, a, b)) {
            note(w, name, o->reload);
        }
    }
}

int config_changes(const struct config *a, const struct config *b, struct config_change *out,
                   int max)
{
    struct walk w = {out, max, 0};
    walk(&w, CONFIG_OPTS, (const char *)a, (const char *)b, "");
    return w.n;
}

int config_unreloadable_changes(const struct config *a, const struct config *b, char *msg,
                                size_t len)
{
    enum { MAX = 64 };
    struct config_change ch[MAX];
    int n = config_changes(a, b, ch, MAX), refused = 0;
    size_t used = 0;
    msg[0] = '\0';
    for (int k = 0; k < n && k < MAX; k++) {
        if (ch[k].reload != RELOAD_RESTART) continue;
        refused++;
        if (used < len)
            used += (size_t)snprintf(msg + used, len - used, "%s'%s' changed: it takes a restart",
                                     used ? "; " : "", ch[k].name);
    }
    if (n > MAX) { /* not listed: counted as needing a restart */
        refused += n - MAX;
        if (used < len) snprintf(msg + used, len - used, "; and %d more options", n - MAX);
    }
    return refused;
}
