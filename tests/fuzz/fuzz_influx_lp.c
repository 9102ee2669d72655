/* libFuzzer target: line protocol on arbitrary bytes. Every record must have a bounded name and
 * a finite value; counters must add up. */
#include "influx_lp.h"

#include <math.h>
#include <stdint.h>

static int check(void *ctx, const struct metric_record *r)
{
    (void)ctx;
    if (r->name_len == 0 || r->name_len > LP_MAX_NAME || !isfinite(r->value) || r->ts_ns < 0)
        __builtin_trap();
    volatile char sink = r->name[r->name_len - 1]; /* ASan checks the name is readable */
    (void)sink;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reject_stats st = {0};
    influx_lp_parse((const char *)data, size, LP_NS, 1700000000000000000LL, check, NULL, &st);
    long rejected = 0;
    for (int a = 0; a < REJECT_REASONS; a++) rejected += st.rejected[a];
    if (rejected > st.lines) __builtin_trap();
    return 0;
}
