#!/bin/bash
# Hostile input into the real daemon: invalid UTF-8 and over-long multi-byte names in every
# message format are rejected and counted while the daemon keeps serving; one source an hour
# ahead of the clock among five correct ones is refused (max_future) and every sample of the
# correct ones is accepted; the checkpoint round-trips exactly (the window written after a
# restart equals the one before); a checkpoint that cannot be written shows in status and
# /metrics and makes the exit status of stop non-zero.
# usage: test_daemon_bad_names_and_clocks.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
T=$1
BIN=$(readlink -f "$2")
P=$(free_base)
cat > "$WORK/d.yaml" <<CONF
bucket: 1s
lateness: 2s
idle_flush: 1s
checkpoint_every: 1s
state_dir: $WORK/state
inputs:
  - {name: lp, type: zmq_pull, endpoint: "tcp://127.0.0.1:$P", format: influx}
  - {name: js, type: zmq_pull, endpoint: "tcp://127.0.0.1:$((P + 4))", format: json}
  - {name: lg, type: zmq_pull, endpoint: "tcp://127.0.0.1:$((P + 5))", format: log}
  - {name: lj, type: zmq_pull, endpoint: "tcp://127.0.0.1:$((P + 6))", format: log_json}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
metrics: {listen: "127.0.0.1:$((P + 3))"}
scopes:
  - {name: hosts, match: ["*"], window: 200, refresh_every: 100000}
CONF
Q="tcp://127.0.0.1:$((P + 2))"
status() { "$BIN" query --timeout 2 --connect "$Q" status; }
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
wait_for 10 status > /dev/null
now=$(date +%s)
long=$(printf '\xc3\xa9%.0s' $(seq 600)) # 1200 bytes of e-acute
{
    printf 'cpu,host=bad\xff v=1 %d000000000\n' $((now - 60))
    printf 'cpu,host=%s v=1 %d000000000\n' "$long" $((now - 60))
    printf 'cpu,host=caf\xc3\xa9 v=1 %d000000000\n' $((now - 60))
} | "$T/zpush" "tcp://127.0.0.1:$P" 10
# five hosts on time, one an hour ahead (then the rest, whose log lines carry the arrival time): 50 samples each, one a second
for k in $(seq 0 49); do
    for h in 1 2 3 4 5; do printf 'load,host=h%d v=%d %d000000000\n' $h $((k + h)) $((now - 55 + k)); done
    printf 'load,host=fast v=%d %d000000000\n' $k $((now + 3600 - 55 + k))
done | "$T/zpush" "tcp://127.0.0.1:$P" 6
counted() { status | grep -q '"future":50'; }
check "the host an hour ahead is refused, 50 samples counted as future" wait_for 10 counted
printf '{"name":"m\xfe","time":%d,"value":1}\n' $((now - 5)) | "$T/zpush" "tcp://127.0.0.1:$((P + 4))" 1
printf 'ERROR disk \xc3 failed\nINFO fine\n' | "$T/zpush" "tcp://127.0.0.1:$((P + 5))" 10
printf '{"log":"oops \xed\xa0\x80","time":"%s"}\n' "$(date -u -d @$((now - 5)) +%FT%TZ)" | "$T/zpush" "tcp://127.0.0.1:$((P + 6))" 1
sleep 0.5
status > "$WORK/status.json"
check "every sample of the five correct hosts is accepted (251 records with the valid e-acute one, none late)" \
    grep -q '"name":"lp","type":"zmq_pull","records":251,.*"late":0' "$WORK/status.json"
check "invalid UTF-8 in a tag is counted as bad_utf8" grep -q '"name":"lp".*"bad_utf8":1' "$WORK/status.json"
check "an over-long multi-byte name is counted as name_too_long" grep -q '"name_too_long":1' "$WORK/status.json"
check "invalid UTF-8 in JSON is rejected and counted" grep -Eq '"name":"js"[^]]*"(bad_utf8|syntax)":1' "$WORK/status.json"
check "an invalid plain-text log line is rejected as bad_utf8, the valid one kept" \
    test "$(jq -r '.inputs[] | select(.name == "lg") | "\(.records) \(.lines) \(.rejected.bad_utf8) \([.rejected[]] | add)"' "$WORK/status.json")" = "1 2 1 1"
check "an invalid JSON log record is rejected and counted" grep -Eq '"name":"lj"[^]]*"(bad_utf8|syntax)":1' "$WORK/status.json"
ckpt_ok() { [ "$(status | jq '.checkpoint.ok == 1 and .checkpoint.written >= 1')" = true ]; }
check "checkpoints keep being written" wait_for 5 ckpt_ok
kill -TERM $D
wait $D
rc=$?
check "SIGTERM exits 0 (got $rc)" test $rc -eq 0
"$T/ckwindows" "$WORK/state/checkpoint.json" > "$WORK/a.cells"
check "the window holds the valid multi-byte series" grep -q 'cpu.v{host=caf' "$WORK/a.cells"
check "and the five hosts' 50 seconds" test "$(grep -c 'load.v{host=h1}' "$WORK/a.cells")" -ge 50

# the checkpoint round trip: restart, stop, the window is the same cell by cell
"$BIN" run --config "$WORK/d.yaml" 2>> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
wait_for 10 status > /dev/null
sleep 1.5
kill -TERM $D
wait $D
"$T/ckwindows" "$WORK/state/checkpoint.json" > "$WORK/b.cells"
check "the checkpoint round-trips exactly ($(wc -l < "$WORK/a.cells") cells)" cmp -s "$WORK/a.cells" "$WORK/b.cells"

# a checkpoint that cannot be written: status, /metrics and the exit status say so
"$BIN" run --config "$WORK/d.yaml" 2>> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
wait_for 10 status > /dev/null
mv "$WORK/state" "$WORK/state.moved"
touch "$WORK/state" # no longer a directory
failing() { [ "$(status | jq '.checkpoint.ok == 0 and .checkpoint.written == 0 and .checkpoint.failures >= 1')" = true ]; }
check "a failed checkpoint shows in status" wait_for 5 failing
http_metrics() {
    exec 3<> "/dev/tcp/127.0.0.1/$((P + 3))" || return 1
    printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    cat <&3 > "$WORK/metrics.txt"
    exec 3<&-
    grep -q 'causalmon_checkpoint_ok 0' "$WORK/metrics.txt"
}
check "and in /metrics" wait_for 5 http_metrics
kill -TERM $D
wait $D
rc=$?
check "stop exits non-zero when the final checkpoint fails (got $rc)" test $rc -eq 1
finish
