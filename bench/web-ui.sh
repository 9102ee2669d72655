#!/usr/bin/env bash
# bench/web-ui.sh - how fast the daemon serves its web view for a scope of 200 series (20
# components of 10, simulated SVAR data replayed through a file input): after the first graph
# refresh, fetches each page ROUNDS times over 127.0.0.1 with curl and prints the median and
# the worst time_total per page: the scope list, the scope folded to components, one component
# expanded, all 200 series drawn (?expand=*), one component alone, and the page of the alert of
# a mean shift in the scope's KPI (ranking, series plots and the folded graph). Target: every
# page under 200 ms. Self-contained: the data is generated here.
# usage: bench/web-ui.sh CAUSALMON [ROUNDS]
set -eu
BIN=$(readlink -f "$1")
ROUNDS=${2:-20}
DIR=$(mktemp -d /tmp/causalmon-webui.XXXXXX)
trap 'kill $D 2>/dev/null; wait $D 2>/dev/null; rm -rf "$DIR"' EXIT
"$BIN" simulate --vars 200 --samples 700 --tau-max 1 --seed 5 --change mean_shift --change-at 620 \
    --truth "$DIR/truth.json" --out "$DIR/raw.csv" 2>/dev/null
# the changed series is the KPI: its incident gives the alert page (ranking, graph, plots)
KPI=$(jq -r '.changed[0].variable | ltrimstr("x") | tonumber | "svc\(. / 10 | floor).m\(. % 10)"' "$DIR/truth.json")
# x<i> -> svc<i/10>.m<i%10>: twenty components of ten series
awk -F, 'BEGIN { OFS = "," } NR == 1 { for (c = 1; c <= NF; c++) if ($c ~ /^x[0-9]+$/) {
    i = substr($c, 2) + 0; $c = sprintf("svc%d.m%d", int(i / 10), i % 10) } } { print }' \
    "$DIR/raw.csv" > "$DIR/wide.csv"
P=$((45000 + RANDOM % 2000))
cat > "$DIR/w.yaml" <<CONF
bucket: 1s
lateness: 2s
idle_flush: 1s
state_dir: $DIR/state
log_level: warning
metrics: {listen: "127.0.0.1:$((P + 3))"}
inputs:
  - {name: f, type: file, path: "$DIR/wide.csv", format: csv, speed: 1000}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
scopes:
  - {name: wide, match: ["*"], max_series: 256, window: 600, tau_max: 1, refresh_every: 600,
     kpis: ["$KPI"], reference: 300, z: 2, settle: 20, min_confidence: 0}
CONF
"$BIN" run --config "$DIR/w.yaml" 2> "$DIR/daemon.err" &
D=$!
M="http://127.0.0.1:$((P + 3))"
for _ in $(seq 600); do
    "$BIN" query --timeout 2 --connect "tcp://127.0.0.1:$((P + 2))" graph --scope wide \
        > "$DIR/g.json" 2>/dev/null && jq -e '.links' "$DIR/g.json" > /dev/null 2>&1 && break
    sleep 0.5
done
jq -e '.links' "$DIR/g.json" > /dev/null || { echo "no graph: $(tail -3 "$DIR/daemon.err")"; exit 1; }
echo "scope: $(jq '.variables | length' "$DIR/g.json") series, $(jq '.links | length' "$DIR/g.json") links; nproc $(nproc); $ROUNDS rounds per page"
page() { # page LABEL URL
    local t
    for _ in $(seq "$ROUNDS"); do
        curl -sf -o "$DIR/page" -w '%{time_total}\n' "$2"
    done > "$DIR/times"
    t=$(sort -n "$DIR/times" | awk '{ a[NR] = $1 } END { printf "median %.1f ms, worst %.1f ms", a[int((NR + 1) / 2)] * 1000, a[NR] * 1000 }')
    printf '%-32s %8d bytes  %s\n' "$1" "$(stat -c %s "$DIR/page")" "$t"
}
page "/ui" "$M/ui"
page "/ui/scope/wide (folded)" "$M/ui/scope/wide"
page "/ui/scope/wide?expand=svc3" "$M/ui/scope/wide?expand=svc3"
page "/ui/scope/wide?expand=* (200)" "$M/ui/scope/wide?expand=*"
page "/ui/scope/wide?component=svc3" "$M/ui/scope/wide?component=svc3"
for _ in $(seq 240); do
    FP=$(curl -sf "$M/alerts" | jq -r 'map(select(.data.rca.kpi))[0].data.fingerprint // empty')
    [ -n "$FP" ] && break
    sleep 0.5
done
if [ -n "$FP" ]; then
    curl -sf "$M/alerts?fingerprint=$FP" | jq -c '.[-1].data.rca' > "$DIR/rca.json"
    echo "alert of KPI $KPI: $(jq -r '.series_window | "\(.series | length) series x \(.rows) rows plotted"' "$DIR/rca.json"), rca $(wc -c < "$DIR/rca.json") bytes of which series_window $(jq -c .series_window "$DIR/rca.json" | wc -c)"
    page "/ui/alert/FP (plots + graph)" "$M/ui/alert/$FP"
else
    echo "no alert of KPI $KPI within 120 s: alert page not measured"
fi
