/* causalmon: one binary, subcommands (docs/architecture.md §3). */
#include "blas_core.h"
#include "cli.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

#ifndef CAUSALMON_VERSION
#define CAUSALMON_VERSION "0.1.0"
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"discover", cmd_discover, "batch PCMCI+ discovery on a CSV window -> graph JSON"},
    {"cdnod", cmd_cdnod, "CD-NOD: which causal mechanisms change -> graph JSON with changes"},
    {"demo", cmd_demo, "the daemon on a simulated shop with an injected fault; alerts printed"},
    {"rca", cmd_rca, "offline root-cause ranking of an incident in a CSV -> RCA JSON"},
    {"run", cmd_run, "the daemon: inputs, aligner, live scope models, ZeroMQ queries"},
    {"keygen", cmd_keygen, "write a CURVE keypair for the daemon or a client"},
    {"tail", cmd_tail, "subscribe to a daemon's alerts and print them; report seq gaps"},
    {"query", cmd_query, "ask a running daemon: status, graph [--scope S], alerts"},
    {"align", cmd_align, "a file or stdin through the parsers and the aligner -> aligned CSV"},
    {"simulate", cmd_simulate, "write seeded structural VAR data (CSV) and its true graph"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: causalmon COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t a = 0; a < sizeof commands / sizeof commands[0]; a++)
        fprintf(f, "  %-10s %s\n", commands[a].name, commands[a].summary);
    fprintf(f, "\n'causalmon COMMAND --help' describes a command's options.\n");
}

/* Commands whose work is dense linear algebra: worth a re-exec for faster kernels. */
static int uses_blas(const char *cmd)
{
    static const char *const heavy[] = {"run", "discover", "cdnod", "rca", "demo", NULL};
    for (int a = 0; heavy[a]; a++)
        if (strcmp(cmd, heavy[a]) == 0) return 1;
    return 0;
}

static const struct command *find(const char *name)
{
    for (size_t a = 0; a < sizeof commands / sizeof commands[0]; a++)
        if (strcmp(name, commands[a].name) == 0) return &commands[a];
    return NULL;
}

/* A command's own usage, to stdout, exit 0. */
static int run_help(const struct command *cmd)
{
    char *args[] = {(char *)cmd->name, "--help", NULL};
    return cmd->run(2, args);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && uses_blas(argv[1])) blas_core_select(argv);
    /* Our matrices are small and many; OpenBLAS threads would only spin. */
    openblas_set_num_threads(1);
    if (argc < 2) {
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("causalmon %s\n", CAUSALMON_VERSION);
        return EXIT_OK;
    }
    const struct command *cmd = find(argv[1]);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OK;
        }
        if (!(cmd = find(argv[2]))) { /* causalmon help CMD */
            fprintf(stderr, "causalmon: unknown command '%s'\n\n", argv[2]);
            usage(stderr);
            return EXIT_BAD_INPUT;
        }
        return run_help(cmd);
    }
    if (cmd) {
        /* -h, --help and --version anywhere among a command's arguments */
        for (int a = 2; a < argc; a++) {
            if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) return run_help(cmd);
            if (!strcmp(argv[a], "--version")) {
                printf("causalmon %s\n", CAUSALMON_VERSION);
                return EXIT_OK;
            }
        }
        return cmd->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "causalmon: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return EXIT_BAD_INPUT;
}
