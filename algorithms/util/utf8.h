/*
 * utf8.h - UTF-8 validation and character-safe truncation for names, tags, log streams and
 * templates. Strict RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Pure functions, any thread.
 */
#ifndef CAUSALMON_UTF8_H
#define CAUSALMON_UTF8_H

#include <stddef.h>

/* 1 if s[0..n) is valid UTF-8 (NUL bytes are refused too), else 0. */
int utf8_valid(const char *s, size_t n);

/* The largest length <= max at which s[0..n) can be cut without splitting a character
 * (s is assumed valid; a cut inside an invalid sequence backs off over its continuation bytes). */
size_t utf8_cut(const char *s, size_t n, size_t max);

/* Copies the NUL-terminated src into dst (cap > 0 bytes, always NUL-terminated), cutting at a
 * character boundary and replacing every byte of an invalid sequence with '?', so the result
 * is always valid UTF-8. src NULL gives "". Returns the length written. */
size_t utf8_copy(char *dst, size_t cap, const char *src);

#endif
