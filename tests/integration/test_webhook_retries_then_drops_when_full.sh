#!/bin/bash
# The webhook sink retries with backoff, keeps a bounded queue and counts what it drops, with a
# real daemon and real HTTP receivers (tests/tools/hook_recv) on 127.0.0.1:
#  - sink "flaky" posts to a receiver that answers 503 twice, then 204: the first alert event
#    arrives after two retries spaced by the backoff (1 s, then 2 s), and every event the
#    daemon published arrives, once, in order;
#  - sink "down" posts to a port where nothing listens, with a queue of 1: while it is down,
#    each event beyond the one queued is dropped, so its drop counter (in `query status` and
#    causalmon_sink_dropped_total on /metrics) is the number of events published minus 1;
#    `query status` and /metrics answer promptly all the while; once a receiver comes up on
#    that port, the one queued event (the newest) is delivered and the queue is empty.
# The alerts come from a simulated shop with a latency fault replayed from a CSV file.
# usage: test_webhook_retries_then_drops_when_full.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
T=$1
BIN=$(readlink -f "$2")

"$BIN" simulate --services latency --samples 480 --change-at 400 --seed 4 \
    --out "$WORK/shop.csv" 2> "$WORK/sim.err"
P=$(free_base)
FLAKY=$P DOWN=$((P + 1)) Q="tcp://127.0.0.1:$((P + 2))" MP=$((P + 3))
"$T/hook_recv" "$FLAKY" 2 503 > "$WORK/flaky.out" 2> "$WORK/flaky.err" &
PIDS+=($!)
check "the flaky receiver listens" wait_for 5 grep -q listening "$WORK/flaky.out"
cat > "$WORK/d.yaml" <<CONF
bucket: 1s
lateness: 2s
idle_flush: 1s
state_dir: $WORK/state
log_level: info
inputs:
  - {name: shop, type: file, path: "$WORK/shop.csv", format: csv, speed: 80}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 4))", heartbeat: 500ms}
query: {endpoint: "$Q"}
metrics: {listen: "127.0.0.1:$MP"}
sinks:
  - {name: flaky, type: webhook, url: "http://127.0.0.1:$FLAKY/hook", retries: 5, queue: 64,
     timeout: 2s}
  - {name: down, type: webhook, url: "http://127.0.0.1:$DOWN/hook", retries: 100, queue: 1,
     timeout: 1s}
scopes:
  - {name: shop, match: ["*"], window: 360, tau_max: 1, refresh_every: 60,
     kpis: [frontend.latency, frontend.errors], reference: 300, settle: 20, cooldown: 30,
     component_map: prefix, min_confidence: 0.3}
CONF
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
PIDS+=($!)

status() { # query status into $WORK/status.json within 2 s
    timeout 5 "$BIN" query --timeout 2 --connect "$Q" status > "$WORK/status.json" 2> /dev/null
}
sink() { jq -r ".sinks[] | select(.name == \"$1\") | .$2" "$WORK/status.json"; }
http_metrics() { # GET /metrics with bash's /dev/tcp (no curl on a fresh machine)
    exec 3<> "/dev/tcp/127.0.0.1/$MP" || return 1
    printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    timeout 5 cat <&3 > "$WORK/metrics.txt"
    exec 3<&-
    grep -q '^causalmon_sink_dropped_total' "$WORK/metrics.txt"
}
metric() { sed -n "s/^$1{sink=\"$2\",type=\"webhook\"${3:-}} //p" "$WORK/metrics.txt"; }
delivered() { grep -c ' 204 ' "$WORK/flaky.out"; }

check "the first alert event reaches the flaky receiver" wait_for 60 grep -q ' 204 ' "$WORK/flaky.out"
mapfile -t first < <(grep -E ' (503|204) ' "$WORK/flaky.out" | head -3)
echo "# $(printf '%s\n' "${first[@]}" | cut -c1-120)"
body() { echo "${first[$1]}" | cut -d' ' -f3-; }
at() { echo "${first[$1]}" | cut -d' ' -f1; }
code() { echo "${first[$1]}" | cut -d' ' -f2; }
check "it came after two 503 answers" test "$(code 0) $(code 1) $(code 2)" = "503 503 204"
check "the three posts carry the same event" \
    test "$(body 0 | jq -r .id)" = "$(body 2 | jq -r .id)" -a "$(body 1 | jq -r .id)" = "$(body 2 | jq -r .id)"
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'; }
gap1=$(awk "BEGIN { print $(at 1) - $(at 0) }") gap2=$(awk "BEGIN { print $(at 2) - $(at 1) }")
echo "# retry gaps: ${gap1}s, ${gap2}s"
check "backoff: the first retry waits about 1 s" between "$gap1" 0.9 3
check "backoff: the second retry waits about 2 s (doubling)" between "$gap2" 1.9 4

# Wait for the replay's events: the flaky sink has delivered as many as were published, and
# more than the down sink's queue holds. (The scope may publish more later; every check below
# compares counters of one snapshot, where they are consistent.)
all_delivered() {
    status || return 1
    local n
    n=$(jq -r .last_seq "$WORK/status.json")
    [ "$n" -ge 2 ] && [ "$(delivered)" -ge "$n" ] && [ "$(sink flaky queued)" = 0 ]
}
check "the flaky sink delivers every published event" wait_for 120 all_delivered
N=$(jq -r .last_seq "$WORK/status.json")
grep ' 204 ' "$WORK/flaky.out" | while read -r t _ ev; do
    echo "# at +$(awk "BEGIN { print $t - $(at 0) }") s: $(echo "$ev" | jq -c '[.seq, .type, .data.status]')"
done
echo "# events published: $N; down sink: $(jq -c '.sinks[] | select(.name == "down")' "$WORK/status.json")"
check "each event arrived once, in publishing order" \
    test "$(grep ' 204 ' "$WORK/flaky.out" | head -"$N" | cut -d' ' -f3- | jq -r .seq | tr '\n' ' ')" = "$(seq -s ' ' 1 "$N") "
check "flaky: 2 failed requests, $N ok, none dropped" \
    test "$(sink flaky failed) $(sink flaky ok) $(sink flaky dropped)" = "2 $N 0"
check "down: $((N - 1)) events dropped (queue of 1), 1 queued, none sent" \
    test "$(sink down dropped) $(sink down queued) $(sink down ok)" = "$((N - 1)) 1 0"
check "down: its failed requests are counted" test "$(sink down failed)" -ge 1
check "/metrics answers while the receiver is down" http_metrics
A=$(sed -n 's/^causalmon_alerts_total //p' "$WORK/metrics.txt")
check "/metrics: causalmon_sink_dropped_total of down is alerts_total - 1 ($A - 1)" \
    test "$(metric causalmon_sink_dropped_total down)" = "$((A - 1))"
check "/metrics: causalmon_sink_queued of down is 1" test "$(metric causalmon_sink_queued down)" = 1
check "/metrics: flaky counts 2 failed requests and no drop" \
    test "$(metric causalmon_sink_requests_total flaky ',result="failed"') $(metric causalmon_sink_dropped_total flaky)" = "2 0"
t0=$(date +%s.%N)
check "query status answers within 2 s while the down sink retries" status
took=$(awk "BEGIN { print $(date +%s.%N) - $t0 }")
check "... and promptly (${took} s)" between "$took" 0 1.5
N=$(jq -r .last_seq "$WORK/status.json")
check "down: dropped = published - 1 still ($N - 1)" test "$(sink down dropped)" = "$((N - 1))"
echo "# test time ${SECONDS}s"

# The receiver comes up: the queued (newest) event is delivered.
"$T/hook_recv" "$DOWN" 0 > "$WORK/down.out" 2> "$WORK/down.err" &
PIDS+=($!)
check "the down sink's queued event arrives once a receiver listens" \
    wait_for 90 grep -q ' 204 ' "$WORK/down.out"
echo "# test time ${SECONDS}s"
check "it is the newest event (seq $N or later)" \
    test "$(grep ' 204 ' "$WORK/down.out" | head -1 | cut -d' ' -f3- | jq -r .seq)" -ge "$N"
drained() { # every published event is sent, dropped or queued; nothing waits now
    status && [ "$(sink down queued)" = 0 ] &&
        [ $(($(sink down ok) + $(sink down dropped))) = "$(jq -r .last_seq "$WORK/status.json")" ]
}
check "down: queue empty; sent + dropped = published" wait_for 5 drained
check "down: no drop since the receiver came up" test "$(sink down dropped)" = "$((N - 1))"
check "the daemon logged the retries and the drops" \
    grep -q "sink down: queue full (1): oldest event dropped" "$WORK/daemon.err"
echo "# test time ${SECONDS}s"
finish
