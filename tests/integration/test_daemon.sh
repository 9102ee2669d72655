#!/bin/bash
# The daemon end to end with the real binary: the shipped config and unit file check out; line
# protocol pushed over ZeroMQ and produced into Kafka (mock cluster) fills the scope's window and
# a graph appears in `query graph`; a NOTIFY_SOCKET capture sees READY, WATCHDOG, RELOADING and
# STOPPING; SIGHUP with a broken file keeps the old config, one changing a restart-only option is
# refused and names it, one changing a reloadable option is applied; garbage queries get an error
# reply.
# usage: test_daemon.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
T=$1
BIN=$(readlink -f "$2")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

check "the shipped conf/causalmon.yaml passes --check-config" "$BIN" run --check-config "$ROOT/conf/causalmon.yaml" > /dev/null
printf 'bucket: 1s\nscopes:\n  - {name: a, match: [x], windw: 3}\n' > "$WORK/bad.yaml"
"$BIN" run --check-config "$WORK/bad.yaml" 2> "$WORK/bad.err"
check "a bad config exits 2" test $? -eq 2
check "the error names file:line:col and the key" grep -q "bad.yaml:3:27: unknown key 'windw'" "$WORK/bad.err"
"$BIN" run --config-reference > "$WORK/ref.txt"
check "the reference lists every option with its meaning" grep -q "scopes\[\].refresh_every (integer, default 30" "$WORK/ref.txt"
if command -v systemd-analyze > /dev/null; then
    sed -e "s|@CMAKE_INSTALL_FULL_BINDIR@/causalmon|$BIN|g" -e "s|@CAUSALMON_CONFIG@|$WORK/d.yaml|g" \
        "$ROOT/systemd/causalmon.service.in" > "$WORK/causalmon.service"
    # the man pages named by Documentation= are installed with the package, not here
    check "systemd-analyze verify accepts the unit" systemd-analyze verify --man=no "$WORK/causalmon.service"
fi

start_broker "$T" metrics:2
P=$(free_base)
cat > "$WORK/d.yaml" <<CONF
bucket: 1s
lateness: 2s
idle_flush: 1s
checkpoint_every: 1s
state_dir: $WORK/state
inputs:
  - {name: m, type: zmq_pull, endpoint: "tcp://127.0.0.1:$P", format: influx}
  - {name: k, type: kafka, brokers: "$BOOTSTRAP", topics: [metrics], group: daemon-test,
     format: influx, rdkafka: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))", heartbeat: 500ms}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
metrics: {listen: "127.0.0.1:$((P + 3))"}
scopes:
  - {name: shop, match: ["shop.*"], window: 300, tau_max: 2, refresh_every: 30}
CONF
Q="tcp://127.0.0.1:$((P + 2))"
"$T/notify_capture" "$WORK/notify.sock" > "$WORK/notify.log" &
PIDS+=($!)
wait_for 5 test -S "$WORK/notify.sock"
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=300000 "$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
check "READY=1 is sent once the sockets are bound" wait_for 10 grep -q "READY=1" "$WORK/notify.log"

# 4 series of a simulated SVAR over ZeroMQ: rows 1-400 now, 401-500 after a restart
"$BIN" simulate --vars 4 --samples 500 --tau-max 2 --seed 5 --out "$WORK/sim.csv" --truth "$WORK/truth.json" 2>/dev/null
push_rows() { # push_rows FIRST LAST [SHIFT_S]: rows FIRST..LAST, times shifted by SHIFT_S
    awk -F, -v a="$1" -v b="$2" -v s="${3:-0}" 'NR > a && NR <= b + 1 { for (i = 2; i <= NF; i++) printf "shop,svc=s%d v=%s %d000000000\n", i - 2, $i, $1 + s }' \
        "$WORK/sim.csv" | "$T/zpush" "tcp://127.0.0.1:$P" 100 2> /dev/null
}
push_rows 1 400
fill() { "$BIN" query --timeout 2 --connect "$Q" status | grep -q '"window_fill":300'; }
check "the scope's window fills from ZeroMQ" wait_for 20 fill
graph() { "$BIN" query --timeout 2 --connect "$Q" graph --scope shop > "$WORK/graph.json" && grep -q '"links":\[{' "$WORK/graph.json"; }
check "a graph appears in query graph" wait_for 20 graph
check "the graph names the scope's series" grep -q '"shop.v{svc=s0}"' "$WORK/graph.json"

# records through Kafka, later in event time than the ZeroMQ ones (else they would be late)
"$T/kproduce" "$BOOTSTRAP" metrics 2000 20 0 1700001000000000000 > /dev/null
kafka_in() { "$BIN" query --timeout 2 --connect "$Q" status | grep -q '"name":"k","type":"kafka","records":2000'; }
check "records produced into Kafka reach the aligner" wait_for 30 kafka_in
"$BIN" query --timeout 2 --connect "$Q" status > "$WORK/status.json"
check "status reports Kafka lag per assigned partition" grep -q '"lag":\[{"topic":"metrics"' "$WORK/status.json"

"$BIN" query --timeout 2 --connect "$Q" "no such thing" > "$WORK/garbage.json"
check "a garbage query gets an error reply (exit 2)" test $? -eq 2
check "the reply says what is known" grep -q '"error":"unknown query' "$WORK/garbage.json"
quiet_status() { "$BIN" query --timeout 2 --connect "$Q" status > /dev/null; }
check "the daemon carries on after it" quiet_status

http_metrics() { # GET /metrics with bash's /dev/tcp (no curl on a fresh machine)
    exec 3<> "/dev/tcp/127.0.0.1/$((P + 3))" || return 1
    printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    cat <&3 > "$WORK/metrics.txt"
    exec 3<&-
    grep -q 'causalmon_records_total{input="k"} 2000' "$WORK/metrics.txt"
}
check "/metrics serves the Prometheus text with ingest counters" wait_for 5 http_metrics
check "/metrics has rejects, lag and refresh latency" grep -q 'causalmon_refresh_seconds{scope="shop"}' "$WORK/metrics.txt"
"$BIN" tail --connect "tcp://127.0.0.1:$((P + 1))" --topic heartbeat --count 1 --timeout 5 > "$WORK/hb.json"
check "tail receives the heartbeat with epoch and seq" grep -q '"epoch":".*","seq":0' "$WORK/hb.json"
check "WATCHDOG=1 pings arrive" wait_for 5 grep -q "WATCHDOG=1" "$WORK/notify.log"
cp "$WORK/d.yaml" "$WORK/good.yaml"
printf 'bucket: [\n' > "$WORK/d.yaml"
kill -HUP $D
check "SIGHUP sends RELOADING=1" wait_for 5 grep -q "RELOADING=1" "$WORK/notify.log"
check "a broken file on reload is reported" wait_for 5 grep -q "reload of .* failed, the running configuration stays" "$WORK/daemon.err"
check "and the daemon keeps serving with the old config" quiet_status
sed 's/refresh_every: 30}/refresh_every: 30, alpha: 0.05}/' "$WORK/good.yaml" > "$WORK/d.yaml"
kill -HUP $D
check "a reload changing a restart-only scope option is refused and names it" wait_for 5 \
    grep -q "reload of .* refused, the running configuration stays: 'scopes\[0\].alpha' changed: it takes a restart" "$WORK/daemon.err"
sed 's/refresh_every: 30}/refresh_every: 10}/' "$WORK/good.yaml" > "$WORK/d.yaml"
kill -HUP $D
check "a reload changing a reloadable scope option is accepted" wait_for 5 grep -q "reloaded $WORK/d.yaml" "$WORK/daemon.err"
check "and the daemon keeps serving after it" quiet_status
cp "$WORK/good.yaml" "$WORK/d.yaml"
kill -TERM $D
wait $D
rc=$?
check "SIGTERM stops cleanly with exit 0 (got $rc)" test $rc -eq 0
check "STOPPING=1 is sent" grep -q "STOPPING=1" "$WORK/notify.log"
check "a checkpoint was written on stop" test -s "$WORK/state/checkpoint.json"

# Restart: the window comes back from the checkpoint and goes on with new rows.
"$BIN" run --config "$WORK/d.yaml" 2>> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
restored() { "$BIN" query --timeout 2 --connect "$Q" status 2> /dev/null | grep -q '"window_fill":300'; }
check "after a restart the window is restored (300 rows)" wait_for 10 restored
push_rows 401 500 1000 # after the Kafka records (1700001000 s), which moved event time on
refreshed() { "$BIN" query --timeout 2 --connect "$Q" status | grep -q '"refreshes":[1-9]'; }
check "the restored window continues and is refreshed with the new rows" wait_for 20 refreshed
sleep 1.5 # past a periodic checkpoint
kill -9 $D
wait $D 2> /dev/null
newest=$(grep -o '"times":\[[^]]*\]' "$WORK/state/checkpoint.json" | tr ',' '\n' | tail -1 | tr -d ']')
check "the periodic checkpoint holds rows from after the restart ($newest)" test "${newest:-0}" -ge 1700001450000000000
"$BIN" run --config "$WORK/d.yaml" 2>> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
check "after kill -9 the window comes back from the periodic checkpoint" wait_for 10 restored
kill -TERM $D
wait $D
echo '{"version": 99}' > "$WORK/state/checkpoint.json"
"$BIN" run --config "$WORK/d.yaml" 2>> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
check "an incompatible checkpoint is reported, not fatal" wait_for 10 grep -q "ignoring the checkpoint" "$WORK/daemon.err"
check "and the daemon serves anyway" wait_for 5 quiet_status
kill -TERM $D
wait $D
finish
