#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "causalmon %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
        cli_error(cmd, "--%s: '%s' is not an integer in [%ld, %ld]", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_real(const char *cmd, const char *opt, const char *s, double lo, double hi, int open,
             double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int bad = end == s || *end != '\0' || errno == ERANGE || !isfinite(v);
    if (!bad) bad = open ? !(v > lo && v < hi) : !(v >= lo && v <= hi);
    if (bad) {
        cli_error(cmd, "--%s: '%s' is not a number in %s%g, %g%s", opt, s, open ? "(" : "[", lo, hi,
                  open ? ")" : "]");
        return -1;
    }
    *out = v;
    return 0;
}

int cli_print_json(json_t *v, int pretty)
{
    size_t flags = JSON_REAL_PRECISION(10) | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    int rc = json_dumpf(v, stdout, flags);
    json_decref(v);
    if (rc == 0) rc = fputc('\n', stdout) == EOF ? -1 : 0;
    if (fflush(stdout) != 0) rc = -1;
    return rc;
}

json_t *cli_excluded_columns(const char *cmd, const char *input, const struct csv_table *tab,
                             const enum column_status *status, int skip)
{
    json_t *arr = json_array();
    for (int col = 0; col < tab->ncols; col++) {
        if (status[col] == COLUMN_KEPT || col == skip) continue;
        const char *why = status[col] == COLUMN_CONSTANT ? "constant" : "mostly missing";
        cli_error(cmd, "%s: column '%s' left out: %s", input, tab->names[col], why);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s}", "variable", tab->names[col], "reason", why));
    }
    return arr;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
