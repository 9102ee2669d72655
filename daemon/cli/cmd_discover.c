/* `causalmon discover`: batch PCMCI+ or LPCMCI on a CSV file -> graph JSON. */
#include "blas_core.h"
#include "cli.h"
#include "svar_limits.h"
#include "csv_table.h"
#include "graph_dot.h"
#include "graph_json.h"
#include "svar_discover.h"
#include "xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CMD = "discover";

static void discover_usage(FILE *f)
{
    fprintf(f,
            "usage: causalmon discover --input F.csv [--method pcmci+|lpcmci] [--tau-max N]\n"
            "                          [--alpha A] [--test parcorr] [--fdr none|bh] [--max-gap N]\n"
            "                          [--max-conds N] [--max-collider-nbrs N] [--preliminary K]\n"
            "                          [--screen] [--screen-alpha A] [--screen-top-k K]\n"
            "                          [--pretty] [--format json|dot]\n"
            "\n"
            "PCMCI+ (lagged and contemporaneous links) with ParCorr on the CSV's numeric\n"
            "columns; prints the graph JSON on stdout. --method lpcmci allows hidden common\n"
            "causes and prints a PAG: every link has a mark at each end (-->, <->, o->, o-o,\n"
            "<--, <-o; '<->' = a hidden common cause, 'o' = undecided; see docs/lpcmci.md).\n"
            "  --input F     CSV with a header; optional first column time/timestamp; '-' = stdin\n"
            "  --tau-max N   largest lag (default 3)\n"
            "  --alpha A     significance level of every test, pc_alpha (default 0.01)\n"
            "  --test T      conditional-independence test: parcorr (default)\n"
            "  --fdr M       bh: Benjamini-Hochberg over all candidate links, lag 0 included;\n"
            "                links with q > alpha are dropped (default none)\n"
            "  --max-gap N   fill interior gaps of up to N missing values by interpolation (3)\n"
            "  --max-conds N cap on contemporaneous condition-set size (default unlimited)\n"
            "  --preliminary K  lpcmci: preliminary phases before the final one (default 0)\n"
            "  --max-collider-nbrs N  collider step: enumerate subsets of only the N strongest\n"
            "                neighbours of each end (default 0 = all; see README)\n"
            "  --screen      pcmci+: keep only candidate parents whose marginal correlation is\n"
            "                significant at 0.1 before the conditional tests (an approximation,\n"
            "                off by default; see docs/algorithms.md)\n"
            "  --screen-alpha A  that screening level, in [0, 1) (default 0 = off)\n"
            "  --screen-top-k K  screening: keep only the K strongest lagged candidates and the\n"
            "                K strongest contemporaneous partners per series (default 0 = all)\n"
            "  --pretty      indent the JSON\n"
            "  --format F    json (default) or dot: the graph in Graphviz DOT (end marks as\n"
            "                arrowheads, lag as label, |strength| as pen width)\n");
}

int cmd_discover(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"tau-max", required_argument, NULL, 't'},
        {"alpha", required_argument, NULL, 'a'},
        {"test", required_argument, NULL, 'T'},
        {"fdr", required_argument, NULL, 'f'},
        {"max-gap", required_argument, NULL, 'g'},
        {"max-conds", required_argument, NULL, 'c'},
        {"max-collider-nbrs", required_argument, NULL, 'n'},
        {"pretty", no_argument, NULL, 'p'},
        {"method", required_argument, NULL, 'm'},
        {"preliminary", required_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'F'},
        {"screen", no_argument, NULL, 's'},
        {"screen-alpha", required_argument, NULL, 'S'},
        {"screen-top-k", required_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *input = NULL;
    long tau_max = 3, max_gap = 3, max_conds = -1, prelim = 0, max_collider_nbrs = 0;
    long screen_top_k = 0;
    enum svar_method method = SVAR_METHOD_PCMCIPLUS;
    double alpha = 0.01, screen_alpha = 0;
    int fdr = 0, pretty = 0, dot = 0, c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            input = optarg;
            break;
        case 't':
            if (cli_int(CMD, "tau-max", optarg, 0, SVAR_TAU_MAX_LIMIT, &tau_max))
                return EXIT_BAD_INPUT;
            break;
        case 'a':
            if (cli_real(CMD, "alpha", optarg, 0, 1, 1, &alpha)) return EXIT_BAD_INPUT;
            break;
        case 'T':
            if (strcmp(optarg, "parcorr") != 0) {
                cli_error(CMD, "--test: '%s' is not supported here (use parcorr)", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        case 'f':
            if (strcmp(optarg, "bh") == 0)
                fdr = 1;
            else if (strcmp(optarg, "none") == 0)
                fdr = 0;
            else {
                cli_error(CMD, "--fdr: '%s' is not one of none, bh", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        case 'g':
            if (cli_int(CMD, "max-gap", optarg, 0, 1000000, &max_gap)) return EXIT_BAD_INPUT;
            break;
        case 'c':
            if (cli_int(CMD, "max-conds", optarg, -1, 1000000, &max_conds)) return EXIT_BAD_INPUT;
            break;
        case 'n':
            if (cli_int(CMD, "max-collider-nbrs", optarg, 0, PCMCI_COLLIDER_NBRS_CEILING,
                        &max_collider_nbrs))
                return EXIT_BAD_INPUT;
            break;
        case 'p':
            pretty = 1;
            break;
        case 's':
            screen_alpha = PCMCI_SCREEN_ALPHA_DEFAULT;
            break;
        case 'S':
            if (cli_real(CMD, "screen-alpha", optarg, 0, 1, 0, &screen_alpha))
                return EXIT_BAD_INPUT;
            if (screen_alpha >= 1) {
                cli_error(CMD, "--screen-alpha: '%s' is not a number in [0, 1)", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        case 'K':
            if (cli_int(CMD, "screen-top-k", optarg, 0, 1000000000, &screen_top_k))
                return EXIT_BAD_INPUT;
            break;
        case 'm':
            if (svar_method_parse(optarg, &method) < 0) {
                cli_error(CMD, "--method: '%s' is not one of pcmci+, lpcmci", optarg);
                return EXIT_BAD_INPUT;
            }
            break;
        case 'P':
            if (cli_int(CMD, "preliminary", optarg, 0, 10, &prelim)) return EXIT_BAD_INPUT;
            break;
        case 'F':
            if (strcmp(optarg, "dot") && strcmp(optarg, "json")) {
                cli_error(CMD, "--format: '%s' is not one of json, dot", optarg);
                return EXIT_BAD_INPUT;
            }
            dot = !strcmp(optarg, "dot");
            break;
        case 'h':
            discover_usage(stdout);
            return EXIT_OK;
        default:
            discover_usage(stderr);
            return EXIT_BAD_INPUT;
        }
    }
    if (cli_no_operands(CMD, argc, argv)) return EXIT_BAD_INPUT;
    if (method == SVAR_METHOD_LPCMCI && (screen_alpha > 0 || screen_top_k > 0)) {
        cli_error(CMD, "--screen, --screen-alpha and --screen-top-k apply to --method pcmci+ only");
        return EXIT_BAD_INPUT;
    }
    if (!input) {
        cli_error(CMD, "--input is required");
        discover_usage(stderr);
        return EXIT_BAD_INPUT;
    }

    char err[512];
    double t0 = cli_now();
    struct csv_table *tab = cli_read_csv(CMD, input);
    if (!tab) return EXIT_BAD_INPUT;
    struct svar_discover_params p;
    svar_discover_params_default(&p, (int)tau_max);
    p.method = method;
    p.n_preliminary = (int)prelim;
    p.pcmci.alpha = alpha;
    p.pcmci.max_conds_dim = (int)max_conds;
    p.pcmci.max_collider_nbrs = (int)max_collider_nbrs;
    p.pcmci.screen_alpha = screen_alpha;
    p.pcmci.screen_top_k = (int)screen_top_k;
    p.fdr_bh = fdr;
    p.max_gap = (int)max_gap;
    struct svar_discover_result res;
    if (svar_discover_run(tab->values, tab->rows, tab->ncols, &p, &res, err, sizeof err) < 0) {
        cli_error(CMD, "%s: %s", input, err);
        csv_table_free(tab);
        return EXIT_BAD_INPUT;
    }

    const char **names = xmallocarray((size_t)res.nkept, sizeof *names);
    json_t *vars = json_array();
    for (int a = 0; a < res.nkept; a++) {
        names[a] = tab->names[res.kept[a]];
        json_array_append_new(vars, json_string(names[a]));
    }
    json_t *excluded = cli_excluded_columns(CMD, input, tab, res.status, -1);
    json_t *out = json_object();
    json_object_set_new(out, "variables", vars);
    json_object_set_new(out, "method", json_string(svar_method_str(method)));
    json_object_set_new(out, "samples", json_integer(res.samples));
    json_object_set_new(out, "tau_max", json_integer(tau_max));
    json_object_set_new(out, "alpha", json_real(alpha));
    json_object_set_new(out, "test", json_string("parcorr"));
    json_object_set_new(out, "fdr", json_string(fdr ? "bh" : "none"));
    if (screen_alpha > 0 || screen_top_k > 0)
        json_object_set_new(
            out, "screen",
            json_pack("{s:f, s:I}", "alpha", screen_alpha, "top_k", (json_int_t)screen_top_k));
    json_object_set_new(out, "links", graph_json_links(res.graph, names));
    json_object_set_new(out, "excluded", excluded);
    json_object_set_new(out, "filled", json_integer(res.filled));
    json_object_set_new(
        out, "stats",
        json_pack(
            "{s:I, s:I, s:I, s:I, s:i, s:i, s:I, s:I, s:I}", "tests", (json_int_t)res.stats.tests,
            "collinear_conditions", (json_int_t)res.stats.collinear, "degenerate_tests",
            (json_int_t)res.stats.degenerate, "low_df_tests", (json_int_t)res.stats.low_df,
            "ambiguous_triples", res.stats.ambiguous_triples, "conflicts", res.stats.conflicts,
            "collider_capped_pairs", (json_int_t)res.stats.collider_capped, "screened_lagged",
            (json_int_t)res.stats.screened_lagged, "screened_contemporaneous",
            (json_int_t)res.stats.screened_contemp));
    json_object_set_new(out, "seconds", json_real(cli_now() - t0));
    json_object_set_new(out, "blas_core", json_string(blas_core_describe()));
    free(names);
    svar_discover_result_free(&res);
    csv_table_free(tab);
    if (dot) {
        char *text = graph_dot(out, "discover", err, sizeof err);
        json_decref(out);
        int bad = fputs(text, stdout) == EOF || fflush(stdout) != 0;
        free(text);
        if (bad) {
            cli_error(CMD, "writing the result failed");
            return EXIT_FAILURE_RUN;
        }
        return EXIT_OK;
    }
    if (cli_print_json(out, pretty) < 0) {
        cli_error(CMD, "writing the result failed");
        return EXIT_FAILURE_RUN;
    }
    return EXIT_OK;
}
