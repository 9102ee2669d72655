/* libFuzzer target: timestamp parsing on arbitrary bytes (no NUL termination assumed). */
#include "timestamp.h"

#include <math.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    double v;
    if (timestamp_parse((const char *)data, size, &v, err, sizeof err) == 0 && !isfinite(v))
        __builtin_trap(); /* an accepted timestamp is finite */
    return 0;
}
