/*
 * ckwindows - prints the scope windows held in a daemon checkpoint, one cell per line:
 * "SCOPE TIME_NS SERIES VALUE" (VALUE with 12 significant digits, "nan" when missing), for
 * comparing the windows of two runs.
 *
 * usage: ckwindows STATE_DIR/checkpoint.json
 */
#include "base64_f64.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ckwindows CHECKPOINT\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    int c;
    while ((c = fgetc(f)) != EOF && c != '\n') { /* the header line */
    }
    json_error_t je;
    json_t *j = json_loadf(f, 0, &je);
    fclose(f);
    if (!j) {
        fprintf(stderr, "ckwindows: %s: %s\n", argv[1], je.text);
        return 1;
    }
    size_t i, r, k;
    json_t *s;
    json_array_foreach(json_object_get(j, "scopes"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "name"));
        json_t *cols = json_object_get(s, "columns"), *times = json_object_get(s, "times");
        json_t *data = json_object_get(s, "data"), *rows = json_object_get(s, "rows");
        size_t nrow = json_array_size(times), ncol = json_array_size(cols);
        double *X = malloc((nrow * ncol > 0 ? nrow * ncol : 1) * sizeof(double));
        int bad = !X;
        if (!bad && json_is_string(data)) /* version 3: base64 doubles */
            bad = base64_f64_decode(json_string_value(data), json_string_length(data), X,
                                    nrow * ncol) != 0;
        for (r = 0; !bad && !json_is_string(data) && r < nrow; r++) { /* version 2 */
            json_t *row = json_array_get(rows, r), *v;
            bad = json_array_size(row) != ncol;
            if (!bad)
                json_array_foreach(row, k, v) X[r * ncol + k] =
                    json_is_number(v) ? json_number_value(v) : NAN;
        }
        if (bad) {
            fprintf(stderr,
                    "ckwindows: scope %s: the window does not hold %zu rows of %zu values\n", name,
                    nrow, ncol);
            return 1;
        }
        for (r = 0; r < nrow; r++)
            for (k = 0; k < ncol; k++) {
                json_int_t t = json_integer_value(json_array_get(times, r));
                const char *col = json_string_value(json_array_get(cols, k));
                double v = X[r * ncol + k];
                if (isfinite(v))
                    printf("%s %lld %s %.12g\n", name, (long long)t, col, v);
                else
                    printf("%s %lld %s nan\n", name, (long long)t, col);
            }
        free(X);
    }
    json_decref(j);
    return 0;
}
