/*
 * base64_f64.h - arrays of doubles as base64 text (RFC 4648 alphabet, with padding), each
 * value as its 8 IEEE-754 bytes, least significant first, whatever the host's byte order. A
 * checkpoint stores a scope's window this way: exact, a third larger than the raw bytes, and
 * one string instead of a JSON number per cell. Pure functions, any thread.
 */
#ifndef CAUSALMON_BASE64_F64_H
#define CAUSALMON_BASE64_F64_H

#include <stddef.h>

/* Encodes v[0..n) as a NUL-terminated string the caller frees (n = 0 gives ""). Does not fail
 * (allocation failure aborts, as xmalloc does). */
char *base64_f64_encode(const double *v, size_t n);

/* Decodes text[0..len) into out[0..n). Returns 0 when the text holds exactly n values, -1 when
 * its length is not that of n values or it has a byte outside the alphabet (out is then
 * partly written), or when the unused bits of its last group are not 0 (each array has one
 * text). */
int base64_f64_decode(const char *text, size_t len, double *out, size_t n);

#endif
