/*
 * link_tracker.h - structure changes with hysteresis over successive graph refreshes
 * (docs/algorithms.md §8.1, §11.8). Each link (i, j, lag) keeps whether it was present in each of
 * the last K refreshes. Once K refreshes are seen, a link is "established" present or absent by
 * majority; an absent link whose frequency reaches f_on is reported as appeared, a present one
 * whose frequency falls to f_off as disappeared. A link whose p-value hovers around alpha
 * flickers in and out without crossing either threshold, so it is never reported.
 * Memory: nvars^2 (tau_max + 1) x 2 bytes, fixed at creation. One owner at a time.
 */
#ifndef CAUSALMON_LINK_TRACKER_H
#define CAUSALMON_LINK_TRACKER_H

#include "svar_graph.h"

struct link_tracker_params {
    int history;  /* K refreshes, 2..8 (5) */
    double f_on;  /* (0.8) */
    double f_off; /* (0.2) */
};

struct link_event {
    int from, to, lag; /* variable indices of the tracker */
    int appeared;      /* 1 appeared, 0 disappeared */
    double frequency;
};

struct link_tracker;

void link_tracker_params_default(struct link_tracker_params *p);
/* Returns NULL when nvars < 1, tau_max < 0 or a parameter is out of range. */
struct link_tracker *link_tracker_new(const struct link_tracker_params *p, int nvars, int tau_max);
void link_tracker_free(struct link_tracker *t);

/* Adds one refresh: g is over `map`ped variables (g's variable a is tracker variable map[a]; g
 * may hold fewer variables and a smaller tau_max). Variables not in g count as "no link" for
 * this refresh. Writes at most max events into ev and returns how many changes it found (which
 * may exceed max). */
int link_tracker_update(struct link_tracker *t, const struct svar_graph *g, const int *map,
                        struct link_event *ev, int max);

#endif
