/* rca_prior.c - scope rules to rca_run's prior arrays (rca_prior.h). */
#include "rca_prior.h"

#include "component_map.h"
#include "log_series.h"
#include "metric_kind.h"
#include "xalloc.h"

#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits "A -> B" into two globs. Returns 0, or -1. */
static int split_link(const char *rule, char *from, char *to, size_t len)
{
    const char *arrow = strstr(rule, "->");
    if (!arrow) return -1;
    const char *a = rule, *ae = arrow, *b = arrow + 2, *be = rule + strlen(rule);
    while (a < ae && (*a == ' ' || *a == '\t')) a++;
    while (ae > a && (ae[-1] == ' ' || ae[-1] == '\t')) ae--;
    while (*b == ' ' || *b == '\t') b++;
    while (be > b && (be[-1] == ' ' || be[-1] == '\t')) be--;
    if (ae == a || be == b || (size_t)(ae - a) >= len || (size_t)(be - b) >= len) return -1;
    memcpy(from, a, (size_t)(ae - a));
    from[ae - a] = 0;
    memcpy(to, b, (size_t)(be - b));
    to[be - b] = 0;
    return 0;
}

/* Role words of the components that users call first, when a scope names none: generic ops
 * vocabulary, matched at the start of the name or after a separator. */
static const char DEFAULT_ENTRY[] =
    "(^|[-_.])(front|gateway|gw|ingress|entry|edge|proxy|portal|ui|web|api|lb)";

/* Compiles the scope's entry-point regexes (or the default) into re[]; returns the count, or
 * -1 with a message. */
static int entry_compile(const struct scope_conf *sc, regex_t *re, char *err, size_t errlen)
{
    int n = sc->nentry_points ? sc->nentry_points : 1;
    for (int k = 0; k < n; k++) {
        const char *src = sc->nentry_points ? sc->entry_points[k] : DEFAULT_ENTRY;
        int rc = regcomp(&re[k], src, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc) {
            char msg[128];
            regerror(rc, &re[k], msg, sizeof msg);
            snprintf(err, errlen, "entry_points[%d]: \"%s\": %s", k, src, msg);
            for (int a = 0; a < k; a++) regfree(&re[a]);
            return -1;
        }
    }
    return n;
}

static int direction_rules(const struct scope_conf *sc, struct metric_kind_rules *r, char *err,
                           size_t errlen)
{
    const char *texts[CONF_MAX_LIST];
    for (int k = 0; k < sc->ndirections; k++) texts[k] = sc->directions[k];
    char msg[240];
    if (metric_kind_rules_parse(texts, sc->ndirections, r, msg, sizeof msg) == 0) return 0;
    snprintf(err, errlen, "directions: %s", msg);
    return -1;
}

int rca_prior_check(const struct scope_conf *sc, char *err, size_t errlen)
{
    char a[CONF_STR], b[CONF_STR];
    for (int k = 0; k < sc->nforbidden + sc->nrequired; k++) {
        const char *r = k < sc->nforbidden ? sc->forbidden[k] : sc->required[k - sc->nforbidden];
        if (split_link(r, a, b, sizeof a)) {
            snprintf(err, errlen, "%s[%d]: \"%s\" is not a link \"GLOB -> GLOB\"",
                     k < sc->nforbidden ? "forbidden" : "required",
                     k < sc->nforbidden ? k : k - sc->nforbidden, r);
            return -1;
        }
    }
    for (int k = 0; k < sc->ncalls; k++)
        if (split_link(sc->calls[k], a, b, sizeof a)) {
            snprintf(err, errlen, "calls[%d]: \"%s\" is not a call \"CALLER -> CALLEE\"", k,
                     sc->calls[k]);
            return -1;
        }
    struct component_map m;
    if (component_map_parse(sc->component_map, &m, err, errlen)) return -1;
    component_map_fini(&m);
    struct metric_kind_rules r;
    if (direction_rules(sc, &r, err, errlen)) return -1;
    metric_kind_rules_fini(&r);
    regex_t re[CONF_MAX_LIST];
    int ne = entry_compile(sc, re, err, errlen);
    if (ne < 0) return -1;
    for (int k = 0; k < ne; k++) regfree(&re[k]);
    return 0;
}

/* dir[i] from the direction rules and kinds; kpi_pref[i]: 1 for a latency, error or success
 * series, 2 when its component (or, without one, its name) is an entry point. */
static void kinds_build(const struct scope_conf *sc, const char *const *names, int n,
                        struct rca_prior_store *st)
{
    char err[256];
    struct metric_kind_rules r = {0};
    regex_t re[CONF_MAX_LIST];
    direction_rules(sc, &r, err, sizeof err); /* checked by rca_prior_check */
    int ne = entry_compile(sc, re, err, sizeof err);
    st->dir = xmallocarray((size_t)n, 1);
    st->kind = xmallocarray((size_t)n, 1);
    st->kpi_pref = xcalloc((size_t)n, 1);
    metric_kind_fill(&r, names, n, st->dir, st->kind);
    for (int i = 0; i < n; i++) {
        enum metric_kind k = (enum metric_kind)st->kind[i];
        if (k != MKIND_LATENCY && k != MKIND_ERRORS && k != MKIND_SUCCESS) continue;
        st->kpi_pref[i] = 1;
        int c = st->component ? st->component[i] : -1;
        const char *who = c >= 0 ? st->component_names[c] : names[i];
        for (int e = 0; e < ne && st->kpi_pref[i] < 2; e++)
            if (regexec(&re[e], who, 0, NULL, 0) == 0) st->kpi_pref[i] = 2;
    }
    for (int e = 0; e < ne; e++) regfree(&re[e]);
    metric_kind_rules_fini(&r);
    st->prior.dir = st->dir;
    st->prior.kind = st->kind;
    st->prior.kpi_pref = st->kpi_pref;
}

static void mark_links(const char (*rules)[CONF_STR], int nrules, const char *const *names, int n,
                       unsigned char *out)
{
    char a[CONF_STR], b[CONF_STR];
    for (int k = 0; k < nrules; k++) {
        if (split_link(rules[k], a, b, sizeof a)) continue;
        for (int i = 0; i < n; i++) {
            if (fnmatch(a, names[i], 0)) continue;
            for (int j = 0; j < n; j++)
                if (i != j && !fnmatch(b, names[j], 0)) out[(size_t)i * n + j] = 1;
        }
    }
}

/* The scope's known calls between the components names[0..nc): every pair of distinct
 * components matching a rule's caller and callee globs, each pair once. */
static void calls_build(const struct scope_conf *sc, char *const *names, int nc,
                        struct rca_prior_store *st)
{
    char a[CONF_CALL_STR], b[CONF_CALL_STR];
    if (!sc->ncalls || nc < 2) return;
    unsigned char *seen = xcalloc((size_t)nc * nc, 1);
    int cap = 0, ne = 0;
    for (int k = 0; k < sc->ncalls; k++) {
        if (split_link(sc->calls[k], a, b, sizeof a)) continue; /* checked */
        for (int i = 0; i < nc; i++) {
            if (fnmatch(a, names[i], 0)) continue;
            for (int j = 0; j < nc; j++) {
                if (i == j || seen[(size_t)i * nc + j] || fnmatch(b, names[j], 0)) continue;
                seen[(size_t)i * nc + j] = 1;
                if (ne == cap) {
                    cap = cap ? 2 * cap : 64;
                    st->calls = xrealloc(st->calls, (size_t)cap * 2 * sizeof(int));
                }
                st->calls[2 * ne] = i, st->calls[2 * ne + 1] = j, ne++;
            }
        }
    }
    free(seen);
    st->prior.calls = st->calls;
    st->prior.ncalls = ne;
}

int rca_prior_build(const struct scope_conf *sc, const char *const *names, int n,
                    struct rca_prior_store *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (rca_prior_check(sc, err, errlen)) return -1;
    st->is_count = xcalloc((size_t)n, 1);
    for (int i = 0; i < n; i++) st->is_count[i] = log_series_is_count(names[i]);
    st->prior.is_count = st->is_count;
    if (sc->ntiers) {
        st->tier = xmallocarray((size_t)n, sizeof(int));
        for (int i = 0; i < n; i++) {
            st->tier[i] = -1;
            for (int t = 0; t < sc->ntiers && st->tier[i] < 0; t++)
                if (!fnmatch(sc->tiers[t], names[i], 0)) st->tier[i] = t;
        }
        st->prior.tier = st->tier;
    }
    if (sc->nforbidden) {
        st->forbidden = xcalloc((size_t)n * n, 1);
        mark_links(sc->forbidden, sc->nforbidden, names, n, st->forbidden);
        st->prior.forbidden = st->forbidden;
    }
    if (sc->nrequired) {
        st->required = xcalloc((size_t)n * n, 1);
        mark_links(sc->required, sc->nrequired, names, n, st->required);
        st->prior.required = st->required;
    }
    struct component_map m;
    component_map_parse(sc->component_map, &m, err, errlen);
    st->component = xmallocarray((size_t)n, sizeof(int));
    st->component_names = component_assign(&m, names, n, st->component, &st->prior.ncomponents);
    st->prior.component = st->component;
    component_map_fini(&m);
    calls_build(sc, st->component_names, st->prior.ncomponents, st);
    kinds_build(sc, names, n, st);
    return 0;
}

void rca_prior_free(struct rca_prior_store *st)
{
    for (int k = 0; k < st->prior.ncomponents; k++) free(st->component_names[k]);
    free(st->component_names);
    free(st->tier);
    free(st->component);
    free(st->forbidden);
    free(st->required);
    free(st->is_count);
    free(st->dir);
    free(st->kind);
    free(st->kpi_pref);
    free(st->calls);
    memset(st, 0, sizeof *st);
}
