/* `causalmon cdnod`: CD-NOD on a CSV file -> graph JSON with changed mechanisms. */
#include "cdnod.h"
#include "cli.h"
#include "svar_limits.h"
#include "csv_table.h"
#include "graph_json.h"
#include "svar_discover.h"
#include "xalloc.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "cdnod";

/* The time index enters the tests as this many equal blocks of rows (one-hot). */
enum { TIME_SEGMENTS = 4, MAX_CONTEXT_VALUES = 50 };

static void cdnod_usage(FILE *f)
{
    fprintf(f,
            "usage: causalmon cdnod --input F.csv [--context COL | --segments K] [--tau-max N]\n"
            "                       [--alpha A] [--test fisherz|chow|rcit|kci] [--max-depth D]\n"
            "                       [--no-deseason] [--seed S] [--max-gap N] [--pretty]\n"
            "\n"
            "CD-NOD: which causal mechanisms change, with the graph. The context C is a\n"
            "categorical column (--context), K equal blocks of rows (--segments), or by default\n"
            "the time index as %d equal blocks.\n"
            "  --tau-max N   lagged parents from PCMCI+ (default 2; 0 = none)\n"
            "  --alpha A     significance level (default 0.01)\n"
            "  --test T      C-X test: fisherz (mean only), chow (mean, coefficients,\n"
            "                variance), rcit (chow + RCoT for shape; default), kci (small n)\n"
            "  --max-depth D largest conditioning set in the skeleton (default 3)\n"
            "  --no-deseason keep seasonal cycles (by default detected ones are removed)\n",
            TIME_SEGMENTS);
}

/* Maps the context column to segment labels; removes nothing from tab. */
static int context_labels(const struct csv_table *tab, int col, int *seg, int *K, const char *input)
{
    double vals[MAX_CONTEXT_VALUES];
    int n = 0;
    for (int t = 0; t < tab->rows; t++) {
        double v = tab->values[(size_t)t * tab->ncols + col];
        if (isnan(v)) {
            cli_error(CMD, "%s: data row %d: context column '%s' is empty", input, t + 1,
                      tab->names[col]);
            return -1;
        }
        int a = 0;
        while (a < n && vals[a] != v) a++;
        if (a == n) {
            if (n == MAX_CONTEXT_VALUES) {
                cli_error(CMD,
                          "%s: context column '%s' has more than %d distinct values; it must be "
                          "categorical (a regime or domain label)",
                          input, tab->names[col], MAX_CONTEXT_VALUES);
                return -1;
            }
            vals[n++] = v;
        }
        seg[t] = a;
    }
    if (n < 2) {
        cli_error(CMD, "%s: context column '%s' has one value; it needs at least two regimes",
                  input, tab->names[col]);
        return -1;
    }
    *K = n;
    return 0;
}

static json_t *segment_fit_json(const struct cdnod_change *ch, int s, const char *const *names,
                                int N)
{
    const struct linear_change *lin = &ch->detail.lin;
    int dim = ch->nparents + 1;
    json_t *coefs = json_object();
    for (int a = 0; a < ch->nparents; a++) {
        char key[300];
        int node = ch->parents[a], lag = node / N;
        if (lag)
            snprintf(key, sizeof key, "%s(t-%d)", names[node % N], lag);
        else
            snprintf(key, sizeof key, "%s", names[node % N]);
        json_object_set_new(coefs, key, json_real(lin->coef[(size_t)s * dim + 1 + a]));
    }
    return json_pack("{s:i, s:f, s:o, s:f}", "segment", s, "intercept", lin->coef[(size_t)s * dim],
                     "coefficients", coefs, "noise_sd", lin->noise_sd[s]);
}

static json_t *changed_json(const struct cdnod_result *res, const char *const *names, int N, int K)
{
    json_t *arr = json_array();
    for (int a = 0; a < res->nchanged; a++) {
        const struct cdnod_change *ch = &res->changed[a];
        json_t *parents = json_array(), *segs = json_array();
        for (int b = 0; b < ch->nparents; b++)
            json_array_append_new(parents,
                                  json_pack("{s:s, s:i}", "variable", names[ch->parents[b] % N],
                                            "lag", ch->parents[b] / N));
        for (int s = 0; s < K; s++) json_array_append_new(segs, segment_fit_json(ch, s, names, N));
        json_t *o = json_pack("{s:s, s:f, s:f, s:s, s:f, s:f, s:f, s:f, s:o}", "variable",
                              names[ch->var], "pvalue", ch->pval, "qvalue", ch->qval, "kind",
                              change_kind_str(ch->detail.kind), "p_mean", ch->detail.p_mean,
                              "p_coefficients", ch->detail.p_coef, "p_variance", ch->detail.p_var,
                              "p_shape", ch->detail.p_shape, "parents", parents);
        json_object_set_new(o, "before", segment_fit_json(ch, 0, names, N));
        json_object_set_new(o, "after", segment_fit_json(ch, K - 1, names, N));
        json_object_set_new(o, "segments", segs);
        json_array_append_new(arr, o);
    }
    return arr;
}

int cmd_cdnod(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"context", required_argument, NULL, 'c'},
        {"segments", required_argument, NULL, 'k'},
        {"tau-max", required_argument, NULL, 't'},
        {"alpha", required_argument, NULL, 'a'},
        {"test", required_argument, NULL, 'T'},
        {"max-depth", required_argument, NULL, 'd'},
        {"no-deseason", no_argument, NULL, 'D'},
        {"seed", required_argument, NULL, 's'},
        {"max-gap", required_argument, NULL, 'g'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *input = NULL, *context = NULL;
    long segments = 0, tau_max = 2, depth = 3, seed = 1, max_gap = 3;
    double alpha = 0.01;
    int pretty = 0, deseason = 1, c;
    enum mech_test test = MECH_RCIT;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'i':
            input = optarg;
            break;
        case 'c':
            context = optarg;
            break;
        case 'k':
            bad = cli_int(CMD, "segments", optarg, 2, 100, &segments);
            break;
        case 't':
            bad = cli_int(CMD, "tau-max", optarg, 0, SVAR_TAU_MAX_LIMIT, &tau_max);
            break;
        case 'a':
            bad = cli_real(CMD, "alpha", optarg, 0, 1, 1, &alpha);
            break;
        case 'T':
            if (mech_test_parse(optarg, &test) < 0) {
                cli_error(CMD, "--test: '%s' is not one of fisherz, chow, rcit, kci", optarg);
                bad = 1;
            }
            break;
        case 'd':
            bad = cli_int(CMD, "max-depth", optarg, 0, 10, &depth);
            break;
        case 'D':
            deseason = 0;
            break;
        case 's':
            bad = cli_int(CMD, "seed", optarg, 0, 0x7fffffffL, &seed);
            break;
        case 'g':
            bad = cli_int(CMD, "max-gap", optarg, 0, 1000000, &max_gap);
            break;
        case 'p':
            pretty = 1;
            break;
        case 'h':
            cdnod_usage(stdout);
            return EXIT_OK;
        default:
            cdnod_usage(stderr);
            return EXIT_BAD_INPUT;
        }
        if (bad) return EXIT_BAD_INPUT;
    }
    if (cli_no_operands(CMD, argc, argv)) return EXIT_BAD_INPUT;
    if (!input) {
        cli_error(CMD, "--input is required");
        return EXIT_BAD_INPUT;
    }
    if (context && segments) {
        cli_error(CMD, "--context and --segments exclude each other");
        return EXIT_BAD_INPUT;
    }
    char err[512];
    double t0 = cli_now();
    struct csv_table *tab = cli_read_csv(CMD, input);
    if (!tab) return EXIT_BAD_INPUT;
    int rc = EXIT_BAD_INPUT, K = 0, ctx_col = -1, T = tab->rows;
    int *seg = xmallocarray((size_t)(T ? T : 1), sizeof(int));
    enum column_status *status = xcalloc((size_t)tab->ncols, sizeof *status);
    int *kept = xmallocarray((size_t)tab->ncols, sizeof(int)), nkept = 0;
    long filled = 0;
    double *Y = NULL;
    struct cdnod_result res = {0};
    if (context) {
        for (int a = 0; a < tab->ncols; a++)
            if (strcmp(tab->names[a], context) == 0) ctx_col = a;
        if (ctx_col < 0) {
            cli_error(CMD, "%s: no column named '%s' for --context", input, context);
            goto out;
        }
        if (context_labels(tab, ctx_col, seg, &K, input) < 0) goto out;
        /* the context is not a variable: blank it so screening drops it */
        for (int t = 0; t < T; t++) tab->values[(size_t)t * tab->ncols + ctx_col] = NAN;
    } else {
        K = segments ? (int)segments : TIME_SEGMENTS;
        for (int t = 0; t < T; t++) seg[t] = (int)((long)t * K / (T ? T : 1));
    }
    if (T < svar_min_rows((int)tau_max)) {
        cli_error(CMD, "%s: %d rows, fewer than " SVAR_MIN_ROWS_RULE " = %d needed", input, T,
                  svar_min_rows((int)tau_max));
        goto out;
    }
    Y = svar_prepare(tab->values, T, tab->ncols, (int)max_gap, 0.5, status, kept, &nkept, &filled,
                     err, sizeof err);
    if (!Y) {
        cli_error(CMD, "%s: %s", input, err);
        goto out;
    }
    struct cdnod_params p;
    cdnod_params_default(&p);
    p.tau_max = (int)tau_max;
    p.alpha = alpha;
    p.test = test;
    p.max_depth = (int)depth;
    p.deseason = deseason;
    p.seed = (uint64_t)seed;
    p.time_kernel = !context && !segments; /* the time index itself for RCoT/KCI */
    if (cdnod_run(Y, T, nkept, seg, K, &p, &res, err, sizeof err) < 0) {
        cli_error(CMD, "%s: %s", input, err);
        goto out;
    }
    const char **names = xmallocarray((size_t)nkept, sizeof *names);
    json_t *vars = json_array(), *season = json_array();
    for (int a = 0; a < nkept; a++) {
        names[a] = tab->names[kept[a]];
        json_array_append_new(vars, json_string(names[a]));
        if (res.period[a])
            json_array_append_new(
                season, json_pack("{s:s, s:i}", "variable", names[a], "period", res.period[a]));
    }
    json_t *excluded = cli_excluded_columns(CMD, input, tab, status, ctx_col);
    json_t *ctx = json_pack("{s:s, s:i}", "type",
                            context    ? "column"
                            : segments ? "segments"
                                       : "time",
                            "segments", K);
    if (context) json_object_set_new(ctx, "column", json_string(context));
    json_t *o = json_object();
    json_object_set_new(o, "variables", vars);
    json_object_set_new(o, "samples", json_integer(res.samples));
    json_object_set_new(o, "tau_max", json_integer(tau_max));
    json_object_set_new(o, "alpha", json_real(alpha));
    json_object_set_new(o, "test", json_string(mech_test_str(test)));
    json_object_set_new(o, "context", ctx);
    json_object_set_new(o, "links", graph_json_links(res.graph, names));
    json_object_set_new(o, "changed", changed_json(&res, names, nkept, K));
    json_object_set_new(o, "seasonality", season);
    json_object_set_new(o, "excluded", excluded);
    json_object_set_new(o, "filled", json_integer(filled));
    json_object_set_new(o, "stats",
                        json_pack("{s:I, s:i}", "tests", (json_int_t)res.tests, "phase3_oriented",
                                  res.phase3_oriented));
    json_object_set_new(o, "seconds", json_real(cli_now() - t0));
    free(names);
    rc = cli_print_json(o, pretty) < 0 ? EXIT_FAILURE_RUN : EXIT_OK;
out:
    cdnod_result_free(&res);
    free(Y);
    free(seg);
    free(status);
    free(kept);
    csv_table_free(tab);
    return rc;
}
