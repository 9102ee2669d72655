#!/usr/bin/env bash
# bench/flood.sh - the daemon's loop under overload: one zmq_pull input and a scope of 200
# series, pushed by PUSHERS (default 2) concurrent pushers as fast as the socket takes messages
# of 100 lines, for SECONDS (default 60). First the pushers run for 5 s against a PULL socket
# that discards everything (their own capacity: the offered load), then against the daemon;
# the offered load must be at least twice what the daemon accepts. While flooding it asks
# `causalmon query status` once a second (each answer must come within 1 s), counts the
# systemd watchdog pings (the daemon runs with NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
# set, read by bench_flood notify), and samples the RSS (bound: the RSS of the idle daemon +
# the up-front memory `--check-config` estimates + the ZeroMQ receive queue, pushers x rcvhwm x
# message size + a refresh's two D x D matrices, which the estimate leaves out). At the end it sends SIGTERM and times the exit (must be < 5 s).
# Every wait is bounded; every child is killed on exit.
# usage: bench/flood.sh CAUSALMON [SECONDS [PUSHERS]]   (bench_flood is looked for in
#        CAUSALMON's build directory under bench/, or given by FLOOD_HELPER)
set -u
BIN=$(readlink -f "$1")
SECS=${2:-60}
NPUSH=${3:-2}
HELPER=${FLOOD_HELPER:-$(dirname "$BIN")/bench/bench_flood}
[ -x "$HELPER" ] || { echo "bench/flood: $HELPER not found (build the bench targets)"; exit 2; }
DIR=$(mktemp -d /tmp/causalmon-flood.XXXXXX)
PIDS=()
D=""
cleanup() {
    for p in "${PIDS[@]}" $D; do kill -TERM "$p" 2> /dev/null; done
    sleep 0.5
    for p in "${PIDS[@]}" $D; do kill -KILL "$p" 2> /dev/null; done
    wait 2> /dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
RCVHWM=1000
P=$((46000 + RANDOM % 2000))
Q="tcp://127.0.0.1:$((P + 2))"
cat > "$DIR/flood.yaml" << CONF
state_dir: $DIR/state
log_level: warning
inputs:
  - {name: z, type: zmq_pull, endpoint: "tcp://127.0.0.1:$P", rcvhwm: $RCVHWM}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "$Q"}
scopes:
  - {name: flood, match: ["flood.*"], window: 600, max_series: 200, tau_max: 3, refresh_every: 60}
CONF
est_mb=$(timeout 10 "$BIN" run --check-config "$DIR/flood.yaml" | sed -n 's/.*about \([0-9.]*\) MB allocated.*/\1/p')
[ -n "$est_mb" ] || { echo "bench/flood: --check-config gave no estimate"; exit 1; }
echo "bench/flood: $SECS s, $NPUSH pushers, 200 series, rcvhwm $RCVHWM; $(nproc) cores"

# 1. the pushers' capacity against a discarding PULL socket
timeout 20 "$HELPER" drain "tcp://127.0.0.1:$((P + 3))" 6 > "$DIR/drain.out" &
PIDS+=($!)
sleep 0.5
for k in $(seq "$NPUSH"); do
    timeout 20 "$HELPER" push "tcp://127.0.0.1:$((P + 3))" 5 200 "$k" > "$DIR/cap$k.out" &
    PIDS+=($!)
done
wait "${PIDS[@]}" 2> /dev/null
PIDS=()
cap=$(awk '{ s += $4 } END { printf "%.0f", s / 5 }' "$DIR"/cap*.out)
echo "offered load (pushers into a discarding socket): $cap samples/s"

# 2. the daemon, with a systemd notify socket and the watchdog enabled
timeout $((SECS + 60)) "$HELPER" notify "$DIR/notify.sock" $((SECS + 40)) > "$DIR/notify.out" &
NPID=$!
PIDS+=($NPID)
for _ in $(seq 50); do [ -S "$DIR/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$DIR/notify.sock" WATCHDOG_USEC=2000000 \
    bash -c 'export WATCHDOG_PID=$$; exec "$0" run --config "$1"' "$BIN" "$DIR/flood.yaml" \
    2> "$DIR/daemon.err" &
D=$!
status() { timeout 3 "$BIN" query --timeout 2 --connect "$Q" status 2> /dev/null; }
up=0
for _ in $(seq 40); do status > /dev/null && { up=1; break; }; sleep 0.25; done
[ $up = 1 ] || { echo "bench/flood: the daemon did not answer"; cat "$DIR/daemon.err"; exit 1; }
idle_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$D/status")

for k in $(seq "$NPUSH"); do
    timeout $((SECS + 20)) "$HELPER" push "tcp://127.0.0.1:$P" $((SECS + 1)) 200 "$k" > "$DIR/push$k.out" &
    PIDS+=($!)
done
: > "$DIR/lat"
: > "$DIR/rss"
: > "$DIR/rec"
fails=0
t0=$(date +%s%N)
end=$((t0 + SECS * 1000000000))
t=0
while [ "$(date +%s%N)" -lt $end ]; do
    t=$((t + 1))
    a=$(date +%s%N)
    if doc=$(status); then
        b=$(date +%s%N)
        echo $(((b - a) / 1000000)) >> "$DIR/lat"
        rec=$(echo "$doc" | jq '.inputs[0].records')
        echo "$(((a - t0) / 1000000)) $rec" >> "$DIR/rec"
    else
        b=$(date +%s%N)
        echo 99999 >> "$DIR/lat"
        fails=$((fails + 1))
        rec=?
    fi
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$D/status" 2> /dev/null)
    echo "${rss:-0}" >> "$DIR/rss"
    echo "t=${t}s status $(((b - a) / 1000000)) ms records ${rec} rss ${rss} kB"
    # the next poll one second after the previous one started
    left=$((t0 + t * 1000000000 - $(date +%s%N)))
    [ $left -gt 0 ] && sleep "$(awk -v l=$left 'BEGIN { printf "%.3f", l / 1e9 }')"
done
for k in $(seq "$NPUSH"); do
    for _ in $(seq 100); do [ -s "$DIR/push$k.out" ] && break; sleep 0.2; done
done
sent=$(awk '{ s += $4 } END { print s + 0 }' "$DIR"/push*.out)
msg_bytes=$(awk '{ if ($6 > m) m = $6 } END { print m + 0 }' "$DIR"/push*.out)

# 3. SIGTERM, timed, bounded
kill -TERM "$D"
ts=$(date +%s%N)
for _ in $(seq 300); do kill -0 "$D" 2> /dev/null || break; sleep 0.05; done
if kill -0 "$D" 2> /dev/null; then
    stop_s="over 15"
    kill -KILL "$D"
else
    stop_s=$(awk -v a="$ts" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
fi
wait "$D" 2> /dev/null
D=""
kill -TERM "$NPID"
for _ in $(seq 50); do [ -s "$DIR/notify.out" ] && break; sleep 0.1; done
read -r _ pings _ ready _ gap < "$DIR/notify.out" || true

# 4. figures
# accepted: from the first to the last answered poll, all within the pushers' run
read -r ms0 rec0 < "$DIR/rec"
read -r ms1 rec1 < <(tail -1 "$DIR/rec")
dur=$(awk -v a="$ms0" -v b="$ms1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
sent_s=$(awk -v s="$sent" -v d="$((SECS + 1))" 'BEGIN { printf "%.0f", s / d }')
acc_s=$(awk -v a="$rec0" -v b="$rec1" -v d="$dur" 'BEGIN { printf "%.0f", (d > 0) ? (b - a) / d : 0 }')
ratio=$(awk -v c="$cap" -v a="$acc_s" 'BEGIN { printf "%.1f", (a > 0) ? c / a : 0 }')
lat_max=$(sort -n "$DIR/lat" | tail -1)
lat_med=$(sort -n "$DIR/lat" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
rss_max=$(sort -n "$DIR/rss" | tail -1)
queue_kb=$((NPUSH * RCVHWM * msg_bytes / 1024))
est_kb=$(awk -v m="$est_mb" 'BEGIN { printf "%.0f", m * 1024 }')
# a refresh holds two matrices of the embedded dimension D = 200 x (tau_max + 1) at once (the
# lagged covariance and the correlation), which the --check-config estimate does not count
refresh_kb=$((2 * 800 * 800 * 8 / 1024))
bound_kb=$((idle_kb + est_kb + queue_kb + refresh_kb))
echo "nproc: $(nproc)"
echo "offered: $cap samples/s; sent into the daemon: $sent_s samples/s; accepted: $acc_s samples/s over $dur s (offered/accepted $ratio)"
echo "status: $(wc -l < "$DIR/lat") polls, $fails unanswered, latency max $lat_max ms, median $lat_med ms"
echo "watchdog: $pings pings (READY $ready), longest gap $gap ms (WATCHDOG_USEC 2 s)"
echo "rss: max $rss_max kB; bound $bound_kb kB = idle $idle_kb + check-config ${est_mb} MB + queue $NPUSH x $RCVHWM x $msg_bytes B + refresh 2 x 800^2 x 8 B"
echo "stop: SIGTERM to exit $stop_s s"
ok=1
verdict() { if eval "$2"; then echo "ok - $1"; else echo "FAIL - $1"; ok=0; fi; }
verdict "offered load at least twice the accepted rate ($ratio x)" "awk -v r=$ratio 'BEGIN { exit !(r >= 2) }'"
verdict "status answered within 1 s at every poll (max $lat_max ms)" "[ $fails = 0 ] && [ $lat_max -lt 1000 ]"
verdict "the watchdog kept being pinged (longest gap $gap ms)" "[ ${pings:-0} -gt $SECS ] && [ ${gap:-99999} -lt 1000 ]"
verdict "RSS under the bound ($rss_max <= $bound_kb kB)" "[ $rss_max -le $bound_kb ]"
verdict "SIGTERM exits within 5 s ($stop_s s)" "awk -v s='$stop_s' 'BEGIN { exit !(s + 0 < 5 && s !~ /over/) }'"
grep -v "^$" "$DIR/daemon.err" | tail -5
[ $ok = 1 ] && echo "bench/flood: PASS" || echo "bench/flood: FAIL"
[ $ok = 1 ]
