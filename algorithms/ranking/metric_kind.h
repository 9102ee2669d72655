/*
 * metric_kind.h - what kind of quantity a series measures, read from its name, and so which
 * direction of change is bad news. Root-cause evidence counts only that direction: a latency,
 * an error count or a resource use that rises, a throughput or a success rate that drops.
 *
 * The name is cut into lower-case words at every non-alphanumeric character and at lower-to-
 * upper case steps ("PodClientLatencyP90(s)" -> pod client latency p90 s). The first class
 * with a matching word wins, in this order:
 *   log template    "log.<stream>.tpl<k>"                            both (new and vanished)
 *   log level       "log.<stream>.level.<L>"    up for ERROR, WARN, CRIT, ALERT, EMERG, FATAL
 *   success         success, availability, available, uptime, ok                          down
 *   errors          error(s), err, fail*, exception*, fault*, 5xx, timeout(s), reject*, retrans*
 *   latency         latency, duration, delay, rtt, response, wait                            up
 *   throughput      request(s), req, rps, qps, tps, throughput, workload, ops, calls, traffic
 *                                                                                        down
 *   resource        cpu, mem*, memory, disk, heap, swap, load, rss, gc, thread*, fd(s),
 *                   syscall*, io, usage, util*, saturation, queue*                          up
 *   network         network, net, bytes, rx, tx, receive*, transmit*, packets            both
 *   other                                                                                both
 * Words match whole, or as a prefix where marked with *. The lists are generic ops vocabulary;
 * rules given by the user (metric_kind_rules_parse) are tried first.
 * Pure string handling; an object is used by one thread at a time.
 */
#ifndef CAUSALMON_METRIC_KIND_H
#define CAUSALMON_METRIC_KIND_H

#include <regex.h>
#include <stddef.h>

enum metric_kind {
    MKIND_OTHER = 0,
    MKIND_LOG_TEMPLATE,
    MKIND_LOG_LEVEL,
    MKIND_SUCCESS,
    MKIND_ERRORS,
    MKIND_LATENCY,
    MKIND_THROUGHPUT,
    MKIND_RESOURCE,
    MKIND_NETWORK,
    MKIND_COUNT
};

/* Direction of change that counts as evidence. */
enum metric_dir { MDIR_DOWN = -1, MDIR_BOTH = 0, MDIR_UP = 1 };

#define METRIC_KIND_MAX_RULES 32

/* User rules "REGEX=up|down|both" (POSIX extended, case-insensitive, matched anywhere in the
 * name), first match wins. */
struct metric_kind_rules {
    int n;
    regex_t re[METRIC_KIND_MAX_RULES];
    enum metric_dir dir[METRIC_KIND_MAX_RULES];
};

/* The class of a series name by the built-in word lists above. */
enum metric_kind metric_kind_of(const char *name);

/* Its direction: a user rule first (rules may be NULL), else the class's default. */
enum metric_dir metric_dir_of(const struct metric_kind_rules *rules, const char *name);

/* Fills dir[i] (enum metric_dir, rules first) and kind[i] (enum metric_kind) for names[0..n);
 * rules may be NULL. The caller owns every array. */
void metric_kind_fill(const struct metric_kind_rules *rules, const char *const *names, int n,
                      signed char *dir, signed char *kind);

/* Symptoms that travel along calls, each as itself: a slow callee makes its callers slow, a
 * failing one makes them fail. */
enum metric_symptom { MSYMPTOM_NONE = 0, MSYMPTOM_DELAY, MSYMPTOM_FAILURE };

/* The symptom a kind carries along calls: latency is a delay, success and errors are a
 * failure; every other kind stays where it happens (a CPU, a log template) and carries none.
 * Pure; any thread. */
enum metric_symptom metric_kind_symptom(enum metric_kind k);

/* The class name ("latency", "errors", ...) for reports. */
const char *metric_kind_str(enum metric_kind k);
const char *metric_dir_str(enum metric_dir d);

/* Parses rule texts[0..n) into r. Returns 0, or -1 with a message naming the rule (bad
 * syntax, bad regex, unknown direction, more than METRIC_KIND_MAX_RULES). On error r holds
 * nothing to free. */
int metric_kind_rules_parse(const char *const *texts, int n, struct metric_kind_rules *r, char *err,
                            size_t errlen);
void metric_kind_rules_fini(struct metric_kind_rules *r);

#endif
