/* libFuzzer target: the CSV reader must never crash, leak or read out of bounds, whatever the
 * bytes; it either returns a table or an error message. */
#include "csv_table.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f) return 0;
    char err[512];
    struct csv_table *t = csv_table_read_stream(f, "fuzz.csv", err, sizeof err);
    if (t) {
        /* touch every value and name so ASan sees any out-of-bounds table */
        volatile double sink = 0;
        for (long a = 0; a < (long)t->rows * t->ncols; a++) sink += t->values[a];
        for (int c = 0; c < t->ncols; c++) sink += (double)strlen(t->names[c]);
        (void)sink;
    } else if (strncmp(err, "fuzz.csv", 8) != 0) {
        __builtin_trap(); /* every message names the file */
    }
    csv_table_free(t);
    fclose(f);
    return 0;
}
