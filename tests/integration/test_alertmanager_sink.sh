#!/bin/bash
# Alerts reach a real Alertmanager (Debian prometheus-alertmanager, resolve_timeout 1m):
# `causalmon demo` with its fault streamed in real time (--fault-speed) sends its alert through
# the alertmanager sink; `amtool alert query` shows it with its labels from when it fires until
# the incident ends, which is longer than the resolve_timeout (the sink re-sends it every 10 s
# with endsAt ahead), with Alertmanager's fingerprint equal to ours and a generatorURL that
# serves the incident; once the incident resolves the alert leaves the active list.
# usage: test_alertmanager_sink.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
BIN=$(readlink -f "$2")
AM=$(command -v prometheus-alertmanager) || { echo "prometheus-alertmanager missing: run tools/install-deps"; exit 1; }
command -v amtool > /dev/null || { echo "amtool missing: run tools/install-deps"; exit 1; }
P=$(free_base)
cat > "$WORK/am.yml" <<CONF
global:
  resolve_timeout: 1m
route:
  receiver: "null"
  group_wait: 1s
receivers:
  - name: "null"
CONF
"$AM" --config.file="$WORK/am.yml" --storage.path="$WORK/am" --web.listen-address="127.0.0.1:$P" \
    --cluster.listen-address= > "$WORK/am.log" 2>&1 &
PIDS+=($!)
URL="http://127.0.0.1:$P"
check "Alertmanager starts" wait_for 20 curl -sf -o /dev/null "$URL/-/ready"
# the incident's alert (structure_change events also go out, and expire on their own)
active() {
  amtool alert query --alertmanager.url="$URL" -o json 2> /dev/null |
    jq '[.[] | select(.labels.alertname != "CausalStructureChange")]'
}

"$BIN" demo --fault latency --seed 3 --fault-speed 0.75 --alertmanager "$URL" \
    --metrics "127.0.0.1:$((P + 1))" > "$WORK/demo.out" 2>&1 &
DEMO=$!
PIDS+=($DEMO)
has_alert() { [ "$(active | jq 'length')" -ge 1 ] 2> /dev/null; }
# The change monitor may raise its own mechanism_change alert (no ranking in it) before the KPI
# incident fires; the incident's alert is the one whose view carries a root-cause ranking.
has_incident() {
  active > "$WORK/all.json" || return 1
  local n fp gen
  n=$(jq 'length' "$WORK/all.json") || return 1
  for ((k = 0; k < n; k++)); do
    fp=$(jq -r ".[$k].fingerprint" "$WORK/all.json")
    curl -s "http://127.0.0.1:$((P + 1))/alerts?fingerprint=$fp" > "$WORK/probe.json"
    if [ "$(jq -r '.[0].data.rca.root_causes | length > 0' "$WORK/probe.json" 2> /dev/null)" = true ]; then
      jq "[.[$k]]" "$WORK/all.json" > "$WORK/a1.json"
      return 0
    fi
  done
  return 1
}
check "the demo's alert shows in amtool alert query" wait_for 120 has_alert
check "the incident's alert (with its ranking) shows in amtool alert query" wait_for 120 has_incident
T1=$SECONDS
echo "# $(jq -c '.[0] | {labels, startsAt, endsAt, fingerprint, generatorURL}' "$WORK/a1.json")"
check "it has the alert's labels (alertname, scope, severity, root_cause)" \
    test "$(jq -r '.[0].labels | "\(.alertname|startswith("Causal")) \(.scope) \(.severity != null) \(.root_cause != null)"' "$WORK/a1.json")" = "true shop true true"
FP=$(jq -r '.[0].fingerprint' "$WORK/a1.json")
GEN=$(jq -r '.[0].generatorURL' "$WORK/a1.json")
check "generatorURL points at the daemon's view of the incident ($GEN)" \
    test "$GEN" = "http://$(hostname):$((P + 1))/alerts?fingerprint=$FP"
view() { # the daemon publishes its recent alerts once a second
  curl -s "http://127.0.0.1:$((P + 1))/alerts?fingerprint=$FP" > "$WORK/gen.json"
  [ "$(jq -r '.[0].data.fingerprint' "$WORK/gen.json")" = "$FP" ]
}
check "that view serves the alert event: Alertmanager's fingerprint is ours" wait_for 5 view
check "the view has the RCA" test "$(jq -r '.[0].data.rca.root_causes | length > 0' "$WORK/gen.json")" = true
# still active past resolve_timeout (60 s) while the incident goes on
gaps=0
while [ $((SECONDS - T1)) -lt 70 ] && ! grep -q "resolved" "$WORK/demo.out"; do
  has_alert || gaps=$((gaps + 1))
  sleep 2
done
held=$((SECONDS - T1))
echo "# active for ${held}s with $gaps gap(s) in the polls; demo: $(grep -c resolved "$WORK/demo.out") resolved line(s)"
check "active for 70 s, past the 1m resolve_timeout, without a gap" test "$held" -ge 70 -a "$gaps" -eq 0
check "the demo ends" wait_for 120 bash -c "! kill -0 $DEMO 2> /dev/null"
grep -E "resolved|firing|alert" "$WORK/demo.out" | head -5 | sed 's/^/# /'
check "the demo saw the incident resolve" grep -qi "resolved" "$WORK/demo.out"
none() { [ "$(active | jq --arg fp "$FP" '[.[] | select(.fingerprint == $fp)] | length')" = 0 ]; }
check "after the incident, the alert is resolved in Alertmanager" wait_for 20 none
finish
