/*
 * prom_text.h - building the Prometheus text exposition (format 0.0.4): a growing buffer,
 * metric families with their HELP and TYPE lines, escaped label values, and the standard
 * process_* metrics and causalmon_build_info. Thread: the caller's (the loop renders /metrics).
 */
#ifndef CAUSALMON_PROM_TEXT_H
#define CAUSALMON_PROM_TEXT_H

#include <stddef.h>

struct prom_text {
    char *s; /* NUL-terminated; owned, free() it */
    size_t n, cap;
};

/* Appends printf-style text. */
void prom_add(struct prom_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "# HELP name help\n# TYPE name type\n". */
void prom_family(struct prom_text *t, const char *name, const char *type, const char *help);
/* Appends s as a label value: backslash, double quote and newline escaped. */
void prom_label(struct prom_text *t, const char *s);
/* Appends causalmon_build_info{version=...} 1 and the process_* metrics of this process
 * (CPU seconds, resident and virtual memory, open and maximum fds, start time, threads). */
void prom_process(struct prom_text *t, const char *version);

#endif
