#include "checkpoint_writer.h"

#include "base64_f64.h"
#include "checkpoint.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct doc {
    char *dir, *file;
    json_t *j;
};

struct deferred {
    json_t *obj; /* borrowed: part of a document */
    char *key;
    double *values;
    size_t n;
};

struct checkpoint_batch {
    struct doc *docs;
    int n, cap;
    struct deferred *defer;
    int ndefer, capdefer;
    pthread_t th;
    int started;
    atomic_int done;
    int rc;
    char err[512];
};

struct checkpoint_batch *checkpoint_batch_new(void)
{
    return xcalloc(1, sizeof(struct checkpoint_batch));
}

void checkpoint_batch_add(struct checkpoint_batch *b, const char *dir, const char *file,
                          json_t *doc)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 4;
        b->docs = xrealloc(b->docs, (size_t)b->cap * sizeof *b->docs);
    }
    b->docs[b->n++] = (struct doc){xstrdup(dir), xstrdup(file), doc};
}

void checkpoint_batch_defer(struct checkpoint_batch *b, json_t *obj, const char *key,
                            double *values, size_t n)
{
    if (b->ndefer == b->capdefer) {
        b->capdefer = b->capdefer ? 2 * b->capdefer : 8;
        b->defer = xrealloc(b->defer, (size_t)b->capdefer * sizeof *b->defer);
    }
    b->defer[b->ndefer++] = (struct deferred){obj, xstrdup(key), values, n};
}

int checkpoint_batch_write(struct checkpoint_batch *b, char *err, size_t errlen)
{
    for (int a = 0; a < b->ndefer; a++) {
        struct deferred *f = &b->defer[a];
        if (!f->values) continue; /* encoded by an earlier write */
        char *text = base64_f64_encode(f->values, f->n);
        json_object_set_new(f->obj, f->key, json_string_nocheck(text)); /* ASCII */
        free(text);
        free(f->values);
        f->values = NULL;
    }
    for (int a = 0; a < b->n; a++)
        if (checkpoint_write_file(b->docs[a].dir, b->docs[a].file, b->docs[a].j, err, errlen))
            return -1;
    return 0;
}

static void *writer(void *arg)
{
    struct checkpoint_batch *b = arg;
    b->rc = checkpoint_batch_write(b, b->err, sizeof b->err);
    atomic_store(&b->done, 1);
    return NULL;
}

int checkpoint_batch_start(struct checkpoint_batch *b)
{
    if (pthread_create(&b->th, NULL, writer, b)) return -1;
    b->started = 1;
    return 0;
}

int checkpoint_batch_done(struct checkpoint_batch *b)
{
    return atomic_load(&b->done);
}

int checkpoint_batch_join(struct checkpoint_batch *b, char *err, size_t errlen)
{
    if (!b->started && !atomic_load(&b->done)) {
        snprintf(err, errlen, "checkpoint: the batch was never started");
        return -1;
    }
    if (b->started) pthread_join(b->th, NULL);
    b->started = 0;
    if (b->rc) snprintf(err, errlen, "%s", b->err);
    return b->rc;
}

void checkpoint_batch_free(struct checkpoint_batch *b)
{
    if (!b) return;
    for (int a = 0; a < b->n; a++) {
        free(b->docs[a].dir);
        free(b->docs[a].file);
        json_decref(b->docs[a].j);
    }
    for (int a = 0; a < b->ndefer; a++) {
        free(b->defer[a].key);
        free(b->defer[a].values);
    }
    free(b->docs);
    free(b->defer);
    free(b);
}
