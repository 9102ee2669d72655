/* `causalmon simulate`: seeded structural VAR data as CSV, and its true graph as graph JSON. */
#include "cli.h"
#include "graph_json.h"
#include "service_sim.h"
#include "svar_pag.h"
#include "svar_sim.h"
#include "xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "simulate";

static void simulate_usage(FILE *f)
{
    fprintf(f, "usage: causalmon simulate [--vars N] [--samples T] [--tau-max L] [--seed S]\n"
               "                          [--links-per-var K] [--contemp-frac F] [--level X]\n"
               "                          [--start EPOCH] [--step SECONDS] [--out F.csv]\n"
               "                          [--truth G.json] [--change KIND [--change-at ROW]] "
               "[--season P]\n"
               "\n"
               "Writes T rows of a random stable structural VAR (x0..x{N-1}, Gaussian noise, an\n"
               "autoregressive link per series, K cross links per series of which a share F is\n"
               "contemporaneous) with a time column, and the true graph as graph JSON.\n"
               "Defaults: N 5, T 500, L 2, S 1, K 1, F 0.3, level 0, start 1700000000, step 1,\n"
               "CSV on stdout, no truth file.\n"
               "--change changes one variable's mechanism from row ROW (default T/2) on; KIND is\n"
               "coefficient, edge_added, edge_removed, noise_variance, mean_shift, nonlinear or "
               "sign_flip.\n"
               "The truth file then lists the changed variable under \"changed\".\n"
               "--season P adds a sinusoidal cycle of period P rows to every series.\n"
               "--hidden K hides the K variables with the most children (hidden common causes):\n"
               "the CSV leaves them out, and the truth file holds the true PAG of the observed\n"
               "series over lags 0..L (\"links\", marks -->, <->, o->, o-o; see docs/lpcmci.md),\n"
               "their MAG (\"mag_links\") and the hidden names (\"hidden\").\n"
               "\n"
               "--services FAULT writes the simulated microservice system instead (frontend,\n"
               "cart, catalog, payment, db: cpu, latency, errors, requests and log template\n"
               "counts) with FAULT (none, cpu_hog, latency, log_errors, new_dependency,\n"
               "mechanism) from row --change-at (default T/2) on; the faulty service is drawn\n"
               "from the seed and printed on stderr. --logs-dir DIR writes the log lines as\n"
               "DIR/<service>.jsonl (Fluent Bit JSON) and leaves the counts out of the CSV.\n");
}

/* --services: the microservice simulation (service_sim.h), optionally with real log lines. */
static int simulate_services(const char *fault, long T, long seed, long at, double start,
                             double step, const char *out, const char *logs_dir)
{
    enum sim_fault fk;
    if (sim_fault_parse(fault, &fk)) {
        cli_error(CMD, "--services: '%s' is not a fault (see --help)", fault);
        return EXIT_BAD_INPUT;
    }
    struct service_sim s;
    service_sim_init(&s, (uint64_t)seed, fk,
                     fk == SIM_FAULT_NONE ? -1 : (int)(at < 0 ? T / 2 : at));
    int metrics = SIM_SERVICES * SIM_METRICS, ncol = logs_dir ? metrics : s.nseries;
    FILE *f = out ? fopen(out, "w") : stdout, *lf[SIM_SERVICES] = {0};
    int rc = f ? EXIT_OK : EXIT_FAILURE_RUN;
    for (int i = 0; logs_dir && rc == EXIT_OK && i < SIM_SERVICES; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.jsonl", logs_dir, service_sim_service_name(i));
        if (!(lf[i] = fopen(path, "w"))) {
            cli_error(CMD, "%s: cannot create: %s", path, strerror(errno));
            rc = EXIT_FAILURE_RUN;
        }
    }
    if (!f) cli_error(CMD, "%s: cannot create: %s", out, strerror(errno));
    if (rc == EXIT_OK) {
        double *row = xmallocarray((size_t)s.nseries, sizeof(double));
        enum { LOG_BUF = 1 << 16 };
        char *logbuf = xmalloc(LOG_BUF);
        fprintf(f, "time");
        for (int j = 0; j < ncol; j++) fprintf(f, ",%s", s.names[j]);
        fputc('\n', f);
        for (long t = 0; t < T; t++) {
            service_sim_step(&s, row);
            double ts = start + step * (double)t;
            fprintf(f, "%.17g", ts);
            for (int j = 0; j < ncol; j++) fprintf(f, ",%.12g", row[j]);
            fputc('\n', f);
            for (int i = 0; logs_dir && i < SIM_SERVICES; i++) {
                size_t n = service_sim_log_json(row, i, t, ts, step, logbuf, LOG_BUF);
                fwrite(logbuf, 1, n, lf[i]);
            }
        }
        free(logbuf);
        free(row);
        if (fk != SIM_FAULT_NONE)
            fprintf(stderr, "causalmon simulate: %s in service %s from row %d\n", fault,
                    service_sim_service_name(s.fault_service), s.fault_at);
    }
    for (int i = 0; i < SIM_SERVICES; i++)
        if (lf[i] && fclose(lf[i])) rc = EXIT_FAILURE_RUN;
    if (f && (out ? fclose(f) : fflush(f)) != 0) rc = EXIT_FAILURE_RUN;
    service_sim_fini(&s);
    return rc;
}

static int write_csv(FILE *f, const double *X, int T, int N, double start, double step,
                     const unsigned char *hidden)
{
    fprintf(f, "time");
    for (int j = 0; j < N; j++)
        if (!hidden[j]) fprintf(f, ",x%d", j);
    fputc('\n', f);
    for (int t = 0; t < T; t++) {
        fprintf(f, "%.17g", start + step * t);
        for (int j = 0; j < N; j++)
            if (!hidden[j]) fprintf(f, ",%.12g", X[(size_t)t * N + j]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

/* History of the unrolled DAG behind the true PAG, in multiples of tau_max (svar_pag.h). */
enum { PAG_HISTORY_TAUS = 8 };

static int write_truth(const char *path, const struct svar_model *m,
                       const struct svar_sim_params *p, const struct svar_change *ch,
                       const unsigned char *hidden, int nhidden)
{
    struct svar_graph *g = NULL, *mag = NULL;
    char err[256];
    if (nhidden == 0) {
        g = svar_model_truth(m);
    } else if (svar_true_pag(m, hidden, m->tau_max, PAG_HISTORY_TAUS * m->tau_max, &mag, &g, err,
                             sizeof err) < 0) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    char **names = xmallocarray((size_t)m->nvars, sizeof *names);
    json_t *vars = json_array(), *hid = json_array();
    int no = 0;
    for (int j = 0; j < m->nvars; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "x%d", j);
        if (hidden[j]) {
            json_array_append_new(hid, json_string(buf));
            continue;
        }
        names[no++] = xstrdup(buf);
        json_array_append_new(vars, json_string(buf));
    }
    json_t *o =
        json_pack("{s:o, s:i, s:I, s:o}", "variables", vars, "tau_max", m->tau_max, "seed",
                  (json_int_t)p->seed, "links", graph_json_links(g, (const char *const *)names));
    if (nhidden) {
        json_object_set_new(o, "hidden", hid);
        json_object_set_new(o, "mag_links", graph_json_links(mag, (const char *const *)names));
    } else {
        json_decref(hid);
    }
    json_t *changed = json_array();
    if (ch)
        json_array_append_new(changed,
                              json_pack("{s:s, s:s, s:i}", "variable", names[ch->var], "kind",
                                        svar_change_kind_str(ch->kind), "at", ch->at));
    json_object_set_new(o, "changed", changed);
    int rc = json_dump_file(o, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(o);
    for (int j = 0; j < no; j++) free(names[j]);
    free(names);
    svar_graph_free(g);
    svar_graph_free(mag);
    return rc;
}

int cmd_simulate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vars", required_argument, NULL, 'n'},
        {"samples", required_argument, NULL, 'T'},
        {"tau-max", required_argument, NULL, 'L'},
        {"seed", required_argument, NULL, 's'},
        {"links-per-var", required_argument, NULL, 'k'},
        {"contemp-frac", required_argument, NULL, 'c'},
        {"level", required_argument, NULL, 'l'},
        {"start", required_argument, NULL, 'S'},
        {"step", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"truth", required_argument, NULL, 'g'},
        {"change", required_argument, NULL, 'C'},
        {"change-at", required_argument, NULL, 'A'},
        {"season", required_argument, NULL, 'P'},
        {"services", required_argument, NULL, 'V'},
        {"logs-dir", required_argument, NULL, 'D'},
        {"hidden", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long nvars = 5, T = 500, tau = 2, seed = 1;
    double lpv = 1.0, cfrac = 0.3, level = 0.0, start = 1700000000.0, step = 1.0;
    const char *out = NULL, *truth = NULL, *change = NULL, *services = NULL, *logs_dir = NULL;
    long change_at = -1, season = 0, nhidden = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'n':
            bad = cli_int(CMD, "vars", optarg, 1, 2000, &nvars);
            break;
        case 'T':
            bad = cli_int(CMD, "samples", optarg, 1, 10000000, &T);
            break;
        case 'L':
            bad = cli_int(CMD, "tau-max", optarg, 1, 50, &tau);
            break;
        case 's':
            bad = cli_int(CMD, "seed", optarg, 0, 0x7fffffffL, &seed);
            break;
        case 'k':
            bad = cli_real(CMD, "links-per-var", optarg, 0, 100, 0, &lpv);
            break;
        case 'c':
            bad = cli_real(CMD, "contemp-frac", optarg, 0, 1, 0, &cfrac);
            break;
        case 'l':
            bad = cli_real(CMD, "level", optarg, -1e15, 1e15, 0, &level);
            break;
        case 'S':
            bad = cli_real(CMD, "start", optarg, 0, 1e11, 0, &start);
            break;
        case 'd':
            bad = cli_real(CMD, "step", optarg, 0, 1e9, 1, &step);
            break;
        case 'o':
            out = optarg;
            break;
        case 'g':
            truth = optarg;
            break;
        case 'C':
            change = optarg;
            break;
        case 'A':
            bad = cli_int(CMD, "change-at", optarg, 1, 10000000, &change_at);
            break;
        case 'P':
            bad = cli_int(CMD, "season", optarg, 2, 10000000, &season);
            break;
        case 'V':
            services = optarg;
            break;
        case 'D':
            logs_dir = optarg;
            break;
        case 'H':
            bad = cli_int(CMD, "hidden", optarg, 0, 1998, &nhidden);
            break;
        case 'h':
            simulate_usage(stdout);
            return EXIT_OK;
        default:
            simulate_usage(stderr);
            return EXIT_BAD_INPUT;
        }
        if (bad) return EXIT_BAD_INPUT;
    }
    if (cli_no_operands(CMD, argc, argv)) return EXIT_BAD_INPUT;
    if ((double)nvars * (double)T > 5e7) {
        cli_error(CMD, "--vars x --samples must stay below 5e7 cells");
        return EXIT_BAD_INPUT;
    }
    if (services)
        return simulate_services(services, T, seed, change_at, start, step, out, logs_dir);
    struct svar_sim_params p;
    svar_sim_params_default(&p, (int)nvars, (int)tau, (uint64_t)seed);
    p.links_per_var = lpv;
    p.contemp_frac = cfrac;
    p.level = level;
    char err[256];
    struct svar_model *m = svar_model_random(&p, err, sizeof err);
    if (!m) {
        cli_error(CMD, "%s", err);
        return EXIT_BAD_INPUT;
    }
    struct svar_change ch, *chp = NULL;
    if (change) {
        int kind = 0;
        while (kind < SVAR_CHANGE_ALL && strcmp(change, svar_change_kind_str(kind)) != 0) kind++;
        if (kind == SVAR_CHANGE_ALL) {
            cli_error(CMD, "--change: '%s' is not a change kind (see --help)", change);
            svar_model_free(m);
            return EXIT_BAD_INPUT;
        }
        struct rng pick;
        rng_seed(&pick, (uint64_t)seed ^ 0xc4a9eULL);
        if (change_at < 0) change_at = T / 2;
        if (change_at >= T || svar_change_pick(m, kind, (int)change_at, &pick, &ch) < 0) {
            cli_error(CMD, "--change: no row or variable fits a %s change in this model", change);
            svar_model_free(m);
            return EXIT_BAD_INPUT;
        }
        chp = &ch;
    }
    unsigned char *hidden = xcalloc((size_t)nvars, 1);
    struct rng hr;
    rng_seed(&hr, (uint64_t)seed ^ 0x41dde7ULL);
    if (svar_pick_hidden(m, (int)nhidden, &hr, hidden) < 0) {
        cli_error(CMD, "--hidden: %ld is more than --vars - 2", nhidden);
        free(hidden);
        svar_model_free(m);
        return EXIT_BAD_INPUT;
    }
    double *X = xmallocarray((size_t)T * nvars, sizeof(double));
    struct rng r;
    rng_seed(&r, (uint64_t)seed ^ 0x5eedULL);
    svar_model_simulate_change(m, chp, &r, (int)T, 500, X);
    for (long t = 0; season && t < T; t++)
        for (long j = 0; j < nvars; j++)
            X[t * nvars + j] +=
                2.0 * sin(2.0 * M_PI * (double)t / (double)season + 0.7 * (double)j);
    int rc = EXIT_OK;
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        cli_error(CMD, "%s: cannot create: %s", out, strerror(errno));
        rc = EXIT_FAILURE_RUN;
    } else {
        if (write_csv(f, X, (int)T, (int)nvars, start, step, hidden) < 0) rc = EXIT_FAILURE_RUN;
        if ((out ? fclose(f) : fflush(f)) != 0) rc = EXIT_FAILURE_RUN;
        if (rc) cli_error(CMD, "writing %s failed", out ? out : "stdout");
    }
    if (rc == EXIT_OK && truth && write_truth(truth, m, &p, chp, hidden, (int)nhidden) != 0) {
        cli_error(CMD, "%s: cannot write the true graph", truth);
        rc = EXIT_FAILURE_RUN;
    }
    free(X);
    free(hidden);
    svar_model_free(m);
    return rc;
}
