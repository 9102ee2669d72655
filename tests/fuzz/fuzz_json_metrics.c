/* libFuzzer target: metric JSON on arbitrary bytes. Records must have bounded names, finite
 * values and in-range times; rejections never exceed documents. The first byte picks the
 * timestamp unit (s, ms, by magnitude). The zero-copy path must give the records and counters of
 * the jansson path (differential). */
#include "json_metrics.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static int check(void *ctx, const struct metric_record *r)
{
    (void)ctx;
    if (r->name_len == 0 || r->name_len > JSON_MAX_NAME || !isfinite(r->value) || r->ts_ns < 0)
        __builtin_trap();
    volatile char sink = r->name[r->name_len - 1];
    (void)sink;
    return 0;
}

/* FNV-1a over each record's name, time and value, chained. */
static int digest(void *ctx, const struct metric_record *r)
{
    uint64_t *h = ctx;
    for (size_t a = 0; a < r->name_len; a++)
        *h = (*h ^ (unsigned char)r->name[a]) * 1099511628211ULL;
    uint64_t bits;
    memcpy(&bits, &r->value, sizeof bits);
    *h = (*h ^ bits) * 1099511628211ULL;
    *h = (*h ^ (uint64_t)r->ts_ns) * 1099511628211ULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const double units[] = {1.0, 1e-3, 0};
    struct reject_stats st = {0};
    json_metrics_parse((const char *)data + 1, size - 1, units[data[0] % 3], 0, check, NULL, &st);
    long rejected = 0;
    for (int a = 0; a < REJECT_REASONS; a++) rejected += st.rejected[a];
    if (rejected > st.lines) __builtin_trap();
    uint64_t ha = 14695981039346656037ULL, hb = ha;
    struct reject_stats sa = {0}, sb = {0};
    double unit = units[data[0] % 3];
    json_metrics_parse((const char *)data + 1, size - 1, unit, 0, digest, &ha, &sa);
    json_metrics_parse_jansson((const char *)data + 1, size - 1, unit, 0, digest, &hb, &sb);
    if (ha != hb || sa.lines != sb.lines || sa.records != sb.records ||
        sa.skipped_fields != sb.skipped_fields)
        __builtin_trap();
    for (int a = 0; a < REJECT_REASONS; a++)
        if (sa.rejected[a] != sb.rejected[a]) __builtin_trap();
    return 0;
}
