#include "file_source.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct file_source {
    FILE *f;
    int is_stdin;
    char *buf;
    size_t have;  /* bytes in buf */
    size_t given; /* bytes handed out by the last call, to drop next time */
    int skipping; /* inside an over-long line */
    int eof;
};

struct file_source *file_source_open(const char *path, char *err, size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct file_source *s = calloc(1, sizeof *s);
    s->f = f;
    s->is_stdin = is_stdin;
    s->buf = malloc(FILE_CHUNK);
    return s;
}

int file_source_next(struct file_source *s, const char **buf, size_t *len, long *too_long,
                     char *err, size_t errlen)
{
    *too_long = 0;
    memmove(s->buf, s->buf + s->given, s->have - s->given);
    s->have -= s->given;
    s->given = 0;
    for (;;) {
        if (!s->eof && s->have < FILE_CHUNK) {
            size_t n = fread(s->buf + s->have, 1, FILE_CHUNK - s->have, s->f);
            if (n == 0) {
                if (ferror(s->f)) {
                    snprintf(err, errlen, "read error: %s", strerror(errno));
                    return -1;
                }
                s->eof = 1;
            }
            s->have += n;
        }
        if (s->skipping) { /* drop the rest of an over-long line */
            char *nl = memchr(s->buf, '\n', s->have);
            if (!nl) {
                s->have = 0;
                if (s->eof) return 0;
                continue;
            }
            size_t drop = (size_t)(nl - s->buf) + 1;
            memmove(s->buf, s->buf + drop, s->have - drop);
            s->have -= drop;
            s->skipping = 0;
        }
        if (s->have == 0 && s->eof) return 0;
        /* hand out everything up to the last newline (or the rest at end of file) */
        size_t end = s->have;
        while (end > 0 && s->buf[end - 1] != '\n') end--;
        if (end == 0 && s->eof) end = s->have;
        if (end > 0) {
            *buf = s->buf;
            *len = end;
            s->given = end;
            return 1;
        }
        if (s->have == FILE_CHUNK) { /* no newline in a full chunk */
            (*too_long)++;
            s->skipping = 1;
            s->have = 0;
        }
        if (s->eof && s->have == 0) return 0;
    }
}

void file_source_close(struct file_source *s)
{
    if (!s) return;
    if (!s->is_stdin) fclose(s->f);
    free(s->buf);
    free(s);
}

int csv_row_records(const struct csv_table *t, long row, metric_record_fn fn, void *ctx)
{
    double ts = t->times ? t->times[row] : (double)row;
    struct metric_record r = {NULL, 0, (int64_t)llround(ts * 1e9), 0};
    for (int c = 0; c < t->ncols; c++) {
        double v = t->values[(size_t)row * (size_t)t->ncols + (size_t)c];
        if (isnan(v)) continue;
        r.name = t->names[c];
        r.name_len = strlen(t->names[c]);
        r.value = v;
        if (fn(ctx, &r)) return 1;
    }
    return 0;
}

double replay_pacer_delay(struct replay_pacer *p, int64_t event_ns, double wall_now_s)
{
    if (p->speed <= 0) return 0;
    if (p->first_wall_s <= 0) {
        p->first_wall_s = wall_now_s;
        p->first_event_ns = event_ns;
        return 0;
    }
    double due = p->first_wall_s + (double)(event_ns - p->first_event_ns) * 1e-9 / p->speed;
    return due > wall_now_s ? due - wall_now_s : 0;
}
