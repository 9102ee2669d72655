/*
 * checkpoint_writer.h - a batch of checkpoint documents (checkpoint.h's format: the daemon's
 * checkpoint, then the handover file of each served scope) written in order, either on the
 * calling thread or on a thread of its own so the event loop does not wait for the disk. The
 * documents are composed on the loop; the batch owns them from then on, and nothing else
 * touches them until the batch is joined. A write stops at the first document that fails.
 */
#ifndef CAUSALMON_CHECKPOINT_WRITER_H
#define CAUSALMON_CHECKPOINT_WRITER_H

#include <jansson.h>
#include <stddef.h>

struct checkpoint_batch;

/* An empty batch. Does not fail (allocation failure aborts). Any thread. */
struct checkpoint_batch *checkpoint_batch_new(void);

/* Appends doc (its reference is taken over) to be written as dir/file. The thread that owns
 * the batch, before it starts. */
void checkpoint_batch_add(struct checkpoint_batch *b, const char *dir, const char *file,
                          json_t *doc);

/* Sets obj[key] to the base64 text of values[0..n) (base64_f64.h) when the batch is written,
 * on the writing thread, so the encoding of large windows does not hold up the loop. The batch
 * takes over values (freed with it) and borrows obj, which must be, or become, part of a
 * document added to the batch; a batch whose documents could not all be composed must be freed
 * without being written. The thread that owns the batch, before it starts. */
void checkpoint_batch_defer(struct checkpoint_batch *b, json_t *obj, const char *key,
                            double *values, size_t n);

/* Writes every document now, on the calling thread (deferred values encoded first); not for a
 * batch that was started. Returns 0, or
 * -1 with a message. */
int checkpoint_batch_write(struct checkpoint_batch *b, char *err, size_t errlen);

/* Starts writing on a new thread. Returns 0, or -1 when no thread could be started (nothing
 * was written; the caller may write it with checkpoint_batch_write). */
int checkpoint_batch_start(struct checkpoint_batch *b);

/* 1 once a started batch has finished writing (its thread may still be ending), else 0. The
 * owner's thread; does not block. */
int checkpoint_batch_done(struct checkpoint_batch *b);

/* Waits for a started batch. Returns its result: 0, or -1 with the first failure's message
 * (-1 too for a batch that was never started: nothing was written). */
int checkpoint_batch_join(struct checkpoint_batch *b, char *err, size_t errlen);

/* Frees the batch and its documents (a started batch must be joined first). NULL is a no-op. */
void checkpoint_batch_free(struct checkpoint_batch *b);

#endif
