/* libFuzzer target: metric JSON on arbitrary bytes. Records must have bounded names, finite
 * values and in-range times; rejections never exceed documents. The first byte picks the
 * timestamp unit (s, ms, by magnitude). */
#include "json_metrics.h"

#include <math.h>
#include <stdint.h>

static int check(void *ctx, const struct metric_record *r)
{
    (void)ctx;
    if (r->name_len == 0 || r->name_len > JSON_MAX_NAME || !isfinite(r->value) || r->ts_ns < 0)
        __builtin_trap();
    volatile char sink = r->name[r->name_len - 1];
    (void)sink;
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
    return 0;
}
