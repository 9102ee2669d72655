/* scope_alerts.h - the alerts of a scope's change monitor: mechanism_change for a series whose
 * mechanism changed (and its resolution), structure_change for a link that appeared or
 * disappeared.
 * Each carries the before/after figures, p and q, the change point, the window around it and,
 * when a KPI incident of the scope is firing, its root-cause ranking. */
#ifndef CAUSALMON_SCOPE_ALERTS_H
#define CAUSALMON_SCOPE_ALERTS_H

#include "alerts.h"
#include "change_monitor.h"
#include "scope.h"

#include <stdint.h>

/* Publishes the mechanism_change alert of monitor event e (MECHANISM; ADOPTED and REVERTED
 * publish its resolution) seen at row time t_ns, and logs its summary. Loop thread only; e
 * stays the caller's. Nothing to return: a JSON allocation failure publishes less. */
void scope_alert_mechanism(struct scope *s, struct alerts *al, const struct change_event *e,
                           int64_t t_ns);

/* Publishes the structure_change alert of link event e seen at row time t_ns, and logs its
 * summary. Loop thread only; e stays the caller's. */
void scope_alert_link(struct scope *s, struct alerts *al, const struct change_event *e,
                      int64_t t_ns);

#endif
