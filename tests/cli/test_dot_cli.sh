#!/usr/bin/env bash
# `causalmon discover --format dot`: the graph JSON's variables and links as a Graphviz digraph
# (every link one edge with its lag, end marks and pen width); names with quotes are escaped;
# a bad --format is refused. (query graph --format dot is proven in test_web_ui_shows_graph_and_alert_path.sh.)
# usage: test_dot_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
. "$(dirname "$0")/lib.sh"

"$BIN" simulate --vars 5 --samples 500 --tau-max 2 --seed 7 --out "$TMP/sim.csv" 2>/dev/null
"$BIN" discover --input "$TMP/sim.csv" --tau-max 2 >"$TMP/graph.json"
expect_exit "discover_format_dot_succeeds" 0 "" "$BIN" discover --input "$TMP/sim.csv" --tau-max 2 --format dot
cp "$TMP/out" "$TMP/graph.dot"
expect_in "dot_is_a_digraph_with_every_variable" "$TMP/graph.dot" 'digraph "discover" {' \
  '"x0";' '"x1";' '"x2";' '"x3";' '"x4";'
links=$(jq '.links | length' "$TMP/graph.json")
edges=$(grep -c -- ' -> ' "$TMP/graph.dot")
if [ "$links" -gt 0 ] && [ "$links" = "$edges" ]; then ok "dot_has_one_edge_per_link ($edges)"
else bad "dot_has_one_edge_per_link" "links $links, edges $edges"; fi
# every link of the JSON appears with its lag as label
miss=0
while read -r from to lag; do
  grep -qF "\"$from\" -> \"$to\" [label=\"lag $lag\"" "$TMP/graph.dot" || miss=$((miss + 1))
done < <(jq -r '.links[] | "\(.from) \(.to) \(.lag)"' "$TMP/graph.json")
if [ "$miss" = 0 ]; then ok "dot_edges_carry_from_to_and_lag"; else bad "dot_edges_carry_from_to_and_lag" "$miss missing"; fi
expect_in "dot_edges_have_arrowheads_and_pen_width" "$TMP/graph.dot" 'arrowhead=normal' 'penwidth='

# a PAG (lpcmci) has circle marks: o-> becomes arrowtail=odot
"$BIN" discover --input "$TMP/sim.csv" --tau-max 2 --method lpcmci >"$TMP/pag.json"
"$BIN" discover --input "$TMP/sim.csv" --tau-max 2 --method lpcmci --format dot >"$TMP/pag.dot"
circ=$(jq '[.links[] | select(.type | startswith("o"))] | length' "$TMP/pag.json")
odot=$(grep -c 'arrowtail=odot' "$TMP/pag.dot")
if [ "$circ" = "$odot" ]; then ok "dot_circle_marks_follow_the_pag ($circ)"
else bad "dot_circle_marks_follow_the_pag" "JSON $circ, DOT $odot"; fi

# a name with a double quote and a backslash is escaped
printf 'a"b,c\\d,e\n' >"$TMP/q.csv"
awk 'BEGIN { srand(3); for (i = 0; i < 400; i++) { x = rand(); printf "%f,%f,%f\n", x, x + rand() * 0.1, rand() } }' >>"$TMP/q.csv"
expect_exit "dot_quoted_names_succeed" 0 "" "$BIN" discover --input "$TMP/q.csv" --tau-max 1 --format dot
expect_in "dot_escapes_quotes_and_backslashes" "$TMP/out" '"a\"b";' '"c\\d";'

expect_exit "bad_format_is_refused" 2 "--format: 'svg' is not one of json, dot" \
  "$BIN" discover --input "$TMP/sim.csv" --format svg
finish
