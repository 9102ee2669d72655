/*
 * cli.h - helpers shared by the subcommands: option value parsing with messages that name the
 * option, and the exit codes of the command-line contract (docs/architecture.md §3). Main thread
 * only.
 */
#ifndef CAUSALMON_CLI_H
#define CAUSALMON_CLI_H

#include "csv_table.h"
#include "svar_discover.h"

#include <jansson.h>

enum { EXIT_OK = 0, EXIT_FAILURE_RUN = 1, EXIT_BAD_INPUT = 2 };

/* Parses an integer in [lo, hi] for option `opt` of command `cmd`. On error prints
 * "causalmon CMD: --OPT: ..." to stderr and returns -1. */
int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
/* Parses a finite real in the open interval (lo, hi) (bounds excluded when open != 0). */
int cli_real(const char *cmd, const char *opt, const char *s, double lo, double hi, int open,
             double *out);
/* Prints "causalmon CMD: message" to stderr (printf-style). */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes a JSON value to stdout followed by a newline; steals the reference. Returns 0 or -1. */
int cli_print_json(json_t *v, int pretty);
/* The columns screening left out, as the "excluded" JSON array [{"variable", "reason"}], each
 * also logged to stderr as "causalmon CMD: INPUT: column 'c' left out: reason". Column skip
 * (-1 for none) is not reported (e.g. the context column). Returns a new reference. */
json_t *cli_excluded_columns(const char *cmd, const char *input, const struct csv_table *tab,
                             const enum column_status *status, int skip);
/* Monotonic clock in seconds. */
double cli_now(void);
/* After getopt: reports the first operand left in argv (cli_error) and returns -1; 0 when
 * there is none. */
int cli_no_operands(const char *cmd, int argc, char **argv);
/* Reads the CSV at path (csv_table_read); on failure reports its message (cli_error) and
 * returns NULL. The caller frees the table (csv_table_free). */
struct csv_table *cli_read_csv(const char *cmd, const char *path);

int cmd_discover(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_cdnod(int argc, char **argv);
int cmd_align(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_rca(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* A client socket with linger 0 and a receive timeout; with server_key and client_key_file,
 * a CURVE client. Returns NULL after printing the error. Thread: the caller's. */
void *cli_zmq_client(void *ctx, int type, int timeout_ms, const char *server_key,
                     const char *client_key_file, const char *cmd);

#endif
