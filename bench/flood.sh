#!/usr/bin/env bash
# bench/flood.sh - the daemon under overload. Two pushers send line protocol (1,000 series) over
# ZeroMQ as fast as they can into one zmq_pull input for SECONDS (default 60), after the
# daemon's own ingest rate was measured alone. Meanwhile `query status` is polled every 0.5 s
# (each must answer within 1 s), the systemd watchdog pings are captured (WATCHDOG_USEC 1 s)
# and the RSS is sampled; at the end SIGTERM is sent while the flood goes on, and the time to
# exit is measured. Prints what it measured.
# usage: bench/flood.sh BUILD_DIR [SECONDS]
set -u
B=$(readlink -f "$1")
SECS=${2:-60}
BIN=$B/causalmon
DIR=$(mktemp -d /tmp/causalmon-flood.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$DIR"' EXIT
P=$((44000 + RANDOM % 2000))
cat > "$DIR/d.yaml" <<CONF
state_dir: $DIR/state
log_level: warning
inputs:
  - {name: z, type: zmq_pull, endpoint: "tcp://127.0.0.1:$P", format: influx}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
scopes:
  - {name: s, match: ["m*"], window: 600, max_series: 200, tau_max: 2, refresh_every: 60}
CONF
Q="tcp://127.0.0.1:$((P + 2))"
est=$("$BIN" run --check-config "$DIR/d.yaml" | sed -n 's/.*about \([0-9]*\) MB.*/\1/p')
records() { "$BIN" query --timeout 1 --connect "$Q" status 2> /dev/null | grep -o '"records":[0-9]*' | head -1 | cut -d: -f2; }
gen() { # gen START_S: endless line protocol, 1,000 series, 1,000 lines per second of event time
    awk -v t0="$1" 'BEGIN { for (i = 0;; i++) printf "m%d,h=x v=%d %d\n", i % 1000, i % 97, (t0 * 1000 + int(i / 1000) * 1000 + i % 1000) * 1000000 }'
}
"$B/tests/notify_capture" "$DIR/notify.sock" > "$DIR/notify.log" &
PIDS+=($!)
sleep 0.5
NOTIFY_SOCKET="$DIR/notify.sock" WATCHDOG_USEC=1000000 "$BIN" run --config "$DIR/d.yaml" 2> "$DIR/daemon.err" &
D=$!
PIDS+=($D)
for _ in $(seq 50); do records > /dev/null && break; sleep 0.1; done
# 1. the ingest rate alone: 2,000,000 lines from memory
gen 1700000000 | head -2000000 > "$DIR/warm.lp"
t0=$(date +%s.%N)
"$B/tests/zpush" "tcp://127.0.0.1:$P" 1000 < "$DIR/warm.lp" 2> /dev/null
while [ "$(records)" -lt 2000000 ]; do sleep 0.1; done
rate=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", 2000000 / (b - a) }')
echo "bench/flood: ingest alone $rate records/s; $(nproc) cores; config estimate $est MB up front"
# 2. the flood: two pushers, as fast as they go, event time continuing
base=$((1700000000 + 2000 + 10))
before=$(records)
(gen $base | "$B/tests/zpush" "tcp://127.0.0.1:$P" 1000 2> /dev/null) &
F1=$!
(gen $((base + 1)) | "$B/tests/zpush" "tcp://127.0.0.1:$P" 1000 2> /dev/null) &
F2=$!
PIDS+=($F1 $F2)
wd0=$(grep -c WATCHDOG=1 "$DIR/notify.log")
polls=0 slow=0 failed=0 worst=0 rss_max=0
end=$((SECONDS + SECS))
tf=$(date +%s.%N)
while [ $SECONDS -lt $end ]; do
    a=$(date +%s.%N)
    if "$BIN" query --timeout 1 --connect "$Q" status > /dev/null 2>&1; then :; else failed=$((failed + 1)); fi
    dt=$(awk -v a="$a" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    polls=$((polls + 1))
    awk -v d="$dt" 'BEGIN { exit !(d > 1) }' && slow=$((slow + 1))
    worst=$(awk -v d="$dt" -v w="$worst" 'BEGIN { print (d > w ? d : w) }')
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$D/status")
    [ "$rss" -gt "$rss_max" ] && rss_max=$rss
    sleep 0.5
done
after=$(records)
took=$(awk -v a="$tf" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
wd=$(($(grep -c WATCHDOG=1 "$DIR/notify.log") - wd0))
echo "flood for $SECS s: taken $(awk -v n=$((after - before)) -v t="$took" 'BEGIN { printf "%.0f", n / t }') records/s (the pushers block at the high-water mark)"
echo "status polls: $polls, failed $failed, slower than 1 s: $slow, slowest $worst s"
echo "watchdog pings during the flood: $wd in $SECS s (WatchdogSec 1 s)"
echo "RSS: max $((rss_max / 1024)) MB (configuration estimate $est MB up front)"
t0=$(date +%s.%N)
kill -TERM $D
wait $D
rc=$?
echo "SIGTERM during the flood: exit $rc after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
kill $F1 $F2 2> /dev/null
