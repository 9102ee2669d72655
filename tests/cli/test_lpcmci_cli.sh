#!/usr/bin/env bash
# Discovery with hidden common causes end to end: simulate --hidden writes the observed columns
# and the true PAG; discover --method lpcmci prints a PAG with the same input rules as PCMCI+;
# the scope option method is checked like every other option.
# usage: test_lpcmci_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
DATA=$2/discover
. "$(dirname "$0")/lib.sh"

expect_exit "simulate_hidden_writes_observed_columns" 0 "" \
  "$BIN" simulate --vars 12 --samples 1000 --tau-max 2 --seed 3 --hidden 2 --out "$TMP/h.csv" --truth "$TMP/t.json"
cols=$(head -1 "$TMP/h.csv" | tr ',' '\n' | wc -l)
if [ "$cols" -eq 11 ]; then ok "simulate_hidden_leaves_hidden_columns_out"; else
  bad "simulate_hidden_leaves_hidden_columns_out" "header has $cols fields, wanted 11 (time + 10)"; fi
expect_in "simulate_hidden_truth_has_pag_mag_and_hidden" "$TMP/t.json" '"hidden": [' '"mag_links": [' \
  '"links": [' '"type": "<->"'
leak=""
for h in $(grep -o '"hidden": \[[^]]*\]' "$TMP/t.json" | grep -o 'x[0-9]*'); do
  head -1 "$TMP/h.csv" | tr ',' '\n' | grep -qx "$h" && leak="$leak $h"
done
if [ -z "$leak" ]; then ok "hidden_series_not_in_csv"; else
  bad "hidden_series_not_in_csv" "in the CSV header:$leak"; fi
expect_exit "simulate_too_many_hidden_exits_2" 2 "--hidden: 11 is more than --vars - 2" \
  "$BIN" simulate --vars 12 --hidden 11

expect_exit "discover_lpcmci_succeeds" 0 "" "$BIN" discover --input "$TMP/h.csv" --method lpcmci --tau-max 2
cp "$TMP/out" "$TMP/pag.json"
expect_in "discover_lpcmci_prints_pag_json" "$TMP/pag.json" '"method":"lpcmci"' '"links":[{"from":' \
  '"samples":998' '"tau_max":2'
types=$(grep -o '"type":"[^"]*"' "$TMP/pag.json" | sort -u | tr '\n' ' ')
if echo "$types" | grep -qv '^\("type":"\(-->\|<->\|o->\|o-o\)" \)*$'; then
  bad "discover_lpcmci_prints_only_pag_marks" "types: $types"
else
  ok "discover_lpcmci_prints_only_pag_marks"
fi
expect_exit "discover_pcmci_plus_is_the_default" 0 "" "$BIN" discover --input "$TMP/h.csv" --tau-max 2
expect_in "discover_default_method_named" "$TMP/out" '"method":"pcmci+"'

# Same bad-input rules as PCMCI+.
expect_exit "lpcmci_non_numeric_cell_exits_2" 2 "non_numeric.csv:3:5: column 'b': 'x7' is not a number" \
  "$BIN" discover --method lpcmci --input "$DATA/non_numeric.csv"
expect_exit "lpcmci_too_few_rows_exits_2" 2 "too_few_rows.csv: 3 rows, fewer than 2*tau_max+10 = 16 needed" \
  "$BIN" discover --method lpcmci --input "$DATA/too_few_rows.csv"
expect_exit "lpcmci_missing_file_exits_2" 2 "$TMP/nope.csv: cannot open" \
  "$BIN" discover --method lpcmci --input "$TMP/nope.csv"
expect_exit "unknown_method_exits_2" 2 "--method: 'fci' is not one of pcmci+, lpcmci" \
  "$BIN" discover --method fci --input "$TMP/h.csv"
expect_exit "bad_preliminary_exits_2" 2 "--preliminary" \
  "$BIN" discover --method lpcmci --preliminary 99 --input "$TMP/h.csv"

# The scope option.
printf 'scopes:\n  - {name: s, match: ["a*"], method: lpcmci}\n' >"$TMP/good.yaml"
expect_exit "scope_method_lpcmci_passes_check" 0 "" "$BIN" run --check-config "$TMP/good.yaml"
printf 'scopes:\n  - {name: s, match: ["a*"], method: fci}\n' >"$TMP/bad.yaml"
expect_exit "scope_method_unknown_exits_2" 2 "bad.yaml:2:38: 'method': 'fci' is not one of pcmci+ lpcmci" \
  "$BIN" run --check-config "$TMP/bad.yaml"
expect_exit "reference_lists_method" 0 "" "$BIN" run --config-reference
expect_in "reference_has_scope_method" "$TMP/out" "scopes[].method (choice, default pcmci+"
finish
