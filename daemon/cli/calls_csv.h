/*
 * calls_csv.h - a known call graph from a CSV edge list (a service map's export), for
 * `causalmon rca --calls FILE`. The first non-comment line is a header naming the caller column
 * (`caller` or `source`) and the callee column (`callee`, `target` or `destination`), in any
 * position and case; other columns are ignored. Each further line is one call. Lines starting
 * with '#' and blank lines are skipped; a field may be in double quotes (no commas inside).
 * Names are literal: characters that are special in a glob are escaped, so the calls are the
 * scope option `calls` ("CALLER -> CALLEE") of exactly those components.
 * Main thread (it reads a file).
 */
#ifndef CAUSALMON_CALLS_CSV_H
#define CAUSALMON_CALLS_CSV_H

#include "config.h"

#include <stddef.h>

/* Reads path into sc->calls (replacing them). Returns 0, or -1 with "path:line: what" in err
 * (unreadable file, no header columns, an empty name, a name too long, more than
 * CONF_MAX_CALLS calls). */
int calls_csv_read(const char *path, struct scope_conf *sc, char *err, size_t errlen);

#endif
