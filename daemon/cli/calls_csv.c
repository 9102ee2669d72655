/* calls_csv.c - a known call graph from a CSV edge list (calls_csv.h). */
#include "calls_csv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { MAX_FIELDS = 64 };

/* Splits line (modified) at commas into f[]; trims blanks and one pair of double quotes.
 * Returns the field count (at most MAX_FIELDS). */
static int split_fields(char *line, char **f)
{
    int n = 0;
    for (char *p = line; n < MAX_FIELDS;) {
        char *end = strchr(p, ',');
        if (end) *end = 0;
        while (isspace((unsigned char)*p)) p++;
        size_t len = strlen(p);
        while (len && isspace((unsigned char)p[len - 1])) p[--len] = 0;
        if (len >= 2 && p[0] == '"' && p[len - 1] == '"') p[len - 1] = 0, p++;
        f[n++] = p;
        if (!end) break;
        p = end + 1;
    }
    return n;
}

/* Copies name into out with glob characters escaped. Returns 0, or -1 when it does not fit. */
static int glob_literal(const char *name, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = name; *p; p++) {
        if (strchr("*?[]\\", *p)) {
            if (o + 1 >= outlen) return -1;
            out[o++] = '\\';
        }
        if (o + 1 >= outlen) return -1;
        out[o++] = *p;
    }
    out[o] = 0;
    return 0;
}

int calls_csv_read(const char *path, struct scope_conf *sc, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[4096], *fld[MAX_FIELDS];
    int lineno = 0, from = -1, to = -1, header = 0, rc = 0;
    sc->ncalls = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno,
                     sizeof line - 2);
            rc = -1;
            break;
        }
        line[strcspn(line, "\r\n")] = 0;
        const char *s = line + (lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3) ? 3 : 0);
        while (isspace((unsigned char)*s)) s++;
        if (!*s || *s == '#') continue;
        int n = split_fields((char *)s, fld);
        if (!header) {
            for (int k = 0; k < n; k++) {
                if (!strcasecmp(fld[k], "caller") || !strcasecmp(fld[k], "source")) from = k;
                if (!strcasecmp(fld[k], "callee") || !strcasecmp(fld[k], "target") ||
                    !strcasecmp(fld[k], "destination"))
                    to = k;
            }
            if (from < 0 || to < 0) {
                snprintf(err, errlen,
                         "%s:%d: the header names no %s column (caller or source; callee, "
                         "target or destination)",
                         path, lineno, from < 0 ? "caller" : "callee");
                rc = -1;
                break;
            }
            header = 1;
            continue;
        }
        const char *a = from < n ? fld[from] : "", *b = to < n ? fld[to] : "";
        if (!*a || !*b) {
            snprintf(err, errlen, "%s:%d: empty %s", path, lineno, !*a ? "caller" : "callee");
            rc = -1;
            break;
        }
        if (strstr(a, "->") || strstr(b, "->")) {
            snprintf(err, errlen, "%s:%d: a name contains \"->\"", path, lineno);
            rc = -1;
            break;
        }
        if (sc->ncalls == CONF_MAX_CALLS) {
            snprintf(err, errlen, "%s:%d: more than %d calls", path, lineno, CONF_MAX_CALLS);
            rc = -1;
            break;
        }
        char ea[CONF_CALL_STR], eb[CONF_CALL_STR];
        if (glob_literal(a, ea, sizeof ea) || glob_literal(b, eb, sizeof eb) ||
            (size_t)snprintf(sc->calls[sc->ncalls], CONF_CALL_STR, "%s -> %s", ea, eb) >=
                CONF_CALL_STR) {
            snprintf(err, errlen, "%s:%d: a name is too long (a call is under %d bytes)", path,
                     lineno, CONF_CALL_STR);
            rc = -1;
            break;
        }
        sc->ncalls++;
    }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    if (!rc && !header) {
        snprintf(err, errlen, "%s: no header line (caller,callee)", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}
