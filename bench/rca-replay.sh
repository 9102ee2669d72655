#!/usr/bin/env bash
# bench/rca-replay - the daemon ranks the Online Boutique faults (../shared/data/boutique, the
# project's evaluation data, not shipped; nothing is measured without it) from a replayed file,
# and its top root cause is compared with that of `causalmon rca` on the same rows.
#
# Per day: the pods' metrics are merged into one CSV (bench/real-sets.sh) and replayed by a
# real `causalmon run` through a file input (speed SPEED x real time, default 0: as fast as it
# reads; max_gap MAX_GAP, default 0: no value carried over a gap, as `rca` reads the file).
# The scope lists the injection times in rank_at, so the daemon ranks each fault on the hour
# before it (reference 60 rows) against the 10 rows from it (rank_after 10), as
# bench/rca-real.sh runs `rca --reference 60 --after 10`; no KPI is given to either, both
# choose their own. Both get the set's call graph (dependency.csv): the scope as `calls`, rca as
# --calls (CALLS=0: neither). The daemon's alerts (its journal) hold its ranking per fault.
# Printed: per fault the true root, the top component of rca's ranking and of the daemon's
# (components[0] of each); then the share of faults where the two agree, the share where the
# alert's root_cause label is rca's (with known calls the first component, without them the
# component of the top series), the top-1 of each against the true root, the faults the daemon did not rank, and
# the replay's wall time.
# usage: [SPEED=0] [MAX_GAP=0] [CALLS=1] [TIMEOUT=600] [DAYS=GLOB] [VERBOSE=1] [KEEP=1] bench/rca-replay.sh [CAUSALMON] [DATA_DIR]
set -u
BIN=$(readlink -f "${1:-build/causalmon}")
DATA=${2:-$(dirname "$0")/../../shared/data}
SPEED=${SPEED:-0}
TIMEOUT=${TIMEOUT:-600}
if [ ! -d "$DATA/boutique" ]; then
  echo "bench/rca-replay: $DATA/boutique not found (the shared evaluation data); nothing measured"
  exit 0
fi
command -v jq > /dev/null || { echo "bench/rca-replay: needs jq"; exit 1; }
. "$(dirname "$0")/real-sets.sh"
TMP=$(mktemp -d)
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill "$DAEMON" 2> /dev/null && wait "$DAEMON" 2> /dev/null
  [ -n "${KEEP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT
CMAP='regex:^([^|]*)\|'

# a free TCP port pair below the ephemeral range
port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 10000))
    ss -ltn | grep -q ":$p \|:$((p + 1)) " || { echo "$p"; return; }
  done
  echo 27400
}

total=0 agree=0 rca_ok=0 daemon_ok=0 missing=0 label_agree=0
for day in "$DATA"/boutique/${DAYS:-*}/; do
  [ -f "$day/fault_list.json" ] || continue
  d=$(basename "$day")
  boutique_csv "$day" "$TMP/$d.csv"
  jq -r '[to_entries[].value[]] | sort_by(.inject_time)[] | [.inject_time, .inject_pod, .inject_type] | @tsv' \
    "$day/fault_list.json" > "$TMP/$d.faults"
  rank_at=$(awk -F'\t' '{ sub(/ /, "T", $1); printf "%s\"%sZ\"", (NR > 1 ? ", " : ""), $1 }' "$TMP/$d.faults")
  nf=$(wc -l < "$TMP/$d.faults")
  # the set's call graph, as the scope's calls and as rca --calls (CALLS=0: neither)
  calls="" calls_arg=()
  if [ "${CALLS:-1}" = 1 ] && [ -f "$day/metric/dependency.csv" ]; then
    calls=$(awk -F, 'NR > 1 && $1 != "" && $2 != "" { sub(/\r$/, "", $2); printf "%s\"%s -> %s\"", (n++ ? ", " : ""), $1, $2 }' "$day/metric/dependency.csv")
    calls_arg=(--calls "$day/metric/dependency.csv")
  fi
  P=$(port)
  mkdir -p "$TMP/state-$d"
  cat > "$TMP/$d.yaml" << CONF
bucket: 60s
lateness: 0s
idle_flush: 1s
state_dir: $TMP/state-$d
log_level: info
max_gap: ${MAX_GAP:-0}
workers: 1
inputs:
  - {name: replay, type: file, path: "$TMP/$d.csv", format: csv, speed: $SPEED}
alerts: {endpoint: "tcp://127.0.0.1:$P"}
query: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
scopes:
  - name: boutique
    match: ["*"]
    max_series: 1000
    window: 130
    tau_max: 1
    refresh_every: 100000
    component_map: '$CMAP'
    reference: 60
    rank_after: 10
    rank_at: [$rank_at]
    calls: [$calls]
    monitor: false
    structure_alerts: false
    min_confidence: 0
CONF
  t0=$(date +%s.%N)
  "$BIN" run --config "$TMP/$d.yaml" 2> "$TMP/$d.daemon.err" &
  DAEMON=$!
  journal="$TMP/state-$d/alerts.jsonl"
  # done when the input is read and no scheduled ranking is left (waiting or in flight)
  for ((w = 0; w < TIMEOUT * 5; w++)); do
    sleep 0.2
    kill -0 "$DAEMON" 2> /dev/null || break
    grep -q "end of $TMP/$d.csv" "$TMP/$d.daemon.err" || continue
    left=$("$BIN" query --timeout 2 --connect "tcp://127.0.0.1:$((P + 1))" status 2> /dev/null |
      jq '.scopes[0].incident.scheduled_left' 2> /dev/null)
    [ "$left" = 0 ] && break
  done
  t1=$(date +%s.%N)
  kill "$DAEMON" 2> /dev/null
  wait "$DAEMON" 2> /dev/null
  DAEMON=
  printf "# %s: %d faults, daemon replay %.1f s (speed %s)\n" "$d" "$nf" "$(bc -l <<< "$t1 - $t0")" "$SPEED"
  while IFS=$'\t' read -r when pod type; do
    ft=$(date -u -d "$when" +%s)
    root=$(sed -E 's/-[^-]*-[^-]*$//' <<< "$pod")
    starts=$(date -u -d "@$((ft / 60 * 60))" +%Y-%m-%dT%H:%M:%SZ)
    "$BIN" rca --input "$TMP/$d.csv" --fault-time "$ft" --reference 60 --after 10 \
      --component-map "$CMAP" --tau-max 1 "${calls_arg[@]}" > "$TMP/rca.json" 2> "$TMP/rca.err" || echo "{}" > "$TMP/rca.json"
    r=$(jq -r '.components[0].component // "-"' "$TMP/rca.json")
    alert=$(jq -c --arg s "$starts" 'select(.data.status == "firing" and .data.startsAt == $s)' \
      "$journal" 2> /dev/null | head -1)
    dm=$(jq -r '.data.rca.components[0].component // empty' <<< "$alert")
    label=$(jq -r '.data.labels.root_cause // empty' <<< "$alert")
    # the label is the first component with known calls, else the top series' component
    if [ ${#calls_arg[@]} -gt 0 ]; then rs=$r; else rs=$(jq -r '.root_causes[0].component // "-"' "$TMP/rca.json"); fi
    [ -n "$label" ] && [ "$label" = "$rs" ] && label_agree=$((label_agree + 1))
    [ -z "$dm" ] && dm="-" && missing=$((missing + 1))
    total=$((total + 1))
    [ "$r" = "$dm" ] && agree=$((agree + 1))
    [ "$r" = "$root" ] && rca_ok=$((rca_ok + 1))
    [ "$dm" = "$root" ] && daemon_ok=$((daemon_ok + 1))
    [ -n "${VERBOSE:-}" ] && printf "  %s %-22s %-15s rca %-22s daemon %-22s %s\n" "$when" "$root" "$type" "$r" "$dm" \
      "$([ "$r" = "$dm" ] && echo same || echo DIFFERENT)"
  done < "$TMP/$d.faults"
done
f() { bc -l <<< "scale=3; $1" | sed 's/^\./0./'; }
echo "faults $total: daemon top-1 = rca top-1 on $agree ($(f "$agree/$total")); top-1 vs the true root: rca $(f "$rca_ok/$total"), daemon $(f "$daemon_ok/$total"); not ranked by the daemon: $missing"
echo "the alert's root_cause label = rca's (first component with calls, else top series') on $label_agree ($(f "$label_agree/$total"))"
