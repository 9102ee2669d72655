/* scope_owner.c - which scopes this daemon serves when a consumer group splits them, and their
 * handover through the shared directory (scope_owner.h). */
#include "scope_owner.h"

#include "checkpoint.h"
#include "checkpoint_writer.h"
#include "daemon.h"
#include "logmsg.h"
#include "xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HANDOVER_FORMAT "causalmon-scope-handover"

static const char *name_of(void *ctx, int id)
{
    return aligner_series_name(ctx, id);
}

static int series_id(void *ctx, const char *name)
{
    return aligner_series(ctx, name, strlen(name));
}

/* The handover file of a scope: its name with every byte outside [A-Za-z0-9._-] as %XX, so
 * two scope names never share a file and no name leaves the directory. */
static void handover_file(const char *scope, char *buf, size_t len)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)scope; *p && n + 8 < len; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '-' || (*p == '.' && p != (const unsigned char *)scope))
            buf[n++] = (char)*p;
        else
            n += (size_t)snprintf(buf + n, len - n, "%%%02X", *p);
    }
    snprintf(buf + n, len - n, ".scope");
}

static uint64_t bit(int a)
{
    return (uint64_t)1 << a;
}

int scope_owner_serves(const struct daemon *d, int a)
{
    return !d->owner.on || d->owner.served[a];
}

/* The scopes whose match takes series id (cached per id). */
static uint64_t mask_of(struct daemon *d, int id)
{
    struct scope_owner *o = &d->owner;
    if (id < 0 || id >= o->nids) return 0;
    if (!o->known[id]) {
        const char *name = aligner_series_name(d->al, id);
        uint64_t m = 0;
        for (int a = 0; name && a < d->nscopes; a++)
            if (scope_matches(d->scopes[a], name)) m |= bit(a);
        o->mask[id] = m;
        o->known[id] = 1;
    }
    return o->mask[id];
}

int scope_owner_init(struct daemon *d, char *err, size_t errlen)
{
    struct scope_owner *o = &d->owner;
    memset(o, 0, sizeof *o);
    for (int a = 0; a < d->conf->ninputs; a++)
        if (d->conf->inputs[a].handover_dir[0])
            snprintf(o->dir, sizeof o->dir, "%s", d->conf->inputs[a].handover_dir);
    if (!o->dir[0]) return 0;
    if (mkdir(o->dir, 0770) && errno != EEXIST) {
        snprintf(err, errlen, "handover_dir %s: %s", o->dir, strerror(errno));
        return -1;
    }
    o->on = 1;
    o->nids = d->conf->max_series;
    o->mask = xcalloc((size_t)o->nids, sizeof *o->mask);
    o->known = xcalloc((size_t)o->nids, 1);
    logmsg(LOG_NOTICE,
           "the consumer group splits the scopes: a scope runs here while its partition is "
           "assigned here; handover through %s",
           o->dir);
    return 0;
}

static void drop_catchup(struct scope_catchup *c)
{
    aligner_free(c->al);
    c->al = NULL;
}

void scope_owner_free(struct daemon *d)
{
    struct scope_owner *o = &d->owner;
    for (int a = 0; a < CONF_MAX_SCOPES; a++) drop_catchup(&o->catchup[a]);
    free(o->mask);
    free(o->known);
    o->mask = NULL;
    o->known = NULL;
}

/* Sets the carry-forward state of the scope's series in al from a handover's "carry". */
static void restore_carry(struct aligner *al, json_t *carry)
{
    size_t i;
    json_t *e;
    json_array_foreach(carry, i, e)
    {
        const char *name = json_string_value(json_array_get(e, 0));
        json_t *v = json_array_get(e, 1), *r = json_array_get(e, 2);
        if (!name || !json_is_integer(r)) continue;
        int id = aligner_series(al, name, strlen(name));
        json_int_t run = json_integer_value(r);
        if (id >= 0)
            aligner_set_carry(al, id, json_is_number(v) ? json_number_value(v) : NAN,
                              run < 0 || run > 1000000000 ? 0 : (int)run);
    }
}

/* Replaces scope a by an empty one (its window, model and counters go). */
static void reset_scope(struct daemon *d, int a)
{
    struct scope_conf c = d->scopes[a]->conf;
    scope_free(d->scopes[a]);
    d->scopes[a] = daemon_new_scope(d, &c);
}

/* Scope a starts to run here: restored from its handover file when there is one; buckets the
 * main aligner closed after the file's end are caught up by an aligner of the scope's own. */
static void acquire(struct daemon *d, int a)
{
    struct scope_owner *o = &d->owner;
    struct scope *s = d->scopes[a];
    char file[400], err[512];
    handover_file(s->conf.name, file, sizeof file);
    json_t *j = checkpoint_read_file(o->dir, file, err, sizeof err);
    int64_t from = INT64_MIN, I = d->conf->bucket_ns;
    json_t *carry = NULL;
    if (!j && err[0]) logmsg(LOG_WARNING, "scope %s: ignoring its handover: %s", s->conf.name, err);
    if (j) {
        json_t *b = json_object_get(j, "bucket_ns"), *cb = json_object_get(j, "closed_before_ns");
        const char *fmt = json_string_value(json_object_get(j, "format"));
        if (json_integer_value(b) != I || !json_is_integer(cb) || !fmt ||
            strcmp(fmt, HANDOVER_FORMAT) != 0) {
            logmsg(LOG_WARNING, "scope %s: ignoring its handover: another bucket width or format",
                   s->conf.name);
        } else if (scope_restore(s, json_object_get(j, "scope"), series_id, d->al, err,
                                 sizeof err)) {
            logmsg(LOG_WARNING, "scope %s: ignoring its handover: %s", s->conf.name, err);
            reset_scope(d, a);
            s = d->scopes[a];
        } else {
            from = (int64_t)json_integer_value(cb);
            carry = json_object_get(j, "carry");
        }
    }
    s->floor_ns = from;
    int64_t open = aligner_open_from(d->al);
    struct scope_catchup *c = &o->catchup[a];
    if (from != INT64_MIN && open == INT64_MIN) {
        /* nothing read yet: the grid starts where the scope's handover ends (earlier records
         * of every input are replays of what was made durable) */
        aligner_resume(d->al, from, from, 0);
    } else if (from != INT64_MIN && from < open) {
        int64_t lo = from, span = (int64_t)s->conf.window * I;
        if (open - lo > span) { /* bounded by the window: older buckets of the gap go */
            o->gap_buckets[a] += (open - span - lo) / I;
            logmsg(LOG_WARNING,
                   "scope %s: its handover ends %.0f s before the open buckets; the oldest "
                   "%lld bucket(s) of the gap are given up",
                   s->conf.name, (open - lo) * 1e-9, (long long)((open - span - lo) / I));
            lo = open - span;
            s->floor_ns = lo;
        }
        struct aligner_params p = {I, open - lo, s->conf.max_series, d->conf->max_gap, AGG_MEAN, 0};
        c->al = aligner_new(&p, err, sizeof err);
        if (c->al) {
            aligner_resume(c->al, lo, lo, 0);
            c->from_ns = lo;
            c->to_ns = open;
            c->records = 0;
        } else {
            logmsg(LOG_WARNING, "scope %s: no catch-up: %s", s->conf.name, err);
        }
    }
    if (carry) restore_carry(c->al ? c->al : d->al, carry);
    o->served[a] = 1;
    o->acquired[a]++;
    logmsg(LOG_NOTICE, "scope %s: runs here from now (%s%d row(s) up to %lld%s)", s->conf.name,
           j ? "taken over with " : "new, ", scope_window_rows(s->win), (long long)from,
           c->al ? ", catching up" : "");
    json_decref(j);
}

void scope_owner_route(void *ctx, const struct metric_record *m)
{
    struct daemon *d = ctx;
    int id = aligner_series(d->al, m->name, m->name_len);
    uint64_t mask = mask_of(d, id);
    d->in.msg_tags |= mask;
    for (int a = 0; mask; a++, mask >>= 1)
        if ((mask & 1) && !d->owner.served[a]) acquire(d, a);
}

int scope_owner_late(void *ctx, const struct metric_record *m)
{
    struct daemon *d = ctx;
    struct scope_owner *o = &d->owner;
    int id = aligner_series(d->al, m->name, m->name_len), taken = 0;
    uint64_t mask = mask_of(d, id);
    for (int a = 0; mask; a++, mask >>= 1) {
        struct scope_catchup *c = &o->catchup[a];
        if (!(mask & 1) || !c->al || m->ts_ns < c->from_ns || m->ts_ns >= c->to_ns) continue;
        int cid = aligner_series(c->al, m->name, m->name_len);
        if (cid >= 0) aligner_set_agg(c->al, cid, aligner_agg_of(d->al, id));
        if (aligner_add(c->al, m, NULL, NULL) == ALIGN_OK) {
            taken = 1;
            c->records++;
        }
    }
    return taken;
}

/* Hands a catch-up row (the scope's own aligner's ids) to the scope by the main aligner's
 * ids. */
struct catch_flush {
    struct daemon *d;
    struct aligner *cal;
    struct scope *s;
    double *row;
    int *counts;
};

static void catch_row(void *ctx, int64_t t_ns, const double *crow, int cn)
{
    struct catch_flush *f = ctx;
    const int *cc = aligner_row_counts(f->cal);
    int n = f->d->conf->max_series;
    for (int i = 0; i < n; i++) {
        f->row[i] = NAN;
        f->counts[i] = 0;
    }
    for (int k = 0; k < cn; k++) {
        const char *name = aligner_series_name(f->cal, k);
        int id = name ? aligner_series(f->d->al, name, strlen(name)) : -1;
        if (id < 0 || id >= n) continue;
        f->row[id] = crow[k];
        f->counts[id] = cc[k];
    }
    scope_row(f->s, t_ns, f->row, f->counts, aligner_nseries(f->d->al), name_of, f->d->al,
              f->d->workers);
}

static void flush_catchup(struct daemon *d, int a)
{
    struct scope_catchup *c = &d->owner.catchup[a];
    struct catch_flush f = {d, c->al, d->scopes[a],
                            xmallocarray((size_t)d->conf->max_series, sizeof(double)),
                            xmallocarray((size_t)d->conf->max_series, sizeof(int))};
    aligner_flush(c->al, c->to_ns, catch_row, &f);
    free(f.row);
    free(f.counts);
    drop_catchup(c);
    logmsg(LOG_INFO, "scope %s: caught up to %lld (%ld record(s))", d->scopes[a]->conf.name,
           (long long)c->to_ns, c->records);
}

void scope_owner_row(struct daemon *d, int64_t t_ns, const double *row, const int *counts, int n)
{
    for (int a = 0; a < d->nscopes; a++) {
        if (!scope_owner_serves(d, a)) continue;
        if (d->owner.catchup[a].al && t_ns >= d->owner.catchup[a].to_ns) flush_catchup(d, a);
        scope_row(d->scopes[a], t_ns, row, counts, n, name_of, d->al, d->workers);
    }
}

void scope_owner_idle(struct daemon *d)
{
    for (int a = 0; d->owner.on && a < d->nscopes; a++)
        if (d->owner.served[a] && d->owner.catchup[a].al && d->owner.catchup[a].records > 0)
            flush_catchup(d, a);
}

void scope_owner_series_expired(struct daemon *d, int id)
{
    if (d->owner.on && id >= 0 && id < d->owner.nids) d->owner.known[id] = 0;
}

/* Scope a stops running here: its partition went to another member. */
static void release(struct daemon *d, int a)
{
    struct scope_owner *o = &d->owner;
    o->served[a] = 0;
    o->released[a]++;
    drop_catchup(&o->catchup[a]);
    logmsg(LOG_NOTICE, "scope %s: handed over (its partition was revoked); no longer runs here",
           d->scopes[a]->conf.name);
    reset_scope(d, a);
}

void scope_owner_revoked(void *ctx, uint64_t tags, int lost)
{
    struct daemon *d = ctx;
    uint64_t drop = 0;
    for (int a = 0; a < d->nscopes; a++)
        if ((tags & bit(a)) && d->owner.served[a]) drop |= bit(a);
    if (!drop) return;
    /* the handover files and then the offsets they cover; a member that lost its assignment
     * writes nothing (another may own the scopes already) */
    if (!lost) checkpoint_save(d);
    for (int a = 0; a < d->nscopes; a++)
        if (drop & bit(a)) release(d, a);
}

int64_t scope_owner_durable(const struct daemon *d, int64_t closed_before_ns)
{
    int64_t m = closed_before_ns;
    for (int a = 0; d->owner.on && a < d->nscopes; a++)
        if (d->owner.served[a] && d->owner.catchup[a].al && d->owner.catchup[a].from_ns < m)
            m = d->owner.catchup[a].from_ns;
    return m;
}

int scope_owner_handovers(struct daemon *d, int64_t closed_before_ns, struct checkpoint_batch *b,
                          char *err, size_t errlen)
{
    struct scope_owner *o = &d->owner;
    if (!o->on) return 0;
    char host[128] = "?", owner[200];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(owner, sizeof owner, "%s:%ld", host, (long)getpid());
    for (int a = 0; a < d->nscopes; a++) {
        if (!o->served[a]) continue;
        struct scope *s = d->scopes[a];
        struct scope_catchup *c = &o->catchup[a];
        /* the end of what the window holds: rows before the catch-up, else the closed buckets
         * (or the restored end, when this member's open buckets started before it) */
        int64_t end = c->al                            ? c->from_ns
                      : s->floor_ns > closed_before_ns ? s->floor_ns
                                                       : closed_before_ns;
        struct aligner *cal = c->al ? c->al : d->al;
        json_t *carry = json_array();
        for (int k = 0; k < scope_window_ncols(s->win); k++) {
            if (!s->names[k]) continue;
            int id = aligner_series(cal, s->names[k], strlen(s->names[k]));
            double v;
            int run;
            aligner_carry(cal, id, &v, &run);
            json_array_append_new(carry, json_pack("[s, o, i]", s->names[k],
                                                   isfinite(v) ? json_real(v) : json_null(), run));
        }
        double *values;
        size_t n;
        json_t *sj = scope_checkpoint_parts(s, &values, &n);
        if (sj)
            checkpoint_batch_defer(b, sj, "data", values, n); /* encoded when written */
        else
            free(values);
        json_t *j = json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:o}", "format", HANDOVER_FORMAT,
                              "version", CHECKPOINT_VERSION, "bucket_ns",
                              (json_int_t)d->conf->bucket_ns, "closed_before_ns", (json_int_t)end,
                              "owner", owner, "scope", sj, "carry", carry);
        char file[400];
        handover_file(s->conf.name, file, sizeof file);
        if (!j) {
            snprintf(err, errlen, "handover of scope %s: cannot serialise", s->conf.name);
            return -1;
        }
        checkpoint_batch_add(b, o->dir, file, j);
    }
    return 0;
}
