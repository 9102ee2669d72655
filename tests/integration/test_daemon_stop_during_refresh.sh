#!/bin/bash
# SIGTERM while a worker runs the heaviest refresh (200 series x 1,500 rows at tau_max 5 of
# densely dependent series): the refresh is cancelled, the checkpoint is written and the
# daemon exits 0 within 5 s (a sanitizer build: 5 s x TIME_SCALE). METHOD=lpcmci runs the same
# with LPCMCI (default pcmci+).
# usage: [METHOD=pcmci+|lpcmci] test_daemon_stop_during_refresh.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
T=$1
BIN=$(readlink -f "$2")
P=$(free_base)
METHOD=${METHOD:-pcmci+}
case $METHOD in lpcmci) WHAT=lpcmci ;; *) WHAT=pcmciplus ;; esac
# every series follows one of two common factors, its neighbour and one other series: densely
# dependent, so PCMCI+ needs large condition sets (uncancelled, this refresh takes minutes)
awk 'BEGIN { srand(11); for (b = 0; b < 1500; b++) { f = 0.8 * f + rand() - 0.5; g = 0.7 * g + rand() - 0.5
    for (j = 0; j < 200; j++) x[j] = 0.4 * x[j] + ((j % 2) ? 0.6 * f : 0.6 * g) + (j ? 0.3 * p[j - 1] : 0) + 0.3 * p[(j * 7 + 3) % 200] + 0.5 * (rand() - 0.5)
    for (j = 0; j < 200; j++) { p[j] = x[j]; printf "s%03d v=%.6f %d000000000\n", j, x[j], 1700000000 + b } } }' > "$WORK/data.lp"
cat > "$WORK/d.yaml" <<CONF
state_dir: $WORK/state
log_level: debug
idle_flush: 1s
inputs:
  - {name: f, type: file, path: $WORK/data.lp}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
scopes:
  - {name: big, match: ["s*"], window: 1500, max_series: 200, tau_max: 5, refresh_every: 1500, method: "$METHOD"}
CONF
Q="tcp://127.0.0.1:$((P + 2))"
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
full() { "$BIN" query --timeout 2 --connect "$Q" status 2> /dev/null | grep -q '"window_fill":1500'; }
check "the window fills (1,500 rows of 200 series)" wait_for 60 full
sleep 2 # the refresh is running on a worker
echo "# $("$BIN" query --timeout 2 --connect "$Q" status | grep -o '"refresh_ms[^}]*')"
t0=$(date +%s.%N)
kill -TERM $D
wait $D
rc=$?
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
echo "# exit $rc after $secs s"
check "SIGTERM during the refresh exits 0 (got $rc)" test $rc -eq 0
LIMIT=$((5 * TIME_SCALE))
check "within $LIMIT s ($secs s)" awk -v s="$secs" -v l="$LIMIT" 'BEGIN { exit !(s < l) }'
check "the refresh in flight was cancelled" grep -q "refresh skipped: $WHAT: cancelled" "$WORK/daemon.err"
check "the checkpoint holds the 1,500-row window" test "$("$T/ckwindows" "$WORK/state/checkpoint.json" 2>/dev/null | grep -c ' s000.v ')" -eq 1500
grep -i "refresh\|cancel\|stopping" "$WORK/daemon.err" | tail -5
finish
