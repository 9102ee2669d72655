/* A tiny protobuf writer for tests: builds remote_write WriteRequest messages by hand. */
#ifndef CAUSALMON_PB_WRITE_H
#define CAUSALMON_PB_WRITE_H

#include <stdint.h>
#include <string.h>

struct pbw {
    unsigned char b[8192];
    size_t n;
};

static inline void pbw_varint(struct pbw *w, uint64_t v)
{
    while (v >= 0x80) {
        w->b[w->n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    w->b[w->n++] = (unsigned char)v;
}

static inline void pbw_bytes(struct pbw *w, int field, const void *p, size_t len)
{
    pbw_varint(w, (uint64_t)field << 3 | 2);
    pbw_varint(w, len);
    memcpy(w->b + w->n, p, len);
    w->n += len;
}

static inline void pbw_label(struct pbw *ts, const char *name, const char *value)
{
    struct pbw l = {.n = 0};
    pbw_bytes(&l, 1, name, strlen(name));
    pbw_bytes(&l, 2, value, strlen(value));
    pbw_bytes(ts, 1, l.b, l.n);
}

static inline void pbw_sample(struct pbw *ts, double v, int64_t ms)
{
    struct pbw s = {.n = 0};
    uint64_t bits;
    memcpy(&bits, &v, 8);
    pbw_varint(&s, 1 << 3 | 1);
    for (int k = 0; k < 8; k++) s.b[s.n++] = (unsigned char)(bits >> (8 * k));
    pbw_varint(&s, 2 << 3 | 0);
    pbw_varint(&s, (uint64_t)ms);
    pbw_bytes(ts, 2, s.b, s.n);
}

#endif
