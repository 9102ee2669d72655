#!/usr/bin/env bash
# bench/rca-real - `causalmon rca` on every real incident set found under ../shared/data (the
# project's evaluation data, not shipped with the project; nothing is measured without it):
#
#   petshop   PetShop (Hardt et al., CLeaR 2024): the issues that have a normal period
#             (low_traffic, high_traffic: 52). Each issue's 5 rows are re-timed to continue the
#             ~49 h normal period; the SLO timestamp is the fault time, the violated SLO
#             (node|metric|Average) the KPI. Type = scenario and SLO metric.
#   boutique  Online Boutique from the Nezha artifact (Yu et al., ESEC/FSE 2023): two days of
#             1-minute pod metrics, 56 injections. The pods' files are merged on the minute into
#             one table (columns service|metric; the frontend's SLO file as frontend|slo_*;
#             the per-edge latency callers measure, source_50.csv, as the callee's series
#             CALLEE|call_latency_from_CALLER(s); EDGES=0 leaves them out).
#             Each case: reference the hour before the injection (60 rows, which hold the
#             earlier injections of that hour; REF=prev starts it at the previous injection
#             instead), incident the 10 rows from the injection on, cut at the next injection
#             (CUT=0: always 10).
#             No --kpi: causalmon picks its KPI itself. Type = inject_type; the code-level
#             faults (return, exception) leave no trace in metrics and are reported apart.
#
# The graph is learned from each case alone. The set's call graph (PetShop graph.csv, Online
# Boutique dependency.csv: who calls whom, what a service map gives) is passed as --calls
# unless CALLS=0; no true causal graph or root cause is used. Ranking at component level
# (component map "regex:^([^|]*)\|"). Printed per set and per type: top-1, top-3, top-5 and
# Avg@5 (mean of top-1..top-5) for the causal ranking, causalmon's own graph-free ranking (its
# robust evidence alone) and random ranking (k / components), and the median seconds per case.
# usage: [SETS="petshop boutique"] [REF=hour|prev] [EDGES=1|0] [CUT=1|0] [CALLS=1|0] [RCA_ARGS="..."] [VERBOSE=1]
#        bench/rca-real.sh [CAUSALMON] [DATA_DIR]
set -u
BIN=${1:-build/causalmon}
DATA=${2:-$(dirname "$0")/../../shared/data}
SETS=${SETS:-petshop boutique}
if [ ! -d "$DATA" ]; then
  echo "bench/rca-real: $DATA not found (the shared evaluation data); nothing measured"
  exit 0
fi
command -v jq > /dev/null || { echo "bench/rca-real: needs jq"; exit 1; }
read -ra EXTRA <<< "${RCA_ARGS:-}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CMAP='regex:^([^|]*)\|'
. "$(dirname "$0")/real-sets.sh"

declare -A N C1 C3 C5 CA G1 G3 G5 GA R1 R3 R5 RA SECS

# score SET TYPE ROOT OUT.json SECONDS: adds one case to the tallies of "SET" and "SET TYPE".
score() {
  local set=$1 type=$2 root=$3 out=$4 secs=$5
  local rc rg nc
  rc=$(jq --arg r "$root" '[.components[].component] | index($r) // 99' "$out")
  rg=$(jq --arg r "$root" '[.baseline.components[].component] | index($r) // 99' "$out")
  nc=$(jq '.components | length' "$out")
  for k in "$set" "$set $type"; do
    N[$k]=$((${N[$k]:-0} + 1))
    C1[$k]=$((${C1[$k]:-0} + (rc < 1))); C3[$k]=$((${C3[$k]:-0} + (rc < 3))); C5[$k]=$((${C5[$k]:-0} + (rc < 5)))
    G1[$k]=$((${G1[$k]:-0} + (rg < 1))); G3[$k]=$((${G3[$k]:-0} + (rg < 3))); G5[$k]=$((${G5[$k]:-0} + (rg < 5)))
    # Avg@5 = mean of top-1..top-5 = max(0, 5 - rank0) / 5 per case
    CA[$k]=$((${CA[$k]:-0} + (rc < 5 ? 5 - rc : 0))); GA[$k]=$((${GA[$k]:-0} + (rg < 5 ? 5 - rg : 0)))
    # random: expected top-k is min(1, k / components), kept in thousandths
    R1[$k]=$((${R1[$k]:-0} + 1000 / nc)); R3[$k]=$((${R3[$k]:-0} + (nc < 3 ? 1000 : 3000 / nc)))
    R5[$k]=$((${R5[$k]:-0} + (nc < 5 ? 1000 : 5000 / nc)))
    for ((a = 1; a <= 5; a++)); do RA[$k]=$((${RA[$k]:-0} + (nc < a ? 1000 : a * 1000 / nc))); done
    SECS[$k]="${SECS[$k]:-} $secs"
  done
  if [ -n "${VERBOSE:-}" ]; then
    echo "  $set $type root $root: causal rank $((rc + 1)), graph-free rank $((rg + 1)); kpi $(jq -r .kpi "$out"); top $(jq -r '[.components[:3][].component] | join(", ")' "$out")"
  fi
}

# run_rca OUT ARGS...: runs causalmon rca, prints the seconds it took; fails on an error.
run_rca() {
  local out=$1; shift
  local t0 t1
  t0=$(date +%s%N)
  "$BIN" rca "$@" --component-map "$CMAP" --top 5 "${EXTRA[@]}" > "$out" 2> "$TMP/err" || return 1
  t1=$(date +%s%N)
  echo "$(((t1 - t0) / 1000000))"
}

# calls_arg FILE: sets CALLS_ARGS to (--calls CSV) with the set's call graph, or to nothing
# (CALLS=0, or no such file). A caller,callee edge list is passed as it is; an adjacency matrix
# (header ",a,b,...", rows "a,0,1,...", caller -> callee) is turned into one first.
calls_arg() {
  CALLS_ARGS=()
  [ "${CALLS:-1}" = 1 ] && [ -f "$1" ] || return 0
  if head -1 "$1" | grep -qiE '(^|,)(caller|source)(,|$)'; then CALLS_ARGS=(--calls "$1"); return; fi
  awk -F, 'NR == 1 { for (i = 2; i <= NF; i++) name[i] = $i; print "caller,callee"; next }
    { for (i = 2; i <= NF; i++) if ($i + 0 == 1) print $1 "," name[i] }' "$1" > "$TMP/calls.csv"
  CALLS_ARGS=(--calls "$TMP/calls.csv")
}

# ---- PetShop -------------------------------------------------------------------------------
# petshop_csv NORMAL ISSUE OUT: one header (node|metric|stat), the normal rows, then the issue
# rows re-timed to continue every 300 s; prints the map "old_time new_time" of the issue rows.
petshop_csv() {
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

bench_petshop() {
  local root_dir="$DATA/petshop/dataset" scen dir t node metric agg ts root fault secs
  [ -d "$root_dir" ] || { echo "# petshop: $root_dir not found, skipped"; return; }
  for scen in low_traffic high_traffic temporal_traffic1 temporal_traffic2; do
    [ -f "$root_dir/$scen/noissue/metrics.csv" ] || continue
    for dir in "$root_dir/$scen"/train/issue_* "$root_dir/$scen"/test/issue_*; do
      t="$dir/target.json"
      node=$(jq -r .target.node "$t"); metric=$(jq -r .target.metric "$t")
      agg=$(jq -r .target.agg "$t"); ts=$(jq -r .target.timestamp "$t")
      root=$(jq -r .root_cause.node "$t")
      petshop_csv "$root_dir/$scen/noissue/metrics.csv" "$dir/metrics.csv" "$TMP/x.csv" > "$TMP/map"
      calls_arg "$root_dir/$scen/graph.csv"
      fault=$(awk -v ts="$ts" '$1 <= ts { f = $2 } END { print f }' "$TMP/map")
      secs=$(run_rca "$TMP/out.json" --input "$TMP/x.csv" --fault-time "$fault" \
        --kpi "$node|$metric|$agg" --tau-max 1 "${CALLS_ARGS[@]}") || { echo "# refused: $dir: $(tail -1 "$TMP/err")"; N[petshop refused]=$((${N[petshop refused]:-0} + 1)); continue; }
      score petshop "$scen-$metric" "$root" "$TMP/out.json" "$secs"
    done
  done
}

# ---- Online Boutique -----------------------------------------------------------------------
bench_boutique() {
  local day secs ft prev ref pod type root when cls after next fi faults
  [ -d "$DATA/boutique" ] || { echo "# boutique: $DATA/boutique not found, skipped"; return; }
  for day in "$DATA"/boutique/*/; do
    [ -f "$day/fault_list.json" ] || continue
    boutique_csv "$day" "$TMP/b.csv"
    calls_arg "$day/metric/dependency.csv"
    prev=0
    mapfile -t faults < <(jq -r '[to_entries[].value[]] | sort_by(.inject_time)[] | [.inject_time, .inject_pod, .inject_type] | @tsv' "$day/fault_list.json")
    for ((fi = 0; fi < ${#faults[@]}; fi++)); do
      IFS=$'\t' read -r when pod type <<< "${faults[fi]}"
      ft=$(date -u -d "$when" +%s)
      after=10
      if [ "${CUT:-1}" = 1 ] && ((fi + 1 < ${#faults[@]})); then
        next=$(date -u -d "$(cut -f1 <<< "${faults[fi + 1]}")" +%s)
        # rows are whole minutes: the rows before the one holding the next injection
        ((next / 60 - ft / 60 < after)) && after=$((next / 60 - ft / 60))
        ((after < 1)) && after=1
      fi
      ref=60
      if [ "${REF:-hour}" = prev ] && [ "$prev" -gt 0 ] && [ $(((ft - prev) / 60)) -lt 60 ]; then
        ref=$(((ft - prev) / 60))
      fi
      prev=$ft
      root=$(sed -E 's/-[^-]*-[^-]*$//' <<< "$pod")
      case $type in return | exception) cls=code ;; *) cls=resource ;; esac
      secs=$(run_rca "$TMP/out.json" --input "$TMP/b.csv" --fault-time "$ft" --reference "$ref" \
        --after "$after" "${CALLS_ARGS[@]}") || { echo "# refused: boutique $when $pod: $(tail -1 "$TMP/err")"; N[boutique refused]=$((${N[boutique refused]:-0} + 1)); continue; }
      score "boutique-$cls" "$type" "$root" "$TMP/out.json" "$secs"
    done
  done
}

for s in $SETS; do "bench_$s"; done

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] / 1000 : 0 }'; }
f() { bc -l <<< "scale=3; $1" | sed 's/^\./0./'; }
printf "%-34s %3s | %-23s | %-23s | %-23s | %s\n" "set / type" n "causal t1 t3 t5 avg5" \
  "graph-free t1 t3 t5 avg5" "random t1 t3 t5 avg5" "s/case"
for k in "${!N[@]}"; do
  n=${N[$k]}
  case $k in *refused) printf "%-34s %3d\n" "$k" "$n"; continue ;; esac
  printf "%-34s %3d | %5s %5s %5s %5s | %5s %5s %5s %5s | %5s %5s %5s %5s | %s\n" "$k" "$n" \
    "$(f "${C1[$k]}/$n")" "$(f "${C3[$k]}/$n")" "$(f "${C5[$k]}/$n")" \
    "$(f "${CA[$k]}/(5*$n)")" \
    "$(f "${G1[$k]}/$n")" "$(f "${G3[$k]}/$n")" "$(f "${G5[$k]}/$n")" \
    "$(f "${GA[$k]}/(5*$n)")" \
    "$(f "${R1[$k]}/1000/$n")" "$(f "${R3[$k]}/1000/$n")" "$(f "${R5[$k]}/1000/$n")" \
    "$(f "${RA[$k]}/5000/$n")" \
    "$(median <<< "${SECS[$k]}")"
done | sort
