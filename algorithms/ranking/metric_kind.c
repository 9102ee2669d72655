/* metric_kind.c - the kind and bad direction of a series from its name (metric_kind.h). */
#include "metric_kind.h"
#include "log_series.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A word list: "word" matches whole, "word*" as a prefix. */
struct kind_words {
    enum metric_kind kind;
    const char *const *words;
};

static const char *const SUCCESS_W[] = {"success", "availability", "available",
                                        "uptime",  "ok",           NULL};
static const char *const ERRORS_W[] = {"error",      "errors",  "err",      "fail*",
                                       "exception*", "fault*",  "5xx",      "timeout",
                                       "timeouts",   "reject*", "retrans*", NULL};
static const char *const LATENCY_W[] = {"latency",  "duration", "delay", "rtt",
                                        "response", "wait",     NULL};
static const char *const THROUGHPUT_W[] = {"request", "requests", "req",        "rps",
                                           "qps",     "tps",      "throughput", "workload",
                                           "ops",     "calls",    "traffic",    NULL};
static const char *const RESOURCE_W[] = {
    "cpu", "mem*", "memory",   "disk", "heap",  "swap",  "load",       "rss",    "gc", "thread*",
    "fd",  "fds",  "syscall*", "io",   "usage", "util*", "saturation", "queue*", NULL};
static const char *const NETWORK_W[] = {"network",  "net",       "bytes",   "rx", "tx",
                                        "receive*", "transmit*", "packets", NULL};

static const struct kind_words CLASSES[] = {
    {MKIND_SUCCESS, SUCCESS_W},       {MKIND_ERRORS, ERRORS_W},     {MKIND_LATENCY, LATENCY_W},
    {MKIND_THROUGHPUT, THROUGHPUT_W}, {MKIND_RESOURCE, RESOURCE_W}, {MKIND_NETWORK, NETWORK_W},
};

static int word_matches(const char *w, size_t len, const char *pat)
{
    size_t pl = strlen(pat);
    if (pl && pat[pl - 1] == '*') return len >= pl - 1 && memcmp(w, pat, pl - 1) == 0;
    return len == pl && memcmp(w, pat, pl) == 0;
}

/* Calls back each lower-cased word of name; returns the first class that has one. */
static enum metric_kind classify_words(const char *name)
{
    char w[64];
    enum metric_kind best = MKIND_OTHER;
    int best_rank = (int)(sizeof CLASSES / sizeof CLASSES[0]);
    for (const char *p = name; *p;) {
        while (*p && !isalnum((unsigned char)*p)) p++;
        size_t len = 0;
        const char *start = p;
        while (*p && isalnum((unsigned char)*p)) {
            if (p > start && isupper((unsigned char)*p) && islower((unsigned char)p[-1])) break;
            if (len < sizeof w) w[len++] = (char)tolower((unsigned char)*p);
            p++;
        }
        if (!len) continue;
        for (int c = 0; c < best_rank; c++)
            for (const char *const *pat = CLASSES[c].words; *pat; pat++)
                if (word_matches(w, len, *pat)) {
                    best = CLASSES[c].kind;
                    best_rank = c;
                    break;
                }
    }
    return best;
}

enum metric_kind metric_kind_of(const char *name)
{
    struct log_series_name nm;
    switch (log_series_name_parse(name, strlen(name), &nm)) {
    case LOG_SERIES_TEMPLATE:
        return MKIND_LOG_TEMPLATE;
    case LOG_SERIES_LEVEL:
        return MKIND_LOG_LEVEL;
    default:
        return classify_words(name);
    }
}

static enum metric_dir level_dir(const char *name)
{
    static const char *const BAD[] = {"ERROR", "WARN", "CRIT", "ALERT", "EMERG", "FATAL"};
    struct log_series_name nm;
    log_series_name_parse(name, strlen(name), &nm); /* a level series (metric_kind_of) */
    for (size_t a = 0; a < sizeof BAD / sizeof BAD[0]; a++)
        if (nm.level_len == strlen(BAD[a]) && memcmp(nm.level, BAD[a], nm.level_len) == 0)
            return MDIR_UP;
    return MDIR_BOTH;
}

enum metric_symptom metric_kind_symptom(enum metric_kind k)
{
    switch (k) {
    case MKIND_LATENCY:
        return MSYMPTOM_DELAY;
    case MKIND_SUCCESS:
    case MKIND_ERRORS:
        return MSYMPTOM_FAILURE;
    default:
        return MSYMPTOM_NONE;
    }
}

enum metric_dir metric_dir_of(const struct metric_kind_rules *rules, const char *name)
{
    for (int a = 0; rules && a < rules->n; a++)
        if (regexec(&rules->re[a], name, 0, NULL, 0) == 0) return rules->dir[a];
    switch (metric_kind_of(name)) {
    case MKIND_LOG_LEVEL:
        return level_dir(name);
    case MKIND_ERRORS:
    case MKIND_LATENCY:
    case MKIND_RESOURCE:
        return MDIR_UP;
    case MKIND_SUCCESS:
    case MKIND_THROUGHPUT:
        return MDIR_DOWN;
    default:
        return MDIR_BOTH;
    }
}

void metric_kind_fill(const struct metric_kind_rules *rules, const char *const *names, int n,
                      signed char *dir, signed char *kind)
{
    for (int i = 0; i < n; i++) {
        dir[i] = (signed char)metric_dir_of(rules, names[i]);
        kind[i] = (signed char)metric_kind_of(names[i]);
    }
}

const char *metric_kind_str(enum metric_kind k)
{
    static const char *const S[MKIND_COUNT] = {"other",      "log_template", "log_level",
                                               "success",    "errors",       "latency",
                                               "throughput", "resource",     "network"};
    return k >= 0 && k < MKIND_COUNT ? S[k] : "other";
}

const char *metric_dir_str(enum metric_dir d)
{
    return d == MDIR_UP ? "up" : d == MDIR_DOWN ? "down" : "both";
}

int metric_kind_rules_parse(const char *const *texts, int n, struct metric_kind_rules *r, char *err,
                            size_t errlen)
{
    r->n = 0;
    if (n > METRIC_KIND_MAX_RULES) {
        snprintf(err, errlen, "at most %d direction rules", METRIC_KIND_MAX_RULES);
        return -1;
    }
    for (int a = 0; a < n; a++) {
        const char *eq = strrchr(texts[a], '=');
        enum metric_dir d;
        if (!eq || eq == texts[a]) {
            snprintf(err, errlen, "direction rule '%s': expected REGEX=up|down|both", texts[a]);
            goto fail;
        }
        if (strcmp(eq + 1, "up") == 0)
            d = MDIR_UP;
        else if (strcmp(eq + 1, "down") == 0)
            d = MDIR_DOWN;
        else if (strcmp(eq + 1, "both") == 0)
            d = MDIR_BOTH;
        else {
            snprintf(err, errlen, "direction rule '%s': direction '%s' is not up, down or both",
                     texts[a], eq + 1);
            goto fail;
        }
        char re[256];
        size_t len = (size_t)(eq - texts[a]);
        if (len >= sizeof re) {
            snprintf(err, errlen, "direction rule '%.40s...': regex longer than %zu bytes",
                     texts[a], sizeof re - 1);
            goto fail;
        }
        memcpy(re, texts[a], len);
        re[len] = 0;
        int rc = regcomp(&r->re[r->n], re, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc) {
            char msg[128];
            regerror(rc, &r->re[r->n], msg, sizeof msg);
            snprintf(err, errlen, "direction rule '%s': %s", texts[a], msg);
            goto fail;
        }
        r->dir[r->n++] = d;
    }
    return 0;
fail:
    metric_kind_rules_fini(r);
    return -1;
}

void metric_kind_rules_fini(struct metric_kind_rules *r)
{
    for (int a = 0; a < r->n; a++) regfree(&r->re[a]);
    r->n = 0;
}
