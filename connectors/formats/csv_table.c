#include "csv_table.h"

#include "timestamp.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cell {
    char *s; /* NUL-terminated, unquoted, trimmed (points into the line buffer) */
    size_t len;
    size_t col; /* 1-based byte column where the cell starts */
};

/* Splits line[0..len) in place into cells. Returns the count, or -1 at an unterminated quote
 * (its column in *bad_col). `cells` grows as needed. */
static int split_line(char *line, size_t len, struct cell **cells, int *cap, size_t *bad_col)
{
    int n = 0;
    size_t at = 0;
    for (;;) {
        while (at < len && (line[at] == ' ' || line[at] == '\t')) at++;
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 16;
            *cells = xrealloc(*cells, (size_t)*cap * sizeof **cells);
        }
        struct cell *c = &(*cells)[n++];
        c->col = at + 1;
        if (at < len && line[at] == '"') {
            size_t w = at, r = at + 1;
            int closed = 0;
            while (r < len) {
                if (line[r] == '"') {
                    if (r + 1 < len && line[r + 1] == '"') {
                        line[w++] = '"';
                        r += 2;
                        continue;
                    }
                    closed = 1;
                    r++;
                    break;
                }
                line[w++] = line[r++];
            }
            if (!closed) {
                *bad_col = at + 1;
                return -1;
            }
            c->s = line + at;
            c->len = w - at;
            while (r < len && line[r] != ',') r++;
            at = r;
        } else {
            size_t start = at;
            while (at < len && line[at] != ',') at++;
            size_t end = at;
            while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t')) end--;
            c->s = line + start;
            c->len = end - start;
        }
        int more = at < len && line[at] == ',';
        c->s[c->len] = '\0'; /* safe: overwrites the ',' or a trailing char/NUL */
        if (!more) break;
        at++;
    }
    return n;
}

static int is_time_name(const char *s)
{
    return strcasecmp(s, "time") == 0 || strcasecmp(s, "timestamp") == 0;
}

static int parse_value(const char *s, size_t len, double *out)
{
    if (len == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0 || strcmp(s, "NA") == 0) {
        *out = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s + len || end == s) return -1;
    if (!isfinite(v)) return -2;
    *out = v;
    return 0;
}

/* Reads one line ending in LF, CRLF or a lone CR (classic Mac OS files) into *line, without the
 * terminator. Returns its length, or -1 at the end of the stream with nothing read. Bytes past
 * CSV_MAX_LINE are counted, not stored (the caller rejects such a line). */
static ssize_t read_line(FILE *f, char **line, size_t *cap)
{
    size_t len = 0;
    int c, any = 0;
    while ((c = getc_unlocked(f)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (c == '\r') {
            int d = getc_unlocked(f);
            if (d != '\n' && d != EOF) ungetc(d, f);
            break;
        }
        if (len >= CSV_MAX_LINE + 1) {
            len++;
            continue;
        }
        if (len + 2 > *cap) {
            *cap = *cap ? 2 * *cap : 256;
            *line = xrealloc(*line, *cap);
        }
        (*line)[len++] = (char)c;
    }
    if (len > CSV_MAX_LINE + 1) len = CSV_MAX_LINE + 1;
    if (!any) return -1;
    if (!*line) {
        *cap = 256;
        *line = xmalloc(*cap);
    }
    (*line)[len] = '\0';
    return (ssize_t)len;
}

struct csv_table *csv_table_read_stream(FILE *f, const char *label, char *err, size_t errlen)
{
    struct csv_table *t = xcalloc(1, sizeof *t);
    char *line = NULL;
    size_t linecap = 0;
    struct cell *cells = NULL;
    int cellcap = 0, rowcap = 0, first_data = 0;
    long lineno = 0;
    ssize_t got;
    int have_header = 0;
    while ((got = read_line(f, &line, &linecap)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            memmove(line, line + 3, len - 2); /* UTF-8 byte order mark: not part of the name */
            len -= 3;
        }
        if (len > CSV_MAX_LINE) {
            snprintf(err, errlen, "%s:%ld: line longer than %d bytes", label, lineno, CSV_MAX_LINE);
            goto fail;
        }
        size_t blank = 0;
        while (blank < len && isspace((unsigned char)line[blank])) blank++;
        if (blank == len) continue;
        size_t bad_col = 0;
        int n = split_line(line, len, &cells, &cellcap, &bad_col);
        if (n < 0) {
            snprintf(err, errlen, "%s:%ld:%zu: unterminated quoted field", label, lineno, bad_col);
            goto fail;
        }
        if (!have_header) {
            have_header = 1;
            first_data = is_time_name(cells[0].s) ? 1 : 0;
            if (first_data) t->time_name = xstrdup(cells[0].s);
            int nc = n - first_data;
            if (nc > CSV_MAX_COLUMNS) {
                snprintf(err, errlen, "%s:%ld: %d data columns exceed the limit of %d", label,
                         lineno, nc, CSV_MAX_COLUMNS);
                goto fail;
            }
            if (nc < 1) {
                snprintf(err, errlen, "%s:%ld: header has no data column", label, lineno);
                goto fail;
            }
            t->names = xcalloc((size_t)nc, sizeof(char *));
            t->ncols = nc;
            for (int a = 0; a < nc; a++) {
                struct cell *c = &cells[a + first_data];
                if (c->len == 0) {
                    snprintf(err, errlen, "%s:%ld:%zu: empty column name (column %d)", label,
                             lineno, c->col, a + first_data + 1);
                    goto fail;
                }
                for (int b = 0; b < a; b++)
                    if (strcmp(t->names[b], c->s) == 0) {
                        snprintf(err, errlen, "%s:%ld:%zu: duplicate column name '%s'", label,
                                 lineno, c->col, c->s);
                        goto fail;
                    }
                t->names[a] = xstrdup(c->s);
            }
            continue;
        }
        if (n != t->ncols + first_data) {
            size_t col = n > t->ncols + first_data ? cells[t->ncols + first_data].col : len + 1;
            snprintf(err, errlen, "%s:%ld:%zu: expected %d fields as in the header, found %d",
                     label, lineno, col, t->ncols + first_data, n);
            goto fail;
        }
        if ((long)(t->rows + 1) * t->ncols > CSV_MAX_CELLS) {
            snprintf(err, errlen, "%s:%ld: more than %ld cells", label, lineno, CSV_MAX_CELLS);
            goto fail;
        }
        if (t->rows == rowcap) {
            rowcap = rowcap ? 2 * rowcap : 256;
            t->values = xrealloc(t->values, (size_t)rowcap * t->ncols * sizeof(double));
            if (first_data) t->times = xrealloc(t->times, (size_t)rowcap * sizeof(double));
        }
        if (first_data) {
            char terr[128];
            double ts;
            if (timestamp_parse(cells[0].s, cells[0].len, &ts, terr, sizeof terr) < 0) {
                snprintf(err, errlen, "%s:%ld:%zu: column '%s': %s", label, lineno, cells[0].col,
                         t->time_name, terr);
                goto fail;
            }
            if (t->rows > 0 && !(ts > t->times[t->rows - 1])) {
                snprintf(err, errlen,
                         "%s:%ld:%zu: column '%s': time %.17g is not after the previous row's "
                         "%.17g (rows must be in increasing time order)",
                         label, lineno, cells[0].col, t->time_name, ts, t->times[t->rows - 1]);
                goto fail;
            }
            t->times[t->rows] = ts;
        }
        double *row = t->values + (size_t)t->rows * t->ncols;
        for (int a = 0; a < t->ncols; a++) {
            struct cell *c = &cells[a + first_data];
            int rc = parse_value(c->s, c->len, &row[a]);
            if (rc < 0) {
                snprintf(err, errlen, "%s:%ld:%zu: column '%s': '%.40s' is %s", label, lineno,
                         c->col, t->names[a], c->s, rc == -2 ? "not finite" : "not a number");
                goto fail;
            }
        }
        t->rows++;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", label, strerror(errno));
        goto fail;
    }
    if (!have_header) {
        snprintf(err, errlen, "%s: empty file (no header row)", label);
        goto fail;
    }
    free(line);
    free(cells);
    return t;
fail:
    free(line);
    free(cells);
    csv_table_free(t);
    return NULL;
}

struct csv_table *csv_table_read(const char *path, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0) return csv_table_read_stream(stdin, "<stdin>", err, errlen);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct csv_table *t = csv_table_read_stream(f, path, err, errlen);
    fclose(f);
    return t;
}

void csv_table_free(struct csv_table *t)
{
    if (!t) return;
    for (int a = 0; a < t->ncols; a++) free(t->names ? t->names[a] : NULL);
    free(t->names);
    free(t->values);
    free(t->times);
    free(t->time_name);
    free(t);
}

int csv_write_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    int quote = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    if (!quote) quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF) return -1;
    for (; *s; s++)
        if ((*s == '"' && fputc('"', f) == EOF) || fputc(*s, f) == EOF) return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}
