/*
 * zmq_curve.h - CURVE security for the daemon's bound ZeroMQ sockets (docs/conventions.md §3.3),
 * with an allow-list of client public keys checked by an in-process ZAP handler
 * (inproc://zeromq.zap.01, RFC 27). Keys are 40-character Z85 strings.
 */
#ifndef CAUSALMON_ZMQ_CURVE_H
#define CAUSALMON_ZMQ_CURVE_H

#include <stddef.h>

#define CURVE_KEY_LEN 40

struct zmq_curve;

/* Reads the server's secret key from secret_file (first line, Z85) and the allowed client
 * public keys from every file in allowed_dir (one Z85 key on the first line of each; other
 * files are ignored with a warning), and warns when the secret key file is readable by group
 * or others. Starts the ZAP handler on zctx. Returns NULL with
 * a message. */
struct zmq_curve *zmq_curve_start(void *zctx, const char *secret_file, const char *allowed_dir,
                                  char *err, size_t errlen);
/* Reads the allow-list again (SIGHUP): keys removed from allowed_dir are refused from the next
 * handshake on (established connections stay). Files that do not hold a key are ignored with
 * a warning. Returns 0, or -1 with a message (the old list stays). Thread: the loop. */
int zmq_curve_reload(struct zmq_curve *c, const char *allowed_dir, char *err, size_t errlen);
/* Makes a socket a CURVE server checked against the allow-list (call before bind). */
int zmq_curve_server(struct zmq_curve *c, void *sock);
/* Clients: sets the server key and the client's keypair (secret from a file; the public key is
 * derived). Returns 0, or -1 with a message. */
int zmq_curve_client(void *sock, const char *server_public, const char *client_secret_file,
                     char *err, size_t errlen);
/* Reads the first line of a key file into key[CURVE_KEY_LEN + 1]. Returns 0 or -1. */
int zmq_curve_read_key(const char *path, char *key, char *err, size_t errlen);
/* Counts of ZAP decisions. */
void zmq_curve_counts(struct zmq_curve *c, long *allowed, long *denied);
/* Stops the handler (before zmq_ctx_term) and frees. */
void zmq_curve_stop(struct zmq_curve *c);

#endif
