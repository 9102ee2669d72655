/* A daemon started in the test's own process (daemon_start, no loop) on a configuration written
 * to a temporary directory: a file input of line protocol, one scope, sockets on 127.0.0.1 at
 * free ports. Shared by the unit tests of the daemon's modules. */
#ifndef CAUSALMON_DAEMON_FIXTURE_H
#define CAUSALMON_DAEMON_FIXTURE_H

#include "test_util.h"

#include "daemon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char dir[64];
    char conf_path[128];
    struct daemon d;
};

/* Writes ROWS seconds of three related series (m.a, m.b = 2 m.a + noise, m.c) as line protocol. */
static inline void fixture_data(const char *path, int rows)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    unsigned s = 7;
    for (int r = 0; r < rows; r++) {
        s = s * 1103515245u + 12345u;
        double a = sin(r * 0.3) + (s >> 16) % 100 / 200.0;
        fprintf(f, "m,host=h a=%.6f,b=%.6f,c=%d %lld\n", a, 2 * a + ((s >> 8) % 7) / 50.0, r % 5,
                (long long)(1700000000LL + r) * 1000000000LL);
    }
    fclose(f);
}

/* Writes the configuration: `input_type` with `input_extra` YAML lines (already indented). */
static inline void fixture_config(struct fixture *fx, const char *input_type,
                                  const char *input_extra)
{
    int port = 20000 + (int)(getpid() % 20000);
    FILE *f = fopen(fx->conf_path, "w");
    assert_non_null(f);
    fprintf(
        f,
        "bucket: 1s\nlateness: 1s\nmax_future: 0s\nlog_level: warning\nstate_dir: %s/state\n"
        "alerts:\n  endpoint: tcp://127.0.0.1:%d\nquery:\n  endpoint: tcp://127.0.0.1:%d\n"
        "inputs:\n  - name: in\n    type: %s\n%s"
        "scopes:\n  - name: s\n    match: [\"m.*\"]\n    window: 200\n    refresh_every: 100000\n",
        fx->dir, port, port + 1, input_type, input_extra);
    fclose(f);
}

/* Creates the directory and the data file; the caller writes the configuration. */
static inline void fixture_init(struct fixture *fx, int rows)
{
    memset(fx, 0, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/causalmon-unit.XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->conf_path, sizeof fx->conf_path, "%s/causalmon.yaml", fx->dir);
    char path[160], state[160];
    snprintf(path, sizeof path, "%s/data.lp", fx->dir);
    snprintf(state, sizeof state, "%s/state", fx->dir);
    mkdir(state, 0750);
    fixture_data(path, rows);
}

/* Loads the configuration and starts the daemon (the inputs opened, nothing read yet). */
static inline void fixture_start(struct fixture *fx)
{
    struct config *c = malloc(sizeof *c);
    char err[1024];
    assert_non_null(c);
    if (config_load(fx->conf_path, c, err, sizeof err)) fail_msg("%s", err);
    memset(&fx->d, 0, sizeof fx->d);
    fx->d.conf = c;
    assert_int_equal(daemon_start(&fx->d), 0);
}

/* Polls the inputs until every finite one is done, then closes the open buckets. */
static inline void fixture_read_all(struct fixture *fx)
{
    int backlog;
    double due;
    for (int turn = 0; turn < 100000; turn++) {
        sources_poll(&fx->d.sources, 512, &backlog, &due);
        int open = 0;
        for (int a = 0; a < fx->d.sources.n; a++) open += !fx->d.sources.s[a].done;
        if (!open) break;
    }
    aligner_flush_all(fx->d.al, fx->d.in.row_fn, fx->d.in.row_ctx);
}

static inline void fixture_stop(struct fixture *fx)
{
    daemon_finish(&fx->d);
    free(fx->d.conf);
    fx->d.conf = NULL;
}

/* Removes the temporary directory. */
static inline void fixture_clean(struct fixture *fx)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    assert_int_equal(system(cmd), 0);
}

#endif
