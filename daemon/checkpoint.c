#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd < 0) {
        snprintf(err, errlen, "checkpoint: %s: %s", tmp, strerror(errno));
        goto out;
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            snprintf(err, errlen, "checkpoint: writing %s: %s", tmp, strerror(errno));
            close(fd);
            goto out;
        }
        done += (size_t)w;
    }
    if (fsync(fd) || close(fd)) {
        snprintf(err, errlen, "checkpoint: fsync %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path)) {
        snprintf(err, errlen, "checkpoint: rename to %s: %s", path, strerror(errno));
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

json_t *checkpoint_read(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, CHECKPOINT_FILE);
    err[0] = '\0';
    if (access(path, F_OK) != 0) return NULL;
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    json_t *v = json_object_get(j, "version");
    if (!json_is_object(j) || !json_is_integer(v) || json_integer_value(v) != CHECKPOINT_VERSION) {
        snprintf(err, errlen, "%s: not a version %d checkpoint", path, CHECKPOINT_VERSION);
        json_decref(j);
        return NULL;
    }
    return j;
}
