/* libFuzzer target: a Drain checkpoint read back from disk may be corrupt. drain_load must
 * refuse it or restore a miner that works; and mining arbitrary lines must not crash. */
#include "drain.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct drain *d = drain_load((const char *)data, size, err, sizeof err);
    if (!d) {
        struct drain_params p;
        drain_params_default(&p);
        p.max_clusters = 64;
        d = drain_new(&p, err, sizeof err);
    }
    /* use the bytes as log lines too */
    size_t at = 0;
    while (at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        int id = drain_add(d, (const char *)data + at, end - at);
        if (id > 0 && !drain_template(d, id)) __builtin_trap();
        at = end + 1;
    }
    size_t len;
    char *text = drain_save(d, &len);
    struct drain *again = drain_load(text, len, err, sizeof err);
    if (!again) __builtin_trap(); /* what we save we must load */
    drain_free(again);
    free(text);
    drain_free(d);
    return 0;
}
