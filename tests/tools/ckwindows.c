/*
 * ckwindows - prints the scope windows held in a daemon checkpoint, one cell per line:
 * "SCOPE TIME_NS SERIES VALUE" (VALUE with 12 significant digits, "nan" when missing), for
 * comparing the windows of two runs.
 *
 * usage: ckwindows STATE_DIR/checkpoint.json
 */
#include <jansson.h>
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
        json_t *cols = json_object_get(s, "columns"), *times = json_object_get(s, "times"), *row;
        json_array_foreach(json_object_get(s, "rows"), r, row)
        {
            json_int_t t = json_integer_value(json_array_get(times, r));
            if (json_array_size(row) != json_array_size(cols)) {
                fprintf(stderr, "ckwindows: scope %s row %zu: %zu values for %zu columns\n", name,
                        r, json_array_size(row), json_array_size(cols));
                return 1;
            }
            json_t *v;
            json_array_foreach(row, k, v)
            {
                const char *col = json_string_value(json_array_get(cols, k));
                if (json_is_number(v))
                    printf("%s %lld %s %.12g\n", name, (long long)t, col, json_number_value(v));
                else
                    printf("%s %lld %s nan\n", name, (long long)t, col);
            }
        }
    }
    json_decref(j);
    return 0;
}
