#!/bin/bash
# Scheduled rankings (scope option rank_at) in the real daemon: a simulated shop with a latency
# fault at row 400 is replayed from a CSV file as fast as it reads, by a scope without KPIs
# that lists three times: the fault (row 400), a quiet time two rows later (both come due
# while the first ranks: the second waits with its own rows), and one 5 rows into the file
# (too little reference: not ranked, logged). Each ranked time fires an alert whose startsAt is
# that time and whose ranking is that of `causalmon rca` on the same rows.
# usage: test_daemon_ranks_at_scheduled_times.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
BIN=$(readlink -f "$2")

simulate_shop
T0=1700000000
P=$(free_base)
replay_conf "$WORK/d.yaml" "$WORK/shop.csv" 0 "$P" "lateness: 0s" "max_gap: 0"
cat >> "$WORK/d.yaml" <<CONF
scopes:
  - {name: shop, match: ["*"], window: 200, tau_max: 1, refresh_every: 100000,
     component_map: prefix, reference: 120, rank_after: 20, monitor: false,
     structure_alerts: false, min_confidence: 0,
     rank_at: ["$(date -u -d @$((T0 + 400)) +%Y-%m-%dT%H:%M:%SZ)", "$((T0 + 402))", "$((T0 + 5))"]}
CONF
Q="tcp://127.0.0.1:$((P + 2))"
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
PIDS+=($!)
J="$WORK/state/alerts.jsonl"
two_alerts() { [ "$(grep -c '"status":"firing"' "$J" 2> /dev/null)" = 2 ]; }
check "two alerts arrive" wait_for 40 two_alerts
check "the time 5 rows in is not ranked, and says why" \
    grep -q "incident not ranked: 5 reference rows" "$WORK/daemon.err"
for at in 400 402; do
  starts=$(date -u -d @$((T0 + at)) +%Y-%m-%dT%H:%M:%SZ)
  A=$(jq -c --arg s "$starts" 'select(.data.startsAt == $s)' "$J" | head -1)
  check "an alert starts at row $at" test -n "$A"
  check "its ranking covers 120 reference and 20 incident rows" \
      test "$(echo "$A" | jq -r '.data.rca.window | "\(.reference) \(.incident)"')" = "120 20"
  "$BIN" rca --input "$WORK/shop.csv" --fault-time $((T0 + at)) --reference 120 --after 20 \
      --component-map prefix --tau-max 1 > "$WORK/rca$at.json"
  check "its ranking's top component is that of rca on the same rows (row $at)" \
      test "$(echo "$A" | jq -r '.data.rca.components[0].component')" = "$(jq -r '.components[0].component' "$WORK/rca$at.json")"
  check "its root cause label is the component of rca's top series (row $at)" \
      test "$(echo "$A" | jq -r .data.labels.root_cause)" = "$(jq -r '.root_causes[0].component' "$WORK/rca$at.json")"
done
A=$(jq -c --arg s "$(date -u -d @$((T0 + 400)) +%Y-%m-%dT%H:%M:%SZ)" 'select(.data.startsAt == $s)' "$J")
check "the fault's alert names the faulty service" test "$(echo "$A" | jq -r .data.labels.root_cause)" = "$SVC"
check "its summary says the ranking was scheduled" \
    test "$(echo "$A" | jq -r '.data.annotations.summary | test("scheduled")')" = true
"$BIN" query --timeout 2 --connect "$Q" status > "$WORK/status.json"
check "status shows no scheduled ranking left" \
    test "$(jq '.scopes[0].incident.scheduled_left' "$WORK/status.json")" = 0
finish
