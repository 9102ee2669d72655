#include "cli.h"

#include "zmq_curve.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "causalmon %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
        cli_error(cmd, "--%s: '%s' is not an integer in [%ld, %ld]", opt, s, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_real(const char *cmd, const char *opt, const char *s, double lo, double hi, int open,
             double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int bad = end == s || *end != '\0' || errno == ERANGE || !isfinite(v);
    if (!bad) bad = open ? !(v > lo && v < hi) : !(v >= lo && v <= hi);
    if (bad) {
        cli_error(cmd, "--%s: '%s' is not a number in %s%g, %g%s", opt, s, open ? "(" : "[", lo, hi,
                  open ? ")" : "]");
        return -1;
    }
    *out = v;
    return 0;
}

int cli_print_json(json_t *v, int pretty)
{
    size_t flags = JSON_REAL_PRECISION(10) | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    int rc = json_dumpf(v, stdout, flags);
    json_decref(v);
    if (rc == 0) rc = fputc('\n', stdout) == EOF ? -1 : 0;
    if (fflush(stdout) != 0) rc = -1;
    return rc;
}

json_t *cli_excluded_columns(const char *cmd, const char *input, const struct csv_table *tab,
                             const enum column_status *status, int skip)
{
    json_t *arr = json_array();
    for (int col = 0; col < tab->ncols; col++) {
        if (status[col] == COLUMN_KEPT || col == skip) continue;
        const char *why = status[col] == COLUMN_CONSTANT ? "constant" : "mostly missing";
        cli_error(cmd, "%s: column '%s' left out: %s", input, tab->names[col], why);
        json_array_append_new(arr,
                              json_pack("{s:s, s:s}", "variable", tab->names[col], "reason", why));
    }
    return arr;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void *cli_zmq_client(void *ctx, int type, int timeout_ms, const char *server_key,
                     const char *client_key_file, const char *cmd)
{
    void *s = zmq_socket(ctx, type);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    if (server_key || client_key_file) {
        char err[512];
        if (!server_key || !client_key_file) {
            cli_error(cmd, "CURVE needs both --server-key and --client-key");
            zmq_close(s);
            return NULL;
        }
        if (zmq_curve_client(s, server_key, client_key_file, err, sizeof err)) {
            cli_error(cmd, "%s", err);
            zmq_close(s);
            return NULL;
        }
    }
    return s;
}

int cmd_keygen(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "--out") != 0) {
        fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
                "usage: causalmon keygen --out PREFIX\n"
                "Writes a CURVE keypair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public);\n"
                "prints the public key. Put client .pub files in curve.allowed_clients_dir.\n");
        return argc == 2 && !strcmp(argv[1], "--help") ? EXIT_OK : EXIT_BAD_INPUT;
    }
    char pub[41], sec[41], path[4096];
    if (zmq_curve_keypair(pub, sec)) {
        cli_error("keygen", "this libzmq cannot make CURVE keys");
        return EXIT_FAILURE_RUN;
    }
    snprintf(path, sizeof path, "%s.pub", argv[2]);
    int pub_exists = access(path, F_OK) == 0;
    snprintf(path, sizeof path, "%s.key", argv[2]);
    if (pub_exists || access(path, F_OK) == 0) { /* never replace a keypair in use */
        cli_error("keygen", "%s.key or %s.pub exists; remove it first to make a new keypair",
                  argv[2], argv[2]);
        return EXIT_BAD_INPUT;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || fprintf(f, "%s\n", sec) < 0 || fclose(f)) {
        cli_error("keygen", "cannot write %s", path);
        return EXIT_FAILURE_RUN;
    }
    snprintf(path, sizeof path, "%s.pub", argv[2]);
    f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", pub) < 0 || fclose(f)) {
        cli_error("keygen", "cannot write %s", path);
        return EXIT_FAILURE_RUN;
    }
    printf("%s\n", pub);
    return EXIT_OK;
}

int cli_no_operands(const char *cmd, int argc, char **argv)
{
    if (optind >= argc) return 0;
    cli_error(cmd, "unexpected argument '%s'", argv[optind]);
    return -1;
}

struct csv_table *cli_read_csv(const char *cmd, const char *path)
{
    char err[512];
    struct csv_table *tab = csv_table_read(path, err, sizeof err);
    if (!tab) cli_error(cmd, "%s", err);
    return tab;
}
