/*
 * service_sim.h - a seeded simulated microservice system with injected faults, for the root-cause
 * tests, `bench/rca` and `causalmon demo`.
 *
 * Five services call each other: frontend -> {cart, catalog, payment}, cart -> db,
 * catalog -> db. Per service and bucket:
 *   requests = fan-out x caller's requests + noise          (frontend: load, AR(1))
 *   cpu      = 20 + 0.3 requests + AR(1) noise (+ a CPU hog)
 *   latency  = 10 + 0.5 cpu + 0.8 sum(callees' latency) + noise (+ injected delay)
 *   errors   = 1 + 0.7 sum(callees' errors) + noise (+ errors of a fault seen only in logs)
 * and three log templates, counted per bucket: "served" (requests / 10), "upstream error"
 * (errors) and, for the service with a fault seen only in logs, an exception template that is
 * zero before the fault. Coefficients are jittered per seed (+-20 %), so no two cases are the
 * same system. Series are named "<service>.<metric>" and "log.<service>.tpl<k>".
 *
 * Faults (from row fault_at on; the root cause is the faulty service):
 *   CPU_HOG         the service's cpu rises by 60-90;
 *   LATENCY         the service's latency rises by 30-50 (an injected delay);
 *   LOG_ERRORS      the service fails requests without counting them in its error metric: only
 *                   its exception log template shows it, and its callers' errors rise;
 *   NEW_DEPENDENCY  the service starts calling another service it did not call before;
 *   MECHANISM       the service's latency per unit of cpu triples (same inputs, new mechanism).
 * Pure; deterministic for a given seed; any thread.
 */
#ifndef CAUSALMON_SERVICE_SIM_H
#define CAUSALMON_SERVICE_SIM_H

#include "rng.h"

#include <stddef.h>
#include <stdint.h>

enum sim_fault {
    SIM_FAULT_NONE = 0,
    SIM_FAULT_CPU_HOG,
    SIM_FAULT_LATENCY,
    SIM_FAULT_LOG_ERRORS,
    SIM_FAULT_NEW_DEPENDENCY,
    SIM_FAULT_MECHANISM,
    SIM_FAULTS
};

#define SIM_SERVICES  5
#define SIM_METRICS   4 /* cpu, latency, errors, requests */
#define SIM_TEMPLATES 3

struct service_sim {
    int nseries;     /* columns of a row */
    char **names;    /* [nseries] series names */
    int kpi_latency; /* column of frontend.latency */
    int kpi_errors;  /* column of frontend.errors */
    enum sim_fault fault;
    int fault_service; /* the root cause (index into service_sim_service_name), -1 none */
    int fault_other;   /* NEW_DEPENDENCY: the new callee, else -1 */
    int fault_at;      /* first faulty row, -1 none */
    int fault_until;   /* first row after the fault; -1 (the default): it never ends */
    double coef[SIM_SERVICES][4];         /* per-seed jittered coefficients */
    double ar_load, ar_cpu[SIM_SERVICES]; /* AR(1) noise states */
    struct rng rng;
    long t;
};

/* Name of a fault kind ("none", "cpu_hog", "latency", "log_errors", "new_dependency",
 * "mechanism"); parse returns -1 when unknown. */
const char *sim_fault_str(enum sim_fault f);
int sim_fault_parse(const char *s, enum sim_fault *out);
/* Name of service i (0 frontend, 1 cart, 2 catalog, 3 payment, 4 db). */
const char *service_sim_service_name(int i);
/* The text of log template k (0 served, 1 upstream error, 2 exception) for service i, as a log
 * line would show it with its variable parts (request ids, durations) filled from v. Writes at
 * most len bytes into buf. */
void service_sim_log_line(int service, int k, unsigned v, char *buf, unsigned len);

/* Renders service i's log lines of one bucket (the template counts in row, as produced by
 * service_sim_step for bucket index t starting at t_s seconds, width step_s) as Fluent Bit JSON
 * records {"date": epoch s, "level", "log"}, one per line, spread over the bucket. Writes whole
 * records into buf while they fit in cap bytes (NUL-terminated); returns the bytes written. The
 * texts hold no characters that need JSON escaping. */
size_t service_sim_log_json(const double *row, int service, long t, double t_s, double step_s,
                            char *buf, size_t cap);

/* Sets up a system for the seed. The faulty service (and the new callee) are drawn from the
 * seed; fault_at < 0 means no fault. Release with service_sim_fini. */
void service_sim_init(struct service_sim *s, uint64_t seed, enum sim_fault fault, int fault_at);
void service_sim_fini(struct service_sim *s);

/* Produces the next row into row[nseries]; log template columns hold counts. */
void service_sim_step(struct service_sim *s, double *row);

#endif
