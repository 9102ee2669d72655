/* libFuzzer target: the query protocol. Any bytes parse into a query or an error text. */
#include "query_proto.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct query q;
    char err[128] = "";
    if (query_parse((const char *)data, size, &q, err, sizeof err)) {
        if (!err[0]) __builtin_trap();
    } else if (q.kind == QUERY_ALERTS && q.since < 0) {
        __builtin_trap();
    }
    return 0;
}
