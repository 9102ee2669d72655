#include "utf8.h"

#include <string.h>

/* Length of the valid sequence starting at s[0] (at most n bytes available), or 0. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c >= 0x01 && c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0; /* overlong */
        if (c == 0xed) hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90; /* overlong */
        if (c == 0xf4) hi = 0x8f; /* above U+10FFFF */
    } else
        return 0;
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xbf) return 0;
    return len;
}

int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t at = 0;
    while (at < n) {
        size_t k = seq_len(p + at, n - at);
        if (!k) return 0;
        at += k;
    }
    return 1;
}

size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max) return n;
    const unsigned char *p = (const unsigned char *)s;
    size_t at = max;
    while (at > 0 && (p[at] & 0xc0) == 0x80 && max - at < 3) at--;
    return at;
}

size_t utf8_copy(char *dst, size_t cap, const char *src)
{
    if (cap == 0) return 0;
    const unsigned char *p = (const unsigned char *)(src ? src : "");
    size_t n = strlen((const char *)p), at = 0, out = 0;
    while (at < n) {
        size_t k = seq_len(p + at, n - at);
        if (!k) { /* invalid byte: '?' */
            if (out + 1 >= cap) break;
            dst[out++] = '?';
            at++;
            continue;
        }
        if (out + k >= cap) break;
        memcpy(dst + out, p + at, k);
        out += k;
        at += k;
    }
    dst[out] = '\0';
    return out;
}
