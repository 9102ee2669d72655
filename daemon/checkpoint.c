#include "checkpoint.h"

#include "aligner_state.h"
#include "daemon.h"
#include "logmsg.h"

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
        if (w <= 0) return -1;
        done += (size_t)w;
    }
    return 0;
}

int checkpoint_write(const char *dir, json_t *state, char *err, size_t errlen)
{
    return checkpoint_write_file(dir, CHECKPOINT_FILE, state, err, errlen);
}

int checkpoint_write_file(const char *dir, const char *file, json_t *state, char *err,
                          size_t errlen)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, file);
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = json_dumps(state, JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!text) {
        snprintf(err, errlen, "checkpoint: cannot serialise the state");
        return -1;
    }
    size_t len = strlen(text);
    char head[128];
    int hl = snprintf(head, sizeof head, "%s %d %zu %016" PRIx64 "\n", MAGIC, CHECKPOINT_VERSION,
                      len, checkpoint_checksum(text, len));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd < 0) {
        snprintf(err, errlen, "checkpoint: %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, head, (size_t)hl) || write_all(fd, text, len)) {
        snprintf(err, errlen, "checkpoint: writing %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (fsync(fd) || close(fd)) {
        snprintf(err, errlen, "checkpoint: fsync %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path)) {
        snprintf(err, errlen, "checkpoint: rename to %s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    rc = 0;
out:
    free(text);
    return rc;
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
    if (version != CHECKPOINT_VERSION) {
        snprintf(err, errlen, "version %d, this build reads version %d", version,
                 CHECKPOINT_VERSION);
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
    if (!json_is_object(j) || !json_is_integer(v) || json_integer_value(v) != CHECKPOINT_VERSION) {
        snprintf(err, errlen, "not a version %d checkpoint", CHECKPOINT_VERSION);
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

int checkpoint_save(struct daemon *d)
{
    int64_t closed_before = aligner_closed_before(d->al);
    json_t *scopes = json_array();
    for (int a = 0; a < d->nscopes; a++)
        json_array_append_new(scopes, scope_checkpoint(d->scopes[a]));
    size_t len;
    char *logs = log_series_save(d->logs, &len);
    json_t *state =
        json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:s, s:o}", "format", "causalmon-checkpoint",
                  "version", CHECKPOINT_VERSION, "bucket_ns", (json_int_t)d->conf->bucket_ns, "seq",
                  (json_int_t)alerts_seq(d->alerts), "epoch", d->epoch, "scopes", scopes, "logs",
                  logs, "aligner", aligner_state_save(d->al));
    free(logs);
    char err[512];
    int rc = state ? checkpoint_write(d->conf->state_dir, state, err, sizeof err) : -1;
    if (!state) snprintf(err, sizeof err, "checkpoint: the state has a string that is not UTF-8");
    /* the served scopes' handover files, before any offset they cover is stored */
    if (rc == 0) rc = scope_owner_save(d, closed_before, err, sizeof err);
    if (rc) {
        logmsg(LOG_ERR, "%s", err);
        d->ckpt_failures++;
        d->ckpt_ok = 0;
        snprintf(d->ckpt_error, sizeof d->ckpt_error, "%s", err);
    } else {
        logmsg(LOG_DEBUG, "checkpoint written to %s", d->conf->state_dir);
        d->ckpt_ok = 1;
        d->ckpt_written++;
        /* these records are durable now (a scope catching up holds them back to its start) */
        sources_durable(&d->sources, scope_owner_durable(d, closed_before));
    }
    json_decref(state);
    d->last_checkpoint = daemon_mono();
    return rc;
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
