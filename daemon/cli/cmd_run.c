/*
 * `causalmon run`: the command line of the daemon. It validates a configuration file
 * (--check-config, with the memory it takes up front), prints the commented reference of every
 * option (--config-reference), or runs the daemon on it (daemon.h, daemon_loop.c).
 */
#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "mem_estimate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const CMD = "run";

static void run_usage(FILE *f)
{
    fprintf(f, "usage: causalmon run --config FILE\n"
               "       causalmon run --check-config FILE\n"
               "       causalmon run --config-reference\n"
               "       causalmon run --config-default\n"
               "\n"
               "Runs the daemon (what systemd starts), validates a configuration file\n"
               "(exit 0, or 2 with FILE:LINE:COL), prints the commented reference of every\n"
               "option, or prints the default configuration (conf/causalmon.yaml).\n");
}

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", required_argument, NULL, 'k'},
        {"config-reference", no_argument, NULL, 'r'},
        {"config-default", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    int check = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'k':
            path = optarg;
            check = 1;
            break;
        case 'r':
            config_reference(stdout);
            return EXIT_OK;
        case 'd':
            config_write_default(stdout);
            return EXIT_OK;
        case 'h':
            run_usage(stdout);
            return EXIT_OK;
        default:
            run_usage(stderr);
            return EXIT_BAD_INPUT;
        }
    }
    if (!path) {
        cli_error(CMD, "--config FILE is required");
        run_usage(stderr);
        return EXIT_BAD_INPUT;
    }
    struct config *conf = malloc(sizeof *conf);
    char err[1024];
    if (config_load(path, conf, err, sizeof err)) {
        cli_error(CMD, "%s", err);
        free(conf);
        return EXIT_BAD_INPUT;
    }
    if (mem_estimate_check(conf, err, sizeof err)) { /* refuse now, not abort at start */
        cli_error(CMD, "%s", err);
        free(conf);
        return EXIT_BAD_INPUT;
    }
    if (check) {
        struct mem_breakdown b;
        mem_estimate_breakdown(conf, &b);
        printf("%s: OK (%d inputs, %d scopes)\n%s: about %.0f MB allocated (aligner %.0f MB, "
               "scopes %.0f MB, %.0f MB for the refreshes and rankings %d worker(s) run at once, "
               "%.0f MB while a checkpoint is written)\n",
               path, conf->ninputs, conf->nscopes, path, b.total / 1e6, b.aligner / 1e6,
               b.scopes / 1e6, b.jobs / 1e6, conf->workers, b.checkpoint / 1e6);
        free(conf);
        return EXIT_OK;
    }
    return daemon_serve(conf);
}
