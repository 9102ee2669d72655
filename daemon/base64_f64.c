#include "base64_f64.h"

#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void le_bytes(double v, unsigned char b[8])
{
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int k = 0; k < 8; k++) b[k] = (unsigned char)(u >> (8 * k));
}

static double from_le(const unsigned char b[8])
{
    uint64_t u = 0;
    for (int k = 0; k < 8; k++) u |= (uint64_t)b[k] << (8 * k);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static int little_endian(void)
{
    const double one = 1.0; /* 0x3FF0000000000000: its last byte in memory is 0x3F if LE */
    unsigned char b[8];
    memcpy(b, &one, 8);
    return b[7] == 0x3F;
}

char *base64_f64_encode(const double *v, size_t n)
{
    size_t bytes = n * 8, len = (bytes + 2) / 3 * 4;
    char *out = xmalloc(len + 1), *p = out;
    const unsigned char *in = (const unsigned char *)v;
    unsigned char *swapped = NULL;
    if (!little_endian()) { /* the values' bytes in the stored order */
        swapped = xmalloc(bytes ? bytes : 1);
        for (size_t a = 0; a < n; a++) le_bytes(v[a], swapped + 8 * a);
        in = swapped;
    }
    size_t a = 0;
    for (; a + 3 <= bytes; a += 3, p += 4) {
        unsigned w = (unsigned)in[a] << 16 | (unsigned)in[a + 1] << 8 | in[a + 2];
        p[0] = ALPHABET[w >> 18];
        p[1] = ALPHABET[(w >> 12) & 63];
        p[2] = ALPHABET[(w >> 6) & 63];
        p[3] = ALPHABET[w & 63];
    }
    if (a < bytes) { /* 1 or 2 bytes left: pad to 4 characters */
        unsigned w = (unsigned)in[a] << 16 | (a + 1 < bytes ? (unsigned)in[a + 1] << 8 : 0);
        *p++ = ALPHABET[w >> 18];
        *p++ = ALPHABET[(w >> 12) & 63];
        *p++ = a + 1 < bytes ? ALPHABET[(w >> 6) & 63] : '=';
        *p++ = '=';
    }
    *p = '\0';
    free(swapped);
    return out;
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int base64_f64_decode(const char *text, size_t len, double *out, size_t n)
{
    size_t bytes = n * 8;
    if (len != (bytes + 2) / 3 * 4) return -1;
    size_t pad = bytes % 3 ? 3 - bytes % 3 : 0; /* '=' the encoder wrote at the end */
    unsigned char b[8];
    size_t got = 0, v = 0;
    for (size_t a = 0; a < len; a += 4) {
        int s[4];
        for (int k = 0; k < 4; k++) {
            int tail = a + 4 == len && k >= 4 - (int)pad;
            s[k] = tail ? (text[a + k] == '=' ? 0 : -1) : sextet(text[a + k]);
            if (s[k] < 0) return -1;
        }
        /* the bits the last group does not use are 0, so one text means one array */
        if (a + 4 == len && ((pad == 1 && (s[2] & 3)) || (pad == 2 && (s[1] & 15)))) return -1;
        unsigned char three[3] = {(unsigned char)(s[0] << 2 | s[1] >> 4),
                                  (unsigned char)((s[1] & 15) << 4 | s[2] >> 2),
                                  (unsigned char)((s[2] & 3) << 6 | s[3])};
        for (int k = 0; k < 3 && got < bytes; k++, got++) {
            b[got % 8] = three[k];
            if (got % 8 == 7) out[v++] = from_le(b);
        }
    }
    return v == n ? 0 : -1;
}
