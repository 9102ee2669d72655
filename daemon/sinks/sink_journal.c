/* sink_journal.c - every alert event appended as a line to STATE_DIR/alerts.jsonl, rotated to
 * alerts.jsonl.1 past JOURNAL_MAX bytes; a failed write is logged and counted. */
#include "sink.h"

#include "logmsg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define JOURNAL_MAX (16L << 20)

struct journal_state {
    char path[4200];
    struct sink_counts c;
};

static void deliver(struct sink *k, const struct sink_event *e)
{
    struct journal_state *j = k->impl;
    struct stat st;
    if (stat(j->path, &st) == 0 && st.st_size > JOURNAL_MAX) {
        char old[4300];
        snprintf(old, sizeof old, "%s.1", j->path);
        rename(j->path, old);
    }
    FILE *f = fopen(j->path, "a");
    if (!f) {
        logmsg(LOG_WARNING, "alert journal %s: %s", j->path, strerror(errno));
        j->c.failed++;
        return;
    }
    fprintf(f, "%s\n", e->text);
    if (fclose(f)) {
        logmsg(LOG_WARNING, "alert journal %s: %s", j->path, strerror(errno));
        j->c.failed++;
        return;
    }
    j->c.delivered++;
    j->c.last_success = (double)time(NULL);
}

static void counts(struct sink *k, struct sink_counts *out)
{
    *out = ((struct journal_state *)k->impl)->c;
}

static void close_sink(struct sink *k)
{
    free(k->impl);
    k->impl = NULL;
}

static const struct sink_ops ops = {"journal", deliver, counts, close_sink};

int sink_journal_open(struct sink *k, const char *state_dir, char *err, size_t errlen)
{
    struct journal_state *j = calloc(1, sizeof *j);
    if (!j || strlen(state_dir) + sizeof "/alerts.jsonl" > sizeof j->path) {
        snprintf(err, errlen, "state_dir %s: too long for the alert journal", state_dir);
        free(j);
        return -1;
    }
    snprintf(j->path, sizeof j->path, "%s/alerts.jsonl", state_dir);
    k->ops = &ops;
    k->impl = j;
    snprintf(k->name, sizeof k->name, "journal");
    return 0;
}
