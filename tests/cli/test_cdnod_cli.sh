#!/usr/bin/env bash
# causalmon cdnod end to end: real binary, real files, exit codes and messages.
# usage: test_cdnod_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
DATA=$2/discover
. "$(dirname "$0")/lib.sh"

"$BIN" simulate --vars 6 --samples 1200 --tau-max 2 --seed 4 --change mean_shift \
  --out "$TMP/shift.csv" --truth "$TMP/truth.json"
changed=$(grep -o '"variable": "x[0-9]*"' "$TMP/truth.json" | head -1 | cut -d'"' -f4)
expect_exit "cdnod_finds_a_mean_shift" 0 "" "$BIN" cdnod --input "$TMP/shift.csv"
expect_in "cdnod_reports_changed_variable_kind_and_driving_force" "$TMP/out" \
  "\"changed\":[{\"variable\":\"$changed\"" '"kind":"mean"' '"before":{"segment":0' \
  '"after":{"segment":3' '"noise_sd":' '"context":{"type":"time","segments":4}' '"links":['
expect_exit "cdnod_with_two_segments" 0 "" "$BIN" cdnod --input "$TMP/shift.csv" --segments 2 --test chow
expect_in "cdnod_segments_context_in_output" "$TMP/out" '"context":{"type":"segments","segments":2}' \
  '"test":"chow"' "\"variable\":\"$changed\""

# A categorical context column: 0 before the change, 1 after.
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"regime"; next} {print $0, (NR-2 >= 600 ? 1 : 0)}' \
  "$TMP/shift.csv" >"$TMP/ctx.csv"
expect_exit "cdnod_with_context_column" 0 "" "$BIN" cdnod --input "$TMP/ctx.csv" --context regime
expect_in "cdnod_context_column_is_not_a_variable" "$TMP/out" '"context":{"type":"column","segments":2,"column":"regime"}' \
  "\"variable\":\"$changed\""
if grep -q '"variables":\[[^]]*"regime"' "$TMP/out"; then bad "context_column_left_out_of_variables"; else ok "context_column_left_out_of_variables"; fi

"$BIN" simulate --vars 5 --samples 1500 --tau-max 2 --seed 8 --season 96 --out "$TMP/season.csv"
expect_exit "cdnod_on_seasonal_data" 0 "" "$BIN" cdnod --input "$TMP/season.csv"
expect_in "cdnod_seasonal_cycle_is_removed_not_a_change" "$TMP/out" '"changed":[]' '"period":96'

# Collinear (singular) parents: a column that is exactly twice another.
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"twice"; next} {print $0, 2*$2}' "$TMP/shift.csv" >"$TMP/sing.csv"
expect_exit "cdnod_singular_parent_set_runs" 0 "" "$BIN" cdnod --input "$TMP/sing.csv"
if grep -qi 'nan' "$TMP/out"; then bad "singular_parent_set_gives_no_nan"; else ok "singular_parent_set_gives_no_nan"; fi

# KCI (O(n^3)) on a short window.
head -301 "$TMP/shift.csv" >"$TMP/kci.csv"
expect_exit "cdnod_with_kci" 0 "" "$BIN" cdnod --input "$TMP/kci.csv" --test kci --segments 2
expect_in "cdnod_kci_output" "$TMP/out" '"test":"kci"' '"changed":['

# Bad input: exit 2 with a message that says what and where.
awk -F, 'BEGIN{OFS=","} NR==1{print $0,"one"; next} {print $0, 7}' "$TMP/shift.csv" >"$TMP/one.csv"
expect_exit "context_with_one_value_exits_2" 2 "context column 'one' has one value" \
  "$BIN" cdnod --input "$TMP/one.csv" --context one
expect_exit "unknown_context_column_exits_2" 2 "no column named 'nope' for --context" \
  "$BIN" cdnod --input "$TMP/shift.csv" --context nope
expect_exit "context_and_segments_exit_2" 2 "--context and --segments exclude each other" \
  "$BIN" cdnod --input "$TMP/ctx.csv" --context regime --segments 3
head -301 "$TMP/shift.csv" >"$TMP/short.csv"
expect_exit "too_small_segment_exits_2" 2 "segment 0 has 1 row(s), fewer than 5 needed" \
  "$BIN" cdnod --input "$TMP/short.csv" --segments 100
expect_exit "bad_test_exits_2" 2 "--test: 'magic' is not one of fisherz, chow, rcit, kci" \
  "$BIN" cdnod --input "$TMP/shift.csv" --test magic
expect_exit "non_numeric_cell_exits_2" 2 "non_numeric.csv:3:5: column 'b'" \
  "$BIN" cdnod --input "$DATA/non_numeric.csv"
expect_exit "missing_file_exits_2" 2 "nope.csv: cannot open" "$BIN" cdnod --input "$TMP/nope.csv"

finish
