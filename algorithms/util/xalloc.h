/*
 * xalloc.h - the allocation rules of algorithms/ (and of causalmon as a whole).
 *
 * Ownership rule, stated once for every header in algorithms/:
 *   - A function named *_new or *_create returns an object the caller owns and must release
 *     with the matching *_free. Every *_free accepts NULL and does nothing.
 *   - Pointers passed as `const T *` are borrowed for the duration of the call only; nothing in
 *     algorithms/ keeps a pointer to caller memory after returning unless the contract says so.
 *   - Output buffers are supplied by the caller, with their size stated in the contract.
 *   - Objects are not thread-safe: one thread uses an object at a time. Pure functions that take
 *     only const inputs and caller-owned outputs may run concurrently.
 * Internal allocations never fail: x*alloc aborts the process with a message on out-of-memory,
 * because a half-built numerical state is worse than a restart under systemd. Sizes that come
 * from input are checked by the caller before they reach an allocation.
 */
#ifndef CAUSALMON_XALLOC_H
#define CAUSALMON_XALLOC_H

#include <stddef.h>

/* malloc that aborts on failure. xmalloc(0) returns a valid unique pointer. Any thread. */
void *xmalloc(size_t size);
/* calloc that aborts on failure or on nmemb*size overflow. Any thread. */
void *xcalloc(size_t nmemb, size_t size);
/* realloc that aborts on failure. Any thread. */
void *xrealloc(void *ptr, size_t size);
/* malloc(nmemb*size) that aborts on failure or overflow. Any thread. */
void *xmallocarray(size_t nmemb, size_t size);
/* strdup that aborts on failure. Any thread. */
char *xstrdup(const char *s);

#endif
