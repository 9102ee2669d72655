#!/bin/bash
# Two daemons in one Kafka consumer group split four scopes (kafka input with handover_dir):
# records are keyed by scope, each scope runs on exactly one daemon, and when one daemon is
# stopped with SIGTERM in the middle of the ingest its scopes move to the other with their
# windows; at the end the survivor's sample count of every scope equals what was produced for it
# (none lost, none counted twice), and no scope ever ran on both at once.
# usage: test_two_daemons_in_one_group_split_scopes_and_hand_over.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
T=$1
BIN=$(readlink -f "$2")
start_broker "$T" split:4
# Four scopes, keyed by their names; librdkafka's default partitioner (CRC32 of the key) puts
# them in partitions 2, 0, 1 and 3, so each daemon gets some.
SCOPES="shop pay auth cart"
SAMPLES=40000 # 4 scopes x 10,000, one sample per 10 ms of event time: 400 buckets
BATCHES=20
PER=$((SAMPLES / BATCHES))
PORT=$(free_base)
mkdir -p "$WORK/handover"

conf() { # conf NAME PORT
    mkdir -p "$WORK/$1"
    cat > "$WORK/$1/d.yaml" <<CONF
state_dir: $WORK/$1/state
log_level: info
idle_flush: 2s
checkpoint_every: 2s
max_gap: 0
inputs:
  - {name: k, type: kafka, brokers: "$BOOTSTRAP", topics: [split], group: split, format: influx,
     handover_dir: "$WORK/handover",
     rdkafka: {session.timeout.ms: "6000", heartbeat.interval.ms: "500"}}
alerts: {endpoint: "tcp://127.0.0.1:$2"}
query: {endpoint: "tcp://127.0.0.1:$(($2 + 1))"}
scopes:
$(for s in $SCOPES; do
    echo "  - {name: $s, match: [\"$s.*\"], window: 1000, max_series: 10, refresh_every: 100000}"
done)
CONF
}
conf a "$PORT"
conf b $((PORT + 2))
status() { "$BIN" query --timeout 2 --connect "tcp://127.0.0.1:$(($1 + 1))" status 2> /dev/null; }
# "shop=1 pay=0 ..." : which scopes run on the daemon whose query port is $1
served() { status "$1" | jq -r '[.scopes[] | "\(.name)=\(.served)"] | join(" ")'; }
assigned() { status "$1" | jq -e '[.inputs[0].lag // [] | length] | .[0] > 0' > /dev/null; }

"$BIN" run --config "$WORK/a/d.yaml" 2> "$WORK/a.err" &
A=$!
PIDS+=($A)
"$BIN" run --config "$WORK/b/d.yaml" 2> "$WORK/b.err" &
B=$!
PIDS+=($B)
check "both daemons are assigned partitions of the topic" \
    wait_for $((30 * TIME_SCALE)) bash -c "$(declare -f status assigned); BIN=$BIN; assigned $PORT && assigned $((PORT + 2))"

# Producer: BATCHES batches of keyed records, one after another in event time.
(for b in $(seq 0 $((BATCHES - 1))); do
    KPRODUCE_SCOPES=$(echo $SCOPES | tr ' ' ,) KPRODUCE_STEP_MS=10 "$T/kproduce" "$BOOTSTRAP" split "$PER" 25 0 \
        $((1700000000000000000 + b * PER * 10000000)) > "$WORK/produce.$b" || exit 1
    echo "$b" >> "$WORK/batches"
    sleep 0.3
done) &
PROD=$!

# While both run: sample which scopes each serves, every 0.2 s (also after the stop).
(while :; do
    echo "$(served "$PORT") | $(served $((PORT + 2)))" >> "$WORK/served.log"
    sleep 0.2
done) &
POLL=$!
PIDS+=($POLL)

# Midway: every scope that has data runs on exactly one daemon; then stop one that runs some.
check "half of the batches were produced" wait_for $((60 * TIME_SCALE)) lines_at_least "$WORK/batches" $((BATCHES / 2))
each_once() {
    local sa sb
    sa=$(served "$PORT") sb=$(served $((PORT + 2)))
    for k in $SCOPES; do
        [ $(( $(echo " $sa" | grep -c " $k=1") + $(echo " $sb" | grep -c " $k=1") )) -eq 1 ] || return 1
    done
}
check "midway, each of the 4 scopes runs on exactly one daemon (a: $(served "$PORT"); b: $(served $((PORT + 2))))" \
    wait_for $((10 * TIME_SCALE)) each_once
SA=$(served "$PORT")
SB=$(served $((PORT + 2)))
echo "# midway: a serves $SA; b serves $SB"
check "the scopes are split: each daemon runs some" \
    bash -c "echo '$SA' | grep -q '=1' && echo '$SB' | grep -q '=1'"
if echo "$SA" | grep -q "=1"; then
    STOP=$A SURV=$B SPORT=$((PORT + 2)) MOVED=$SA
else
    STOP=$B SURV=$A SPORT=$PORT MOVED=$SB
fi
kill -TERM "$STOP"
wait "$STOP"
rc=$?
check "the stopped daemon exited 0 after its final checkpoint (status $rc)" test "$rc" -eq 0

wait "$PROD"
check "every batch was produced" test "$(wc -l < "$WORK/batches")" -eq "$BATCHES"
# every partition read to its end, and the idle flush (2 s) closed the last buckets
caught_up() {
    local s
    s=$(status "$SPORT") || return 1
    [ "$(echo "$s" | jq '[.inputs[0].lag[]?] | length')" -eq 4 ] || return 1
    [ "$(echo "$s" | jq '[.inputs[0].lag[]? | select(.lag != 0)] | length')" -eq 0 ]
}
check "the surviving daemon holds all 4 partitions and read them to the end" \
    wait_for $((60 * TIME_SCALE)) caught_up
all_rows() { # every scope's window reached its last bucket
    status "$SPORT" | jq -e '[.scopes[] | select(.served == 1 and .window_fill >= 100)] | length == 4' > /dev/null
}
wait_for $((20 * TIME_SCALE)) all_rows
sleep 3 # the idle flush closes the last buckets
FINAL=$(status "$SPORT")
kill "$POLL" 2> /dev/null
echo "# survivor: $(echo "$FINAL" | jq -c '[.scopes[] | {name, served, samples, window_fill, handover}]')"
echo "# survivor aligner: $(echo "$FINAL" | jq -c .aligner)"
grep -H "runs here from now\|handed over\|caught up" "$WORK/a.err" "$WORK/b.err" | sed "s|^$WORK/|# |"

for k in $SCOPES; do
    produced=$(cat "$WORK"/produce.* | awk -v s="$k" '$1 == "scope" && $2 == s { n += $4 } END { print n + 0 }')
    parts=$(cat "$WORK"/produce.* | awk -v s="$k" '$1 == "scope" && $2 == s { print $6 }' | sort -u | tr '\n' ' ')
    got=$(echo "$FINAL" | jq ".scopes[] | select(.name == \"$k\") | .samples")
    check "scope $k (partition $parts): the survivor counted exactly the $produced samples produced for it (got $got)" \
        test "$produced" -eq $((SAMPLES / 4)) -a "$got" -eq "$produced"
    check "scope $k runs on the survivor at the end" \
        test "$(echo "$FINAL" | jq ".scopes[] | select(.name == \"$k\") | .served")" -eq 1
done
SERR=$WORK/$([ "$SURV" = "$A" ] && echo a || echo b).err
for k in $(echo "$MOVED" | tr ' ' '\n' | grep '=1$' | cut -d= -f1); do
    rows=$(grep -o "scope $k: runs here from now (taken over with [0-9]*" "$SERR" | grep -o '[0-9]*$' | tail -1)
    check "scope $k moved: the survivor took it over with the stopped daemon's window (${rows:-no} rows)" \
        test "${rows:-0}" -gt 0
done
# no scope ran on both at once: in no sample of the poll is a scope served on both sides
both=$(awk -F' [|] ' -v names="$SCOPES" 'BEGIN { ns = split(names, nm, " ") }
    { for (k = 1; k <= ns; k++) if (index(" " $1, " " nm[k] "=1") && index(" " $2, " " nm[k] "=1")) n++ }
    END { print n + 0 }' "$WORK/served.log")
check "no scope ran on both daemons at once ($(wc -l < "$WORK/served.log") polls, $both overlaps)" test "$both" -eq 0
check "the handover directory has a file per scope" test "$(ls "$WORK/handover" | grep -c '\.scope$')" -eq 4
# metrics and status agree on the new families (one registry)
check "status shows served and samples for every scope" \
    test "$(echo "$FINAL" | jq '[.scopes[] | select(has("served") and has("samples"))] | length')" -eq 4
kill -TERM "$SURV"
wait "$SURV"
check "the surviving daemon exited 0" test $? -eq 0
finish
