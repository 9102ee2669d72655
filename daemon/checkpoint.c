#include "checkpoint.h"

#include "checkpoint_writer.h"

#include "aligner_state.h"
#include "daemon.h"
#include "logmsg.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC                "causalmon-checkpoint"
#define CHECKPOINT_MAX_BYTES (1L << 30)

uint64_t checkpoint_checksum(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a 64 */
    for (size_t a = 0; a < n; a++) h = (h ^ (unsigned char)p[a]) * 1099511628211ULL;
    return h;
}

static int write_all(int fd, const char *p, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w == 0) errno = EIO;
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

int checkpoint_write(const char *dir, json_t *state, char *err, size_t errlen)
{
    return checkpoint_write_file(dir, CHECKPOINT_FILE, state, err, errlen);
}

/* The body streams through a buffer into the file while its length and checksum are summed;
 * the header, written last at offset 0, has a fixed width so its place is known before. */
#define DUMP_BUF (1 << 20)
struct dump_sink {
    int fd, failed; /* failed: the errno of the write that failed */
    uint64_t sum;
    size_t len, used;
    char *buf;
};

static int sink_flush(struct dump_sink *k)
{
    if (k->used && write_all(k->fd, k->buf, k->used)) k->failed = errno;
    k->used = 0;
    return k->failed ? -1 : 0;
}

static int dump_chunk(const char *p, size_t n, void *data)
{
    struct dump_sink *k = data;
    for (size_t a = 0; a < n; a++) k->sum = (k->sum ^ (unsigned char)p[a]) * 1099511628211ULL;
    k->len += n;
    if (k->used + n > DUMP_BUF && sink_flush(k)) return -1;
    if (n > DUMP_BUF) { /* a long string goes straight to the file */
        if (write_all(k->fd, p, n)) k->failed = errno;
        return k->failed ? -1 : 0;
    }
    memcpy(k->buf + k->used, p, n);
    k->used += n;
    return 0;
}

static int header(char *head, size_t cap, size_t len, uint64_t sum)
{
    return snprintf(head, cap, "%s %d %020zu %016" PRIx64 "\n", MAGIC, CHECKPOINT_VERSION, len,
                    sum);
}

int checkpoint_write_file(const char *dir, const char *file, json_t *state, char *err,
                          size_t errlen)
{
    char tmp[4096], path[4096], head[128];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, file);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "checkpoint: %s: %s", tmp, strerror(errno));
        return -1;
    }
    struct dump_sink k = {fd, 0, 14695981039346656037ULL, 0, 0, xmalloc(DUMP_BUF)};
    int hl = header(head, sizeof head, 0, 0);
    memset(head, ' ', (size_t)hl); /* replaced once the body's length and checksum are known */
    int e = write_all(fd, head, (size_t)hl) ? errno : 0; /* the errno of the first failure */
    int dumped =
        e ? -1 : json_dump_callback(state, dump_chunk, &k, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (k.failed) e = k.failed;
    if (!e && dumped == 0 && sink_flush(&k)) e = k.failed;
    free(k.buf);
    if (!e && dumped == 0) {
        header(head, sizeof head, k.len, k.sum);
        ssize_t w = pwrite(fd, head, (size_t)hl, 0);
        if (w != hl) e = w < 0 ? errno : EIO;
    }
    if (e || dumped) {
        if (e)
            snprintf(err, errlen, "checkpoint: writing %s: %s", tmp, strerror(e));
        else
            snprintf(err, errlen, "checkpoint: cannot serialise the state");
        close(fd);
        unlink(tmp);
        return -1;
    }
    e = fsync(fd) ? errno : 0;
    if (close(fd) && !e) e = errno;
    if (e) {
        snprintf(err, errlen, "checkpoint: fsync %s: %s", tmp, strerror(e));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path)) {
        snprintf(err, errlen, "checkpoint: rename to %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

json_t *checkpoint_parse(const char *buf, size_t n, char *err, size_t errlen)
{
    err[0] = '\0';
    const char *nl = memchr(buf, '\n', n < 128 ? n : 128);
    char head[128];
    if (!nl) {
        snprintf(err, errlen, "no checkpoint header");
        return NULL;
    }
    memcpy(head, buf, (size_t)(nl - buf));
    head[nl - buf] = '\0';
    char magic[32];
    int version;
    unsigned long long len;
    uint64_t sum;
    if (sscanf(head, "%31s %d %llu %" SCNx64, magic, &version, &len, &sum) != 4 ||
        strcmp(magic, MAGIC) != 0) {
        snprintf(err, errlen, "not a checkpoint header");
        return NULL;
    }
    if (version < CHECKPOINT_OLDEST_VERSION || version > CHECKPOINT_VERSION) {
        snprintf(err, errlen, "version %d, this build reads versions %d to %d", version,
                 CHECKPOINT_OLDEST_VERSION, CHECKPOINT_VERSION);
        return NULL;
    }
    const char *body = nl + 1;
    size_t blen = n - (size_t)(body - buf);
    if (len != blen || checkpoint_checksum(body, blen) != sum) {
        snprintf(err, errlen, "truncated or corrupt (length or checksum mismatch)");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(body, blen, 0, &je);
    if (!j) {
        snprintf(err, errlen, "line %d col %d: %s", je.line, je.column, je.text);
        return NULL;
    }
    json_t *v = json_object_get(j, "version");
    if (!json_is_object(j) || !json_is_integer(v) || json_integer_value(v) != version) {
        snprintf(err, errlen, "not a version %d checkpoint", version);
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *checkpoint_read(const char *dir, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, CHECKPOINT_FILE);
    if (unlink(tmp) == 0) /* left by a write that did not finish (crash, full disk) */
        fprintf(stderr, "causalmon: removed the unfinished %s\n", tmp);
    return checkpoint_read_file(dir, CHECKPOINT_FILE, err, errlen);
}

json_t *checkpoint_read_file(const char *dir, const char *file, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    err[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) || st.st_size > CHECKPOINT_MAX_BYTES) {
        snprintf(err, errlen, "%s: unreadable or larger than 1 GiB", path);
        close(fd);
        return NULL;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = malloc(n + 1);
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != n) {
        snprintf(err, errlen, "%s: cannot read", path);
        free(buf);
        return NULL;
    }
    char why[400];
    json_t *j = checkpoint_parse(buf, n, why, sizeof why);
    free(buf);
    if (!j) snprintf(err, errlen, "%s: %s", path, why);
    return j;
}

/* --- what a checkpoint holds (daemon.h): composed from and restored into a running daemon --- */

/* Composes the checkpoint and the served scopes' handover files into a new batch, on the loop;
 * *durable is where the offsets may be made durable once the batch is written. Returns NULL
 * with a message when a document cannot be composed. */
static struct checkpoint_batch *compose(struct daemon *d, int64_t *durable, char *err,
                                        size_t errlen)
{
    int64_t closed_before = aligner_closed_before(d->al);
    struct checkpoint_batch *b = checkpoint_batch_new();
    json_t *scopes = json_array();
    for (int a = 0; a < d->nscopes; a++) { /* the windows' values are encoded by the writer */
        double *values;
        size_t n;
        json_t *sj = scope_checkpoint_parts(d->scopes[a], &values, &n);
        json_array_append_new(scopes, sj);
        if (sj)
            checkpoint_batch_defer(b, sj, "data", values, n);
        else
            free(values);
    }
    size_t len;
    char *logs = log_series_save(d->logs, &len);
    json_t *state =
        json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:s, s:o}", "format", "causalmon-checkpoint",
                  "version", CHECKPOINT_VERSION, "bucket_ns", (json_int_t)d->conf->bucket_ns, "seq",
                  (json_int_t)alerts_seq(d->alerts), "epoch", d->epoch, "scopes", scopes, "logs",
                  logs, "aligner", aligner_state_save(d->al));
    free(logs);
    if (!state) {
        snprintf(err, errlen, "checkpoint: the state has a string that is not UTF-8");
        checkpoint_batch_free(b);
        return NULL;
    }
    checkpoint_batch_add(b, d->conf->state_dir, CHECKPOINT_FILE, state);
    /* the served scopes' handover files, before any offset they cover is stored */
    if (scope_owner_handovers(d, closed_before, b, err, errlen)) {
        checkpoint_batch_free(b);
        return NULL;
    }
    *durable = scope_owner_durable(d, closed_before);
    return b;
}

/* A checkpoint's outcome: counted, logged, and once written, the records it covers are durable
 * (a scope catching up holds them back to its start). */
static void finish(struct daemon *d, int rc, const char *err, int64_t durable, double write_s)
{
    if (rc) {
        logmsg(LOG_ERR, "%s", err);
        d->ckpt_failures++;
        d->ckpt_ok = 0;
        snprintf(d->ckpt_error, sizeof d->ckpt_error, "%s", err);
        return;
    }
    logmsg(LOG_DEBUG, "checkpoint written to %s (%.3f s on the loop, %.3f s writing)",
           d->conf->state_dir, d->ckpt_seconds, write_s);
    d->ckpt_ok = 1;
    d->ckpt_written++;
    sources_durable(&d->sources, durable);
}

void checkpoint_wait(struct daemon *d)
{
    if (!d->ckpt_batch) return;
    char err[512] = "";
    int rc = checkpoint_batch_join(d->ckpt_batch, err, sizeof err);
    checkpoint_batch_free(d->ckpt_batch);
    d->ckpt_batch = NULL;
    finish(d, rc, err, d->ckpt_durable, daemon_mono() - d->ckpt_started);
}

int checkpoint_save(struct daemon *d)
{
    double t0 = daemon_mono();
    checkpoint_wait(d); /* one in flight is written and counted first */
    char err[512] = "";
    int64_t durable = 0;
    struct checkpoint_batch *b = compose(d, &durable, err, sizeof err);
    int rc = b ? checkpoint_batch_write(b, err, sizeof err) : -1;
    checkpoint_batch_free(b);
    d->last_checkpoint = daemon_mono();
    d->ckpt_seconds = d->last_checkpoint - t0;
    finish(d, rc, err, durable, d->ckpt_seconds);
    return rc;
}

void checkpoint_tick(struct daemon *d)
{
    if (d->ckpt_batch && checkpoint_batch_done(d->ckpt_batch)) checkpoint_wait(d);
    double t0 = daemon_mono();
    if (d->ckpt_batch || t0 - d->last_checkpoint < d->conf->checkpoint_every_ns * 1e-9) return;
    char err[512] = "";
    struct checkpoint_batch *b = compose(d, &d->ckpt_durable, err, sizeof err);
    d->last_checkpoint = daemon_mono();
    d->ckpt_seconds = d->last_checkpoint - t0;
    if (!b) {
        finish(d, -1, err, 0, 0);
        return;
    }
    d->ckpt_started = t0;
    if (!d->owner.on && checkpoint_batch_start(b) == 0) {
        d->ckpt_batch = b;
        return;
    }
    int rc = checkpoint_batch_write(b, err, sizeof err); /* handovers, or no thread: here */
    checkpoint_batch_free(b);
    d->ckpt_seconds = daemon_mono() - t0;
    finish(d, rc, err, d->ckpt_durable, d->ckpt_seconds);
}

static int series_id(void *ctx, const char *name)
{
    return aligner_series(ctx, name, strlen(name));
}

void checkpoint_restore(struct daemon *d)
{
    char err[512];
    json_t *j = checkpoint_read(d->conf->state_dir, err, sizeof err);
    if (!j) {
        if (err[0]) logmsg(LOG_WARNING, "ignoring the checkpoint: %s", err);
        return;
    }
    json_t *bucket = json_object_get(j, "bucket_ns"), *logs = json_object_get(j, "logs");
    if (json_integer_value(bucket) != d->conf->bucket_ns || !json_is_string(logs)) {
        logmsg(LOG_WARNING, "ignoring the checkpoint: another bucket width or no log state");
        json_decref(j);
        return;
    }
    struct drain_params dp = {d->conf->drain_depth, d->conf->drain_similarity,
                              d->conf->drain_max_children, d->conf->drain_max_clusters, 1};
    struct log_series *ls = log_series_load(json_string_value(logs), json_string_length(logs), &dp,
                                            d->conf->max_log_streams, err, sizeof err);
    if (!ls) {
        logmsg(LOG_WARNING, "ignoring the checkpoint: %s", err);
        json_decref(j);
        return;
    }
    log_series_free(d->logs);
    d->logs = ls;
    d->in.logs = ls;
    int restored = 0;
    size_t i;
    json_t *sj;
    /* a group that splits the scopes restores each from its handover when it runs here */
    json_array_foreach(d->owner.on ? NULL : json_object_get(j, "scopes"), i, sj)
    {
        const char *name = json_string_value(json_object_get(sj, "name"));
        for (int a = 0; name && a < d->nscopes; a++) {
            if (strcmp(d->scopes[a]->conf.name, name) != 0) continue;
            if (scope_restore(d->scopes[a], sj, series_id, d->al, err, sizeof err) == 0) {
                restored++;
            } else { /* start this scope afresh */
                logmsg(LOG_WARNING, "checkpoint: %s; the scope starts empty", err);
                struct scope_conf c = d->scopes[a]->conf;
                scope_free(d->scopes[a]);
                d->scopes[a] = daemon_new_scope(d, &c);
            }
        }
    }
    for (int a = 0; a < d->nscopes; a++) { /* a window ending far ahead would never grow */
        int64_t last = scope_window_last_time(d->scopes[a]->win);
        if (d->conf->max_future_ns > 0 && scope_window_rows(d->scopes[a]->win) > 0 &&
            last - daemon_wall_ns() > d->conf->max_future_ns) {
            logmsg(LOG_WARNING,
                   "checkpoint: scope %s ends %.0f s ahead of the clock; it starts empty",
                   d->scopes[a]->conf.name, (last - daemon_wall_ns()) * 1e-9);
            struct scope_conf c = d->scopes[a]->conf;
            scope_free(d->scopes[a]);
            d->scopes[a] = daemon_new_scope(d, &c);
            restored--;
        }
    }
    if (aligner_state_restore(d->al, json_object_get(j, "aligner"), daemon_wall_ns(),
                              d->conf->max_future_ns, err, sizeof err))
        logmsg(LOG_WARNING, "checkpoint: %s; replayed records are not deduplicated", err);
    else if (aligner_closed_before(d->al) != INT64_MIN)
        logmsg(LOG_INFO, "aligner resumes at %lld (earlier records are duplicates)",
               (long long)aligner_closed_before(d->al));
    long seq = (long)json_integer_value(json_object_get(j, "seq"));
    logmsg(LOG_NOTICE, "restored the checkpoint: %d scope window(s), %d log stream(s), seq %ld",
           restored, log_series_nstreams(ls), seq);
    json_decref(j);
}
