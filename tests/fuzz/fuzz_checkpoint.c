/* libFuzzer target: a checkpoint read back from disk may be truncated, altered or hostile.
 * checkpoint_parse must refuse it or give a document whose aligner state, log state and scope
 * windows restore or are refused, never crash; a restored scope saves again. */
#include "aligner_state.h"
#include "checkpoint.h"
#include "log_series.h"
#include "scope.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int series_id(void *ctx, const char *name)
{
    return aligner_series(ctx, name, strlen(name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    /* the raw bytes, and the same bytes as a body behind a valid header */
    json_t *docs[2] = {checkpoint_parse((const char *)data, size, err, sizeof err), NULL};
    json_t *body = json_loadb((const char *)data, size, 0, NULL);
    if (body) docs[1] = body;
    for (int k = 0; k < 2; k++) {
        json_t *j = docs[k];
        if (!j) continue;
        struct aligner_params ap = {1000000000LL, 2000000000LL, 64, 3, AGG_MEAN, 0};
        struct aligner *al = aligner_new(&ap, err, sizeof err);
        aligner_state_restore(al, json_object_get(j, "aligner"), 0, 600000000000LL, err,
                              sizeof err);
        json_t *logs = json_object_get(j, "logs");
        if (json_is_string(logs)) {
            struct drain_params dp;
            drain_params_default(&dp);
            struct log_series *ls = log_series_load(
                json_string_value(logs), json_string_length(logs), &dp, 4, err, sizeof err);
            log_series_free(ls);
        }
        struct scope_conf sc;
        memset(&sc, 0, sizeof sc);
        snprintf(sc.name, sizeof sc.name, "s");
        sc.window = 20;
        sc.max_series = 8;
        sc.tau_max = 1;
        sc.refresh_every = 1000000;
        sc.alpha = 0.01;
        size_t i;
        json_t *sj;
        json_array_foreach(json_object_get(j, "scopes"), i, sj)
        {
            struct scope *s = scope_new(&sc, 64, 1000000000LL, NULL, NULL);
            if (scope_restore(s, sj, series_id, al, err, sizeof err) == 0) {
                json_t *again = scope_checkpoint(s);
                char *text = json_dumps(again, JSON_COMPACT);
                if (!text) __builtin_trap(); /* a restored window always saves */
                free(text);
                json_decref(again);
            }
            scope_free(s);
        }
        aligner_free(al);
        json_decref(j);
    }
    return 0;
}
