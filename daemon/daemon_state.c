/* daemon_state.c - the small facts every daemon module shares (daemon.h): the clocks, and how a
 * scope of the daemon is made. */
#include "daemon.h"

#include <string.h>

double daemon_mono(void)
{
    return source_mono();
}

int64_t daemon_wall_ns(void)
{
    return source_wall_ns();
}

static const char *template_of(void *ctx, const char *name)
{
    struct daemon *d = ctx;
    return log_series_template(d->logs, name, strlen(name));
}

struct scope *daemon_new_scope(struct daemon *d, const struct scope_conf *c)
{
    return scope_new(c, d->conf->max_series, d->conf->bucket_ns, template_of, d);
}
