/*
 * svar_pag.h - the true time-series MAG and PAG of the observed variables of a structural VAR
 * model with hidden variables (docs/lpcmci.md, "Ground truth").
 *
 * The model's DAG is unrolled over `history` + tau_max + 1 time steps. The window is the last
 * tau_max + 1 steps; observed variables inside it are the MAG's nodes, everything else (hidden
 * variables, and every variable before the window) is marginalised, as in the window that a
 * discovery run with the same tau_max can test.
 *   - Adjacency: window nodes u, v are adjacent iff they are d-connected given
 *     (An({u, v}) ∩ observed window) \ {u, v}; nodes that no set of observed window nodes
 *     separates are exactly those d-connected given that set.
 *   - Marks: the mark at u is a tail if u is an ancestor of v in the DAG, else an arrowhead.
 *   - PAG: the MAG's skeleton with the time-order marks, oriented by pag_orient with the
 *     ancestral answers (b is in the separating set of a and c iff b ∈ An({a, c})), i.e. the
 *     same collider step and rules the discovery applies.
 * `history` bounds how far back d-connecting paths through the marginalised past are followed.
 */
#ifndef CAUSALMON_SVAR_PAG_H
#define CAUSALMON_SVAR_PAG_H

#include "rng.h"
#include "svar_graph.h"
#include "svar_sim.h"

#include <stddef.h>

/* Picks `nhidden` variables of m to hide: those with the most children among the other
 * variables (hidden common causes), ties broken at random from r. Writes hidden[nvars] flags.
 * Returns 0, or -1 if nhidden is not in [0, nvars - 2]. */
int svar_pick_hidden(const struct svar_model *m, int nhidden, struct rng *r, unsigned char *hidden);

/* The true MAG (mag, may be NULL: link types -->, <--, <->) and PAG (pag, may be NULL) over the
 * observed variables (hidden[v] == 0, in model order) with window tau_max >= 0. Each output is a
 * new graph over the observed variables that the caller frees. Returns 0, or -1 with a message
 * when fewer than 1 observed variable remains or the sizes are out of range. */
int svar_true_pag(const struct svar_model *m, const unsigned char *hidden, int tau_max, int history,
                  struct svar_graph **mag, struct svar_graph **pag, char *err, size_t errlen);

#endif
