/* component_map.c - series to component mapping rules (component_map.h). */
#include "component_map.h"

#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int component_map_parse(const char *rule, struct component_map *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->kind = CMAP_PREFIX;
    snprintf(m->arg, sizeof m->arg, ".");
    if (!rule || !rule[0] || strcmp(rule, "prefix") == 0) return 0;
    const char *colon = strchr(rule, ':');
    size_t kl = colon ? (size_t)(colon - rule) : strlen(rule);
    const char *arg = colon ? colon + 1 : "";
    if (strlen(arg) >= sizeof m->arg) {
        snprintf(err, errlen, "component map \"%s\": argument too long", rule);
        return -1;
    }
    if (kl == 6 && strncmp(rule, "prefix", 6) == 0 && arg[0]) {
        snprintf(m->arg, sizeof m->arg, "%s", arg);
        return 0;
    }
    if (kl == 3 && strncmp(rule, "tag", 3) == 0 && arg[0]) {
        m->kind = CMAP_TAG;
        snprintf(m->arg, sizeof m->arg, "%s", arg);
        return 0;
    }
    if (kl == 5 && strncmp(rule, "regex", 5) == 0 && arg[0]) {
        int rc = regcomp(&m->re, arg, REG_EXTENDED);
        if (rc) {
            char why[128];
            regerror(rc, &m->re, why, sizeof why);
            snprintf(err, errlen, "component map \"%s\": %s", rule, why);
            return -1;
        }
        m->kind = CMAP_REGEX;
        snprintf(m->arg, sizeof m->arg, "%s", arg);
        return 0;
    }
    snprintf(err, errlen,
             "component map \"%s\": expected prefix, prefix:SEP, tag:KEY or regex:EXPR", rule);
    return -1;
}

void component_map_fini(struct component_map *m)
{
    if (m->kind == CMAP_REGEX) regfree(&m->re);
    m->kind = CMAP_PREFIX;
}

static int copy_out(const char *s, size_t n, char *out, size_t outlen)
{
    if (n == 0 || n >= outlen) return -1;
    memcpy(out, s, n);
    out[n] = 0;
    return 0;
}

int component_of(const struct component_map *m, const char *name, char *out, size_t outlen)
{
    if (strncmp(name, "log.", 4) == 0 && strchr(name + 4, '.')) /* log.<stream>.... */
        return copy_out(name + 4, strcspn(name + 4, "."), out, outlen);
    if (m->kind == CMAP_REGEX) {
        regmatch_t g[2];
        if (regexec(&m->re, name, 2, g, 0)) return -1;
        int k = g[1].rm_so >= 0 ? 1 : 0;
        return copy_out(name + g[k].rm_so, (size_t)(g[k].rm_eo - g[k].rm_so), out, outlen);
    }
    if (m->kind == CMAP_TAG) {
        const char *b = strchr(name, '{');
        size_t kl = strlen(m->arg);
        for (const char *p = b; p && *p && *p != '}'; p++) {
            if ((*p == '{' || *p == ',') && strncmp(p + 1, m->arg, kl) == 0 && p[1 + kl] == '=') {
                const char *v = p + 2 + kl;
                return copy_out(v, strcspn(v, ",}"), out, outlen);
            }
        }
        return -1;
    }
    const char *e = strstr(name, m->arg);
    return copy_out(name, e ? (size_t)(e - name) : strlen(name), out, outlen);
}

char **component_assign(const struct component_map *m, const char *const *names, int n, int *comp,
                        int *ncomp)
{
    char **list = xmallocarray((size_t)n + 1, sizeof(char *));
    int k = 0;
    for (int a = 0; a < n; a++) {
        char c[256];
        comp[a] = -1;
        if (component_of(m, names[a], c, sizeof c)) continue;
        for (int b = 0; b < k && comp[a] < 0; b++)
            if (strcmp(list[b], c) == 0) comp[a] = b;
        if (comp[a] < 0) {
            list[k] = xstrdup(c);
            comp[a] = k++;
        }
    }
    *ncomp = k;
    return list;
}
