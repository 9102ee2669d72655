#!/usr/bin/env bash
# bench/rca-petshop - `causalmon rca` on every PetShop issue that has a normal period
# (../shared/data/petshop, Hardt et al., CLeaR 2024; low_traffic and high_traffic: 52 issues).
# Each issue's 5 rows are re-timed to continue the ~49 h normal period; the SLO timestamp is the
# fault time, the violated SLO (node|metric|Average) the KPI. The graph is learned (PCMCI+,
# tau_max 1) from that data alone; nothing of the true graph is used. Ranking is at node level
# (component map "regex:^([^|]*)\|"): is the true root-cause node 1st, in the top 3, top 5?
# The causal ranking and the graph-free one (BARO) are printed side by side.
# usage: [RCA_ARGS="--deseason ..."] bench/rca-petshop.sh [CAUSALMON] [PETSHOP_DATASET_DIR]
# RCA_ARGS: extra `causalmon rca` options for every issue (to compare settings).
set -u
BIN=${1:-build/causalmon}
DATA=${2:-$(dirname "$0")/../../shared/data/petshop/dataset}
if [ ! -d "$DATA" ]; then
  echo "bench/rca-petshop: $DATA not found (the shared PetShop data); nothing measured"
  exit 0
fi
command -v jq > /dev/null || { echo "bench/rca-petshop: needs jq"; exit 1; }
read -ra EXTRA <<< "${RCA_ARGS:-}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# to_csv NORMAL ISSUE OUT: one header (node|metric|stat), the normal rows, then the issue rows
# re-timed to continue every 300 s; prints the map "old_time new_time" of the issue rows.
to_csv() {
  awk -F, -v issue="$2" -v out="$3" '
    FNR == 1 && FILENAME != issue { for (i = 2; i <= NF; i++) node[i] = $i; n = NF; next }
    FNR == 2 && FILENAME != issue { for (i = 2; i <= NF; i++) met[i] = $i; next }
    FNR == 3 && FILENAME != issue {
      printf "time" > out
      for (i = 2; i <= n; i++) { name = node[i] "|" met[i] "|" $i; printf ",%s", name > out; col[name] = i }
      printf "\n" > out; next }
    FNR <= 4 && FILENAME != issue { next }
    FILENAME != issue { print > out; last = $1; next }
    FNR == 1 { for (i = 2; i <= NF; i++) inode[i] = $i; next }
    FNR == 2 { for (i = 2; i <= NF; i++) imet[i] = $i; next }
    FNR == 3 { for (i = 2; i <= NF; i++) { k = inode[i] "|" imet[i] "|" $i; if (k in col) pos[col[k]] = i }; next }
    FNR == 4 { next }
    { last += 300; printf "%.1f", last > out
      for (c = 2; c <= n; c++) printf ",%s", (c in pos) ? $(pos[c]) : "" > out
      printf "\n" > out; printf "%d %d\n", $1, last }' "$1" "$2"
}

printf "%-14s %-13s %3s | %-17s | %-17s\n" scenario target n "causal t1 t3 t5" "baro   t1 t3 t5"
declare -A N T1 T3 T5 B1 B3 B5
for scen in low_traffic high_traffic temporal_traffic1 temporal_traffic2; do
  normal="$DATA/$scen/noissue/metrics.csv"
  if [ ! -f "$normal" ]; then echo "# $scen: no normal period, skipped"; continue; fi
  for dir in "$DATA/$scen"/train/issue_* "$DATA/$scen"/test/issue_*; do
    t="$dir/target.json"
    node=$(jq -r .target.node "$t"); metric=$(jq -r .target.metric "$t")
    agg=$(jq -r .target.agg "$t"); ts=$(jq -r .target.timestamp "$t")
    root=$(jq -r .root_cause.node "$t")
    to_csv "$normal" "$dir/metrics.csv" "$TMP/x.csv" > "$TMP/map"
    fault=$(awk -v ts="$ts" '$1 <= ts { f = $2 } END { print f }' "$TMP/map")
    "$BIN" rca --input "$TMP/x.csv" --fault-time "$fault" --kpi "$node|$metric|$agg" \
      --component-map 'regex:^([^|]*)\|' --tau-max 1 --top 5 "${EXTRA[@]}" > "$TMP/out.json" 2> "$TMP/err" ||
      { echo "# $dir: $(tail -1 "$TMP/err")"; continue; }
    rc=$(jq --arg r "$root" '[.components[].component] | index($r) // 99' "$TMP/out.json")
    rb=$(jq --arg r "$root" '[.baseline.components[].component] | index($r) // 99' "$TMP/out.json")
    for k in "$scen $metric" "all"; do
      N[$k]=$((${N[$k]:-0} + 1))
      T1[$k]=$((${T1[$k]:-0} + (rc < 1))); T3[$k]=$((${T3[$k]:-0} + (rc < 3))); T5[$k]=$((${T5[$k]:-0} + (rc < 5)))
      B1[$k]=$((${B1[$k]:-0} + (rb < 1))); B3[$k]=$((${B3[$k]:-0} + (rb < 3))); B5[$k]=$((${B5[$k]:-0} + (rb < 5)))
    done
    [ -n "${VERBOSE:-}" ] && echo "  $dir: $metric of $node, root $root: causal rank $((rc + 1)), baro rank $((rb + 1)); top $(jq -r '[.components[:3][].component] | join(", ")' "$TMP/out.json")"
  done
done
for k in "${!N[@]}"; do
  n=${N[$k]}
  printf "%-28s %3d | %5.2f %5.2f %5.2f | %5.2f %5.2f %5.2f\n" "$k" "$n" \
    "$(bc -l <<< "${T1[$k]}/$n")" "$(bc -l <<< "${T3[$k]}/$n")" "$(bc -l <<< "${T5[$k]}/$n")" \
    "$(bc -l <<< "${B1[$k]}/$n")" "$(bc -l <<< "${B3[$k]}/$n")" "$(bc -l <<< "${B5[$k]}/$n")"
done | sort
