/* A temporary directory for a cmocka test group: tmpdir is made by tmpdir_setup and removed
 * with its contents by tmpdir_teardown (the group's setup and teardown). */
#ifndef CAUSALMON_TEST_TMPDIR_H
#define CAUSALMON_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[64];

static int tmpdir_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/causalmon-test.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd);
}

#endif
