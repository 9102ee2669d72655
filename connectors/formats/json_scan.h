/*
 * json_scan.h - a zero-copy scanner for the fixed, flat JSON shapes of the hot ingest paths
 * (Telegraf JSON metrics, Fluent Bit / Vector log lines), used before falling back to jansson.
 *
 * It validates exactly what it reads: strings (escapes \" \\ \/ \b \f \n \r \t, UTF-8 as jansson
 * accepts it), numbers per the JSON grammar, literals, and nested objects and arrays (skipped,
 * depth <= JSON_SCAN_MAX_DEPTH). Whatever it is not sure to read the way jansson does (\u
 * escapes, integers outside int64, non-finite reals, deeper nesting) makes it return
 * JSON_SCAN_FALLBACK, and the caller parses the document with jansson instead; syntax errors
 * also return JSON_SCAN_FALLBACK, so rejections and their reasons stay jansson's. Strings
 * without escapes point into the input; unescaped ones into the scanner's scratch buffer.
 * Pure; one scanner per thread.
 */
#ifndef CAUSALMON_JSON_SCAN_H
#define CAUSALMON_JSON_SCAN_H

#include <stddef.h>

#define JSON_SCAN_MAX_DEPTH 32
#define JSON_SCAN_FALLBACK  (-1)

enum jscan_type { JS_STRING, JS_INT, JS_REAL, JS_TRUE, JS_FALSE, JS_NULL, JS_OBJECT, JS_ARRAY };

struct jscan_value {
    enum jscan_type type;
    const char *s; /* JS_STRING: content (not NUL-terminated); objects/arrays: raw span */
    size_t len;
    long long i; /* JS_INT */
    double d;    /* JS_INT (as a double) and JS_REAL */
};

struct jscan {
    const char *p, *end;
    char *scratch; /* unescaped strings of the current document */
    size_t used, cap;
};

/* Starts scanning buf[0..len) with an empty scratch (kept allocated across documents). */
void jscan_reset(struct jscan *j, const char *buf, size_t len);
void jscan_free(struct jscan *j);

/* Skips whitespace; returns the next byte, or -1 at the end. */
int jscan_peek(struct jscan *j);
/* Consumes byte c (after whitespace). Returns 0, or JSON_SCAN_FALLBACK if it is not there. */
int jscan_expect(struct jscan *j, char c);
/* Reads a string. Returns 0, or JSON_SCAN_FALLBACK. */
int jscan_string(struct jscan *j, const char **s, size_t *len);
/* Reads any value (objects and arrays are validated and skipped). Returns 0 or
 * JSON_SCAN_FALLBACK. */
int jscan_value(struct jscan *j, struct jscan_value *v);

#endif
