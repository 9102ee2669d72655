/*
 * component_map.h - which component (service, host, ...) a series belongs to, so that root
 * causes can be ranked per component as well as per series. Rules:
 *   "prefix"       the name up to the first '.' (default)
 *   "prefix:SEP"   the name up to the first SEP
 *   "tag:KEY"      the value of tag KEY in "measurement.field{k=v,...}" names
 *   "regex:EXPR"   the first capture group of the POSIX extended regex EXPR (whole match if none)
 * Log series "log.<stream>.tpl<k>" / "log.<stream>.level.<L>" belong to component <stream>
 * under every rule (the stream is the log's component: its file, or the record field that
 * names its service). A series the rule does not match has no component.
 * Pure string handling; an object is used by one thread at a time.
 */
#ifndef CAUSALMON_COMPONENT_MAP_H
#define CAUSALMON_COMPONENT_MAP_H

#include <regex.h>
#include <stddef.h>

struct component_map {
    enum { CMAP_PREFIX, CMAP_TAG, CMAP_REGEX } kind;
    char arg[128];
    regex_t re;
};

/* Parses a rule (NULL or "" = "prefix"). Returns 0, or -1 with a message in err. */
int component_map_parse(const char *rule, struct component_map *m, char *err, size_t errlen);
void component_map_fini(struct component_map *m);

/* Writes the component of series `name` into out. Returns 0, or -1 when it has none. */
int component_of(const struct component_map *m, const char *name, char *out, size_t outlen);

/* Maps names[0..n) to component ids comp[n] (-1 none) and returns the distinct component names
 * (caller frees each and the array) with their count in *ncomp. */
char **component_assign(const struct component_map *m, const char *const *names, int n, int *comp,
                        int *ncomp);

#endif
