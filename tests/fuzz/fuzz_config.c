/* libFuzzer target: the YAML configuration. config_load must accept it or refuse it with a
 * message naming FILE:LINE:COL, never crash; an accepted one passes the memory estimate or is
 * refused by it with a message. */
#include "config.h"
#include "mem_estimate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_config.%d.yaml", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    struct config *c = malloc(sizeof *c);
    char err[1024] = "";
    if (config_load(path, c, err, sizeof err) == 0) {
        mem_estimate_check(c, err, sizeof err);
    } else if (!err[0]) {
        __builtin_trap(); /* a refusal always says why */
    }
    free(c);
    return 0;
}
