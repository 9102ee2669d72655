#!/usr/bin/env bash
# causalmon discover/simulate end to end: real binary, real files, exit codes and messages.
# usage: test_discover_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
DATA=$2/discover
. "$(dirname "$0")/lib.sh"

# --- good input -------------------------------------------------------------------------------
expect_exit "simulate_writes_csv_and_truth" 0 "" \
  "$BIN" simulate --vars 6 --samples 600 --tau-max 2 --seed 3 --out "$TMP/sim.csv" --truth "$TMP/truth.json"
expect_in "simulate_truth_is_graph_json" "$TMP/truth.json" '"variables"' '"links"' '"lag"'
expect_exit "discover_on_simulated_data_succeeds" 0 "" "$BIN" discover --input "$TMP/sim.csv" --tau-max 2
cp "$TMP/out" "$TMP/graph.json"
expect_in "discover_prints_graph_json_contract" "$TMP/graph.json" \
  '"variables":["x0","x1","x2","x3","x4","x5"]' '"samples":596' '"tau_max":2' '"alpha":0.01' \
  '"test":"parcorr"' '"links":[{"from":' '"type":"-->"' '"strength":' '"pvalue":' '"seconds":'
expect_exit "discover_reads_stdin" 0 "" sh -c "\"$BIN\" discover --input - < \"$TMP/sim.csv\""
expect_exit "discover_fdr_bh_reports_q_values" 0 "" "$BIN" discover --input "$TMP/sim.csv" --fdr bh
expect_in "discover_fdr_bh_output" "$TMP/out" '"fdr":"bh"' '"qvalue":'

# Candidate screening is off by default (nothing screened, no "screen" object); --screen judges
# candidates by their marginal correlation first and runs fewer conditional tests.
expect_in "discover_screens_nothing_by_default" "$TMP/graph.json" '"screened_lagged":0' \
  '"screened_contemporaneous":0'
if grep -q '"screen":' "$TMP/graph.json"; then
  bad "discover_default_output_has_no_screen_object" "found \"screen\" in the default output"
else
  ok "discover_default_output_has_no_screen_object"
fi
expect_exit "discover_with_screening_succeeds" 0 "" \
  "$BIN" discover --input "$TMP/sim.csv" --tau-max 2 --screen
expect_in "discover_screen_reported" "$TMP/out" '"screen":{"alpha":0.1,"top_k":0}'
tests_of() { sed -n 's/.*"tests":\([0-9]*\).*/\1/p' "$1"; }
screened_of() { sed -n 's/.*"screened_lagged":\([0-9]*\).*/\1/p' "$1"; }
if [ "$(tests_of "$TMP/out")" -lt "$(tests_of "$TMP/graph.json")" ] &&
  [ "$(screened_of "$TMP/out")" -gt 0 ]; then
  ok "discover_screen_runs_fewer_tests"
else
  bad "discover_screen_runs_fewer_tests" "tests $(tests_of "$TMP/out") screened" \
    "$(screened_of "$TMP/out") against $(tests_of "$TMP/graph.json") unscreened"
fi
expect_exit "discover_screen_top_k_succeeds" 0 "" \
  "$BIN" discover --input "$TMP/sim.csv" --tau-max 2 --screen-top-k 2
expect_in "discover_screen_top_k_reported" "$TMP/out" '"screen":{"alpha":0.0,"top_k":2}'
expect_exit "bad_screen_alpha_exits_2" 2 "--screen-alpha: '1' is not a number in [0, 1)" \
  "$BIN" discover --input "$TMP/sim.csv" --screen-alpha 1
expect_exit "screening_with_lpcmci_exits_2" 2 "apply to --method pcmci+ only" \
  "$BIN" discover --input "$TMP/sim.csv" --method lpcmci --screen

# OpenBLAS kernels: a core type the user sets is kept; a selected one is kept only after the
# self-check (dgemm and dsyrk against plain loops) passes in the re-executed process.
expect_exit "user_core_type_is_respected" 0 "" \
  env -u CAUSALMON_BLAS_CORE OPENBLAS_CORETYPE=Haswell "$BIN" discover --input "$TMP/sim.csv"
expect_in "user_core_type_reported" "$TMP/out" '"blas_core":"Haswell (OpenBLAS default)"'
if grep -q avx512f /proc/cpuinfo && grep -q avx512bw /proc/cpuinfo; then
  expect_exit "selected_core_type_passes_self_check" 0 "" \
    env CAUSALMON_BLAS_CORE=trial OPENBLAS_CORETYPE=SkylakeX "$BIN" discover --input "$TMP/sim.csv"
  expect_in "selected_core_type_reported" "$TMP/out" \
    '"blas_core":"SkylakeX (selected, self-check passed)"'
fi

# A file with a UTF-8 byte order mark, CR-only line endings and NA cells (as R writes): the time
# column is recognised, NA is a missing value.
awk -F, 'BEGIN { OFS = "," } NR == 1 { printf "\357\273\277" } NR % 97 == 0 { $3 = "NA" }
  { printf "%s\r", $0 }' "$TMP/sim.csv" >"$TMP/bom_cr_na.csv"
expect_exit "bom_cr_only_and_na_file_is_read" 0 "" "$BIN" discover --input "$TMP/bom_cr_na.csv" --tau-max 2
expect_in "bom_file_time_column_is_not_a_variable" "$TMP/out" \
  '"variables":["x0","x1","x2","x3","x4","x5"]' '"filled":6'

# A constant column is reported and left out; empty cells are missing values.
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"flat"; next} {if (NR%50==0) $3=""; print $0,"7"}' \
  "$TMP/sim.csv" >"$TMP/flat.csv"
expect_exit "constant_column_is_reported_not_fatal" 0 "column 'flat' left out: constant" \
  "$BIN" discover --input "$TMP/flat.csv"
expect_in "constant_column_in_excluded" "$TMP/out" \
  '"excluded":[{"variable":"flat","reason":"constant"}]' '"filled":12'
if grep -q '"variables":\[[^]]*"flat"' "$TMP/out" || grep -qi 'nan' "$TMP/out"; then
  bad "constant_column_gives_no_nan_links" "output mentions flat or nan"
else
  ok "constant_column_gives_no_nan_links"
fi

# --- bad input: exit 2 with file, line and column ---------------------------------------------
expect_exit "missing_file_exits_2" 2 "$TMP/nope.csv: cannot open" "$BIN" discover --input "$TMP/nope.csv"
expect_exit "empty_file_exits_2" 2 "empty.csv: empty file" "$BIN" discover --input "$DATA/empty.csv"
expect_exit "non_numeric_cell_exits_2" 2 "non_numeric.csv:3:5: column 'b': 'x7' is not a number" \
  "$BIN" discover --input "$DATA/non_numeric.csv"
expect_exit "ragged_row_exits_2" 2 "ragged.csv:3:4: expected 3 fields as in the header, found 2" \
  "$BIN" discover --input "$DATA/ragged.csv"
expect_exit "too_few_samples_exits_2" 2 "too_few_rows.csv: 3 rows, fewer than 2*tau_max+10 = 16 needed" \
  "$BIN" discover --input "$DATA/too_few_rows.csv"
expect_exit "too_many_columns_exits_2" 2 "too_many_columns.csv:1: 1001 data columns exceed the limit of 1000" \
  "$BIN" discover --input "$DATA/too_many_columns.csv"
expect_exit "time_not_increasing_exits_2" 2 "time_not_increasing.csv:3:1: column 'time'" \
  "$BIN" discover --input "$DATA/time_not_increasing.csv"
"$BIN" simulate --vars 200 --samples 300 --tau-max 1 --out "$TMP/wide.csv"
# Complete data uses lag blocks: 200 series at tau_max 20 run. With a leading missing value (not
# an interior gap, so it stays missing) the full embedded matrix is needed and its limit applies.
expect_exit "wide_complete_data_runs_on_lag_blocks" 0 "" \
  "$BIN" discover --input "$TMP/wide.csv" --tau-max 20
awk -F, 'BEGIN { OFS = "," } NR == 2 { $2 = "" } { print }' "$TMP/wide.csv" >"$TMP/wide_gap.csv"
expect_exit "embedded_dimension_limit_exits_2" 2 "embedded dimension of 8200, above the limit of 4096" \
  "$BIN" discover --input "$TMP/wide_gap.csv" --tau-max 20
# tau_max has one bound shared with the configuration and the other commands.
expect_exit "tau_max_above_the_shared_limit_exits_2" 2 "--tau-max: '21' is not an integer in [0, 20]" \
  "$BIN" discover --input "$TMP/wide.csv" --tau-max 21
expect_exit "bad_alpha_exits_2" 2 "--alpha: '1.5' is not a number in (0, 1)" \
  "$BIN" discover --input "$TMP/sim.csv" --alpha 1.5
expect_exit "bad_tau_max_exits_2" 2 "--tau-max: 'x' is not an integer" \
  "$BIN" discover --input "$TMP/sim.csv" --tau-max x
expect_exit "unsupported_test_exits_2" 2 "--test: 'kci' is not supported" \
  "$BIN" discover --input "$TMP/sim.csv" --test kci
expect_exit "missing_input_option_exits_2" 2 "--input is required" "$BIN" discover
expect_exit "unknown_command_exits_2" 2 "unknown command 'frobnicate'" "$BIN" frobnicate
expect_exit "help_exits_0" 0 "" "$BIN" --help

finish
