/* source_file.c - the file input type: a file or standard input ("-"), read as fast as possible
 * or replayed at a speed-up over event time (connectors/transports/file_source.h). Line formats are
 * read in chunks of whole lines; CSV is read whole at the start (its limits apply) and replayed row
 * by row. There is no pollable fd: the loop's timer drives it, and each poll says when it is
 * next due. A paused input is not polled, so the file is not read (no pause operation). */
#include "source.h"

#include "config_table.h"
#include "csv_table.h"
#include "file_source.h"
#include "logmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A paced replay feeds slices of at most this many bytes of whole lines. */
#define FILE_SLICE 16384
/* CSV rows fed per poll. */
#define CSV_ROWS 64

struct file_state {
    struct file_source *f;
    struct csv_table *csv;
    long csv_row;
    const char *buf; /* the current chunk: [at, len) not yet fed */
    size_t len, at;
    struct replay_pacer pacer;
    double due; /* monotonic time the next slice is due (speed > 0) */
};

#define OPT_STRUCT input_conf
static const struct opt FILE_OPTS[] = {
    OPT_STR("path", path, "", RELOAD_RESTART, "the path, or - for standard input"),
    OPT_REAL("speed", speed, 0, 0, 1e9, RELOAD_RESTART,
             "replay speed-up over event time (0: as fast as possible)"),
    OPT_END,
};
#undef OPT_STRUCT

static int check(const struct input_conf *c, char *err, size_t errlen)
{
    if (c->path[0]) return 0;
    snprintf(err, errlen, "a file input needs 'path'");
    return -1;
}

static int open_source(struct source *s, char *err, size_t errlen)
{
    struct file_state *fs = calloc(1, sizeof *fs);
    if (!fs) {
        snprintf(err, errlen, "input %s: out of memory", s->conf->name);
        return -1;
    }
    s->impl = fs;
    fs->pacer.speed = s->conf->speed;
    const char *path = s->conf->path;
    if (s->dec.format == FMT_CSV) {
        fs->csv = strcmp(path, "-") == 0 ? csv_table_read_stream(stdin, "<stdin>", err, errlen)
                                         : csv_table_read(path, err, errlen);
        return fs->csv ? 0 : -1;
    }
    fs->f = file_source_open(path, err, errlen);
    return fs->f ? 0 : -1;
}

/* After feeding: when the next slice is due at the configured speed. */
static void pace(struct source *s, struct file_state *fs, double t)
{
    if (s->conf->speed > 0 && s->env->in->msg_max_ts_ns >= 0)
        fs->due = t + replay_pacer_delay(&fs->pacer, s->env->in->msg_max_ts_ns, t);
}

static void end(struct source *s, struct source_turn *turn)
{
    logmsg(LOG_INFO, "input %s: end of %s", s->conf->name, s->conf->path);
    turn->done = 1;
}

static int poll_csv(struct source *s, struct file_state *fs, double t, struct source_turn *turn)
{
    int k = 0;
    for (; k < CSV_ROWS && fs->csv_row < fs->csv->rows; k++)
        ingest_csv_row(s->env->in, fs->csv, fs->csv_row++, &s->st);
    *s->env->last_record = t;
    if (fs->csv_row == fs->csv->rows) end(s, turn);
    pace(s, fs, t);
    return k;
}

static int poll(struct source *s, int budget, struct source_turn *turn)
{
    (void)budget; /* a chunk or a slice per turn */
    struct file_state *fs = s->impl;
    double t = source_mono();
    if (fs->due > t) {
        turn->due = fs->due - t;
        return 0;
    }
    if (fs->csv) return poll_csv(s, fs, t, turn);
    if (fs->at == fs->len) {
        long too_long;
        char err[256];
        int got = file_source_next(fs->f, &fs->buf, &fs->len, &too_long, err, sizeof err);
        for (long k = 0; k < too_long; k++) reject_count(&s->st, REJECT_LINE_TOO_LONG, "", 0);
        fs->at = 0;
        if (got <= 0) {
            if (got < 0) logmsg(LOG_ERR, "input %s: %s", s->conf->name, err);
            fs->len = 0;
            end(s, turn);
            return 0;
        }
    }
    size_t n = fs->len - fs->at;
    if (s->conf->speed > 0 && n > FILE_SLICE) { /* cut after the last newline in a slice */
        n = FILE_SLICE;
        while (n > 1 && fs->buf[fs->at + n - 1] != '\n') n--;
    }
    struct ingest_meta m = {source_wall_ns(), -1, NULL, 0};
    source_deliver(s, -1, &m, fs->buf + fs->at, n);
    fs->at += n;
    pace(s, fs, t);
    return 1;
}

static void close_source(struct source *s)
{
    struct file_state *fs = s->impl;
    if (!fs) return;
    file_source_close(fs->f);
    csv_table_free(fs->csv);
    free(fs);
    s->impl = NULL;
}

const struct source_ops source_file = {
    .type = "file",
    .opts = FILE_OPTS,
    .check = check,
    .open = open_source,
    .poll = poll,
    .close = close_source,
};
