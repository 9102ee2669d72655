#!/bin/bash
# Root-cause alerts from the real daemon: a simulated shop (causalmon simulate --services) with a
# latency fault is replayed from a CSV file input; the KPI change point fires one alert on the
# PUB socket (CloudEvents envelope, Alertmanager data, RCA naming the faulty service), which
# `causalmon tail` receives, `query alerts --since` returns and the journal keeps.
# usage: test_daemon_alerts.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
BIN=$(readlink -f "$2")

simulate_shop
P=$(free_base)
replay_conf "$WORK/d.yaml" "$WORK/shop.csv" 80 "$P" "lateness: 2s"
cat >> "$WORK/d.yaml" <<CONF
scopes:
  - {name: shop, match: ["*"], window: 360, tau_max: 1, refresh_every: 60,
     kpis: [frontend.latency, frontend.errors], reference: 300, settle: 20, cooldown: 30,
     component_map: prefix, min_confidence: 0.3}
CONF
Q="tcp://127.0.0.1:$((P + 2))"
"$BIN" tail --connect "tcp://127.0.0.1:$((P + 1))" > "$WORK/tail.out" 2> "$WORK/tail.err" &
PIDS+=($!)
sleep 0.5
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
PIDS+=($!)
check "an alert arrives within the replay" wait_for 40 grep -q '"status":"firing"' "$WORK/tail.out"
A=$(grep -m1 '"status":"firing"' "$WORK/tail.out")
echo "# $(echo "$A" | head -c 400)"
field() { echo "$A" | jq -r "$1"; }
check "CloudEvents 1.0 envelope with epoch and seq 1" test "$(field '"\(.specversion) \(.seq) \(.epoch | length > 0)"')" = "1.0 1 true"
check "the alert names the faulty service as root cause" test "$(field .data.labels.root_cause)" = "$SVC"
check "the RCA's first root cause belongs to it, with a path to the KPI" \
    test "$(field '.data.rca.root_causes[0] | "\(.component) \(.path[-1])"')" = "$SVC frontend.latency"
check "the graph-free ranking is reported next to it" test "$(field '.data.rca.baseline.root_causes | length > 0')" = "true"
check "a 16-hex-digit fingerprint" test "$(field '.data.fingerprint | length')" = 16
check "startsAt is the event time of the change (row 400)" \
    test "$(field .data.startsAt)" = "$(date -u -d @1700000400 +%Y-%m-%dT%H:%M:%SZ)"
"$BIN" query --timeout 2 --connect "$Q" alerts --since 0 > "$WORK/q0.json"
"$BIN" query --timeout 2 --connect "$Q" alerts --since 1 > "$WORK/q1.json"
check "query alerts --since 0 returns it" grep -q "$(field .data.fingerprint)" "$WORK/q0.json"
# the change monitor may have raised alerts of its own since: only those newer than 1 may come
check "query alerts --since 1 returns only newer alerts" jq -e '[.alerts[].seq] | all(. > 1)' "$WORK/q1.json"
check "the journal keeps it" grep -q '"seq":1' "$WORK/state/alerts.jsonl"
# the ranking starts from the scope's refreshed graph: `query graph` holds every step of the
# root cause's path to the KPI (the replay ends before another refresh of the window is due)
"$BIN" query --timeout 2 --connect "$Q" graph --scope shop > "$WORK/graph.json"
PATH_LINKS=$(field '.data.rca.root_causes[0].path | [range(1; length) as $i | "\(.[$i - 1]) \(.[$i])"] | .[]')
echo "# path steps: $(echo "$PATH_LINKS" | tr '\n' ';')"
missing=0
while read -r a b; do
  [ -z "$a" ] && continue
  jq -e --arg a "$a" --arg b "$b" 'any(.links[]; (.from == $a and .to == $b) or (.from == $b and .to == $a))' \
    "$WORK/graph.json" > /dev/null || missing=$((missing + 1))
done <<< "$PATH_LINKS"
check "query graph holds each step of the alert's path ($missing missing)" test -n "$PATH_LINKS" -a "$missing" -eq 0
"$BIN" query --timeout 2 --connect "$Q" status > "$WORK/status.json"
check "status shows the scope's incident firing" grep -q '"state":"firing"' "$WORK/status.json"
finish
