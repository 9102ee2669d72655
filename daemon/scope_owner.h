/*
 * scope_owner.h - which scopes this daemon serves when the members of one Kafka consumer group
 * split the scopes between them (a kafka input with `handover_dir`), and how a scope moves
 * from one member to another on a rebalance.
 *
 * Ownership follows partitions. Producers key every record by its scope (README: Telegraf's
 * routing_tag / routing_key, Fluent Bit's message_key / message_key_field), so Kafka's
 * partitioner keeps one scope's records in one partition; which partition that is depends on
 * the producer's hash (sarama, librdkafka and the Java client differ), so it is learned, not
 * computed: a record's series belongs to the scopes whose match takes it, and the partition it
 * came from is tagged with those scopes (kafka_source_tag). A scope is served here from its
 * first record on a partition assigned here, until a partition tagged with it is revoked. A
 * scope that is not served takes no rows: it does not refresh, monitor or alert, its window
 * stays empty, and status and /metrics show `served` 0.
 *
 * Handover. Every checkpoint also writes each served scope to HANDOVER_DIR/<scope>.scope (the
 * checkpoint format: header, length, checksum; atomic rename): its window, its sample count,
 * its series' carry-forward state, and `closed_before_ns`, the end of the buckets the window
 * holds. Only after that are the input's durable offsets stored (the existing rule: an offset
 * is committed only when every record before it is in a written checkpoint), so the committed
 * offset of a partition never runs ahead of its scopes' handover files. On a revoke the member
 * checkpoints first (its scopes' files and then the offsets), commits, and drops the scopes the
 * revoked partitions carried; a member that lost its assignment drops them without writing.
 * The new owner, at the first record of such a scope, restores the scope from its file and
 * consumes from the committed offset: records of buckets before closed_before_ns are already
 * in the restored window and are ignored, later ones are new. So across a handover no sample
 * is lost and none is counted twice; the same holds after a crash (the file is then at least
 * as new as the committed offset, and the replayed part before its end is ignored).
 *
 * Catch-up. The new owner's aligner may have closed buckets past closed_before_ns already
 * (its own partitions ran ahead). Records of the scope for those buckets would be late; a
 * small aligner of the scope's own takes them instead and hands its rows to the scope just
 * before the main aligner's first row after them (or at the idle flush, once its records have
 * started to arrive), so the window stays in time order. It holds
 * at most the scope's `window` buckets x `max_series` accumulators (older buckets of the gap
 * are given up and counted in `handover_gap_buckets`). While a scope catches up, checkpoints
 * store offsets only up to where its file ends.
 *
 * Limits: a scope must be routed to one partition (or to partitions that are always assigned
 * together); a scope whose records come from two members' partitions is served by both. Log
 * template state (Drain) does not move with a scope. Thread: the loop, for all of it.
 */
#ifndef CAUSALMON_SCOPE_OWNER_H
#define CAUSALMON_SCOPE_OWNER_H

#include "config.h"
#include "record.h"

#include <stdint.h>

struct daemon;
struct aligner;

/* A served scope's catch-up: its own aligner for buckets [from_ns, to_ns). */
struct scope_catchup {
    struct aligner *al;
    int64_t from_ns, to_ns;
    long records; /* taken so far */
};

struct scope_owner {
    int on; /* a kafka input splits the scopes */
    char dir[CONF_STR];
    int served[CONF_MAX_SCOPES];
    struct scope_catchup catchup[CONF_MAX_SCOPES]; /* al NULL: none */
    long acquired[CONF_MAX_SCOPES], released[CONF_MAX_SCOPES], gap_buckets[CONF_MAX_SCOPES];
    uint64_t *mask;       /* per aligner series id: the scopes that take it */
    unsigned char *known; /* per series id: mask computed */
    int nids;             /* the aligner's series cap */
};

/* Sets up ownership for d's configuration (after the scopes and the aligner exist): with a
 * kafka input that has handover_dir, no scope is served until its records arrive, and the
 * directory is created when missing; otherwise every scope is served. Returns 0, or -1 with a
 * message. */
int scope_owner_init(struct daemon *d, char *err, size_t errlen);
void scope_owner_free(struct daemon *d);

/* ingest's route_fn: tags the message with the record's scopes and takes up those not served
 * yet. ctx is the daemon. */
void scope_owner_route(void *ctx, const struct metric_record *m);
/* ingest's late_fn: a catching-up scope takes a record of its gap. Returns 1 if taken. */
int scope_owner_late(void *ctx, const struct metric_record *m);
/* source_env.revoked: checkpoints (unless lost), then drops the scopes in tags. */
void scope_owner_revoked(void *ctx, uint64_t tags, int lost);

/* A closed bucket of the main aligner for the served scopes (a scope catching up first takes
 * its gap's rows). */
void scope_owner_row(struct daemon *d, int64_t t_ns, const double *row, const int *counts, int n);

/* Every input is idle (the idle flush): a scope catching up hands its gap's rows over when
 * its records have started to arrive (the main aligner may have no further row to wait for). */
void scope_owner_idle(struct daemon *d);

/* The series id expired in the main aligner (its scopes are looked up again). */
void scope_owner_series_expired(struct daemon *d, int id);

/* Adds the handover file of every served scope to b (written after the daemon's checkpoint);
 * closed_before_ns is where the checkpoint's closed buckets end. Returns 0, or -1 with a
 * message when a document cannot be composed: then b must be freed without being written, and
 * no offset may be stored. The loop. */
struct checkpoint_batch;
int scope_owner_handovers(struct daemon *d, int64_t closed_before_ns, struct checkpoint_batch *b,
                          char *err, size_t errlen);
/* Where the offsets may be made durable: closed_before_ns, or earlier while a scope catches
 * up. */
int64_t scope_owner_durable(const struct daemon *d, int64_t closed_before_ns);

/* 1 if scope a runs here. */
int scope_owner_serves(const struct daemon *d, int a);

#endif
