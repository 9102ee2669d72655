/*
 * http_listen.h - the listen address of the daemon's HTTP servers (metrics, HTTP inputs):
 * "HOST:PORT" with a numeric IPv4 host, "[IPv6]:PORT", or ":PORT" / "PORT" for the loopback
 * address 127.0.0.1 (the default: nothing outside the host reaches a server unless its host is
 * given). Also reads a bearer token from a file and checks an Authorization header against it.
 * Pure; any thread.
 */
#ifndef CAUSALMON_HTTP_LISTEN_H
#define CAUSALMON_HTTP_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

/* Parses s into *sa (its length in *salen, AF_INET or AF_INET6 in sa->ss_family). Returns 0,
 * or -1 with "WHAT: 'S' is not ..." in err. */
int http_listen_parse(const char *what, const char *s, struct sockaddr_storage *sa,
                      socklen_t *salen, char *err, size_t errlen);

/* Reads the first line of path (trailing blanks and newline removed) into a new string.
 * Returns NULL with "WHAT: PATH: reason" in err when the file cannot be read or is empty. */
char *http_token_read(const char *what, const char *path, char *err, size_t errlen);

/* 1 when token is NULL (no token required) or header is exactly "Bearer <token>"; else 0.
 * Compares in constant time for a given length. */
int http_bearer_ok(const char *token, const char *header);

#endif
