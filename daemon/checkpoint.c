#include "checkpoint.h"

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
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, CHECKPOINT_FILE);
    snprintf(path, sizeof path, "%s/%s", dir, CHECKPOINT_FILE);
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
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/%s", dir, CHECKPOINT_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    err[0] = '\0';
    if (unlink(tmp) == 0) /* left by a write that did not finish (crash, full disk) */
        fprintf(stderr, "causalmon: removed the unfinished %s\n", tmp);
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
