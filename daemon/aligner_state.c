#include "aligner_state.h"

#include "utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *aligner_state_save(const struct aligner *al)
{
    int64_t closed = aligner_closed_before(al);
    if (closed == INT64_MIN) return json_null(); /* no row yet: a replay starts afresh */
    json_t *series = json_array();
    for (int id = 0; id < aligner_nseries(al); id++) {
        const char *name = aligner_series_name(al, id);
        if (!name || !utf8_valid(name, strlen(name))) continue; /* expired, or (never) bad */
        double v;
        int run;
        aligner_carry(al, id, &v, &run);
        json_array_append_new(
            series, json_pack("[s, o, i]", name, isfinite(v) ? json_real(v) : json_null(), run));
    }
    return json_pack("{s:I, s:I, s:i, s:o}", "closed_before_ns", (json_int_t)closed, "newest_ns",
                     (json_int_t)aligner_newest(al), "empty_run", aligner_empty_run(al), "series",
                     series);
}

int aligner_state_restore(struct aligner *al, json_t *j, int64_t now_ns, int64_t max_future_ns,
                          char *err, size_t errlen)
{
    if (!j || json_is_null(j)) return 0;
    json_t *closed = json_object_get(j, "closed_before_ns"), *run = json_object_get(j, "empty_run"),
           *series = json_object_get(j, "series");
    if (!json_is_integer(closed) || !json_is_integer(run) || !json_is_array(series)) {
        snprintf(err, errlen, "aligner state: malformed");
        return -1;
    }
    int64_t t = (int64_t)json_integer_value(closed);
    if (max_future_ns > 0 && t > now_ns && t - now_ns > max_future_ns) {
        snprintf(err, errlen,
                 "aligner state: closed buckets end %.0f s ahead of the clock (max_future %.0f s)",
                 (t - now_ns) * 1e-9, max_future_ns * 1e-9);
        return -1;
    }
    json_int_t er = json_integer_value(run);
    json_t *newest = json_object_get(j, "newest_ns");
    aligner_resume(al, t, json_is_integer(newest) ? (int64_t)json_integer_value(newest) : t,
                   er < 0 || er > 1000000000 ? 0 : (int)er);
    size_t i;
    json_t *e;
    json_array_foreach(series, i, e)
    {
        const char *name = json_string_value(json_array_get(e, 0));
        json_t *v = json_array_get(e, 1), *r = json_array_get(e, 2);
        if (!name || !json_is_integer(r)) continue;
        int id = aligner_series(al, name, strlen(name));
        json_int_t mr = json_integer_value(r);
        if (id >= 0)
            aligner_set_carry(al, id, json_is_number(v) ? json_number_value(v) : NAN,
                              mr < 0 || mr > 1000000000 ? 0 : (int)mr);
    }
    return 0;
}
