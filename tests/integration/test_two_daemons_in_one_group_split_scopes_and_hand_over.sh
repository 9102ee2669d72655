#!/bin/bash
# Two daemons in one Kafka consumer group split four scopes (kafka input with handover_dir).
# Records are keyed by scope. Daemon a starts alone and runs all four scopes; daemon b joins in
# the middle of the ingest, and the rebalance hands two scopes with their windows from a to b
# (a keeps running); later b is stopped with SIGTERM and its scopes go back to a. At the end a's
# sample count of every scope equals what was produced for it (none lost, none counted twice),
# every cell of a's windows equals the mean computed from the produced samples, each scope ran
# on exactly one daemon in the middle, and no scope ever ran on both at once.
# usage: test_two_daemons_in_one_group_split_scopes_and_hand_over.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
T=$1
BIN=$(readlink -f "$2")
start_broker "$T" split:4
# Four scopes keyed by their names; librdkafka's default partitioner (CRC32 of the key) puts
# them in partitions 2, 0, 1 and 3, so both daemons get some.
SCOPES="shop pay auth cart"
SAMPLES=40000 # 4 scopes x 10,000 samples, one per 10 ms of event time: 400 one-second buckets
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
assigned() { status "$1" | jq -e '(.inputs[0].lag // []) | length > 0' > /dev/null; }
serves_all() { [ "$(served "$1" | grep -o '=1' | wc -l)" -eq 4 ]; }

"$BIN" run --config "$WORK/a/d.yaml" 2> "$WORK/a.err" &
A=$!
PIDS+=($A)
check "daemon a is assigned the topic's partitions" wait_for $((30 * TIME_SCALE)) assigned "$PORT"

# Producer: BATCHES batches of keyed records, one after another in event time; the last 8 wait
# until b has been stopped, so that the stop falls in the middle of the ingest.
(for b in $(seq 0 $((BATCHES - 1))); do
    while [ "$b" -ge $((BATCHES - 8)) ] && [ ! -e "$WORK/stopped" ]; do sleep 0.1; done
    KPRODUCE_SCOPES=$(echo $SCOPES | tr ' ' ,) KPRODUCE_STEP_MS=10 "$T/kproduce" "$BOOTSTRAP" split "$PER" 25 0 \
        $((1700000000000000000 + b * PER * 10000000)) > "$WORK/produce.$b" || exit 1
    echo "$b" >> "$WORK/batches"
    sleep 0.5
done) &
PROD=$!

# Which scopes each daemon serves, every 0.2 s until the end.
(while :; do
    echo "$(served "$PORT") | $(served $((PORT + 2)))" >> "$WORK/served.log"
    sleep 0.2
done) &
POLL=$!
PIDS+=($POLL)

check "daemon a alone runs all four scopes" wait_for $((30 * TIME_SCALE)) serves_all "$PORT"
wait_for $((60 * TIME_SCALE)) lines_at_least "$WORK/batches" 4
"$BIN" run --config "$WORK/b/d.yaml" 2> "$WORK/b.err" &
B=$!
PIDS+=($B)
echo "# daemon b joins after $(wc -l < "$WORK/batches") of $BATCHES batches"

each_once() { # every scope runs on exactly one daemon, and each daemon runs some
    local sa sb
    sa=" $(served "$PORT")" sb=" $(served $((PORT + 2)))"
    for k in $SCOPES; do
        [ $(($(echo "$sa" | grep -c " $k=1") + $(echo "$sb" | grep -c " $k=1"))) -eq 1 ] || return 1
    done
    echo "$sa" | grep -q "=1" && echo "$sb" | grep -q "=1"
}
check "after b joined, the scopes are split: each runs on exactly one daemon, each daemon runs some" \
    wait_for $((40 * TIME_SCALE)) each_once
SA=$(served "$PORT")
SB=$(served $((PORT + 2)))
echo "# split: a serves $SA; b serves $SB; $(wc -l < "$WORK/batches") batches produced"
MOVED=$(echo "$SB" | tr ' ' '\n' | grep '=1$' | cut -d= -f1 | tr '\n' ' ')
for k in $MOVED; do
    rows=$(grep -o "scope $k: runs here from now (taken over with [0-9]*" "$WORK/b.err" | grep -o '[0-9]*$' | tail -1)
    check "scope $k moved from a (still running) to b with a's window (${rows:-no} rows)" test "${rows:-0}" -gt 0
done

# Stop b in the middle of the ingest; its scopes go back to a.
wait_for $((60 * TIME_SCALE)) lines_at_least "$WORK/batches" $((BATCHES - 8))
echo "# b is stopped after $(wc -l < "$WORK/batches") of $BATCHES batches"
kill -TERM "$B"
wait "$B"
rc=$?
check "daemon b exited 0 after its final checkpoint (status $rc)" test "$rc" -eq 0
touch "$WORK/stopped"

wait "$PROD"
check "every batch was produced" test "$(wc -l < "$WORK/batches")" -eq "$BATCHES"
caught_up() { # a holds all 4 partitions, read to their end
    local s
    s=$(status "$PORT") || return 1
    [ "$(echo "$s" | jq '[.inputs[0].lag[]?] | length')" -eq 4 ] || return 1
    [ "$(echo "$s" | jq '[.inputs[0].lag[]? | select(.lag != 0)] | length')" -eq 0 ]
}
check "daemon a holds all 4 partitions again and read them to the end" \
    wait_for $((60 * TIME_SCALE)) caught_up
sleep $((4 * TIME_SCALE)) # the idle flush (2 s) closes the last buckets
FINAL=$(status "$PORT")
kill "$POLL" 2> /dev/null
echo "# a at the end: $(echo "$FINAL" | jq -c '[.scopes[] | {name, served, samples, window_fill, handover}]')"
echo "# a's aligner: $(echo "$FINAL" | jq -c .aligner)"
grep -H "runs here from now\|handed over\|caught up" "$WORK/a.err" "$WORK/b.err" | sed "s|^$WORK/|# |"

for k in $SCOPES; do
    produced=$(cat "$WORK"/produce.* | awk -v s="$k" '$1 == "scope" && $2 == s { n += $4 } END { print n + 0 }')
    part=$(cat "$WORK"/produce.* | awk -v s="$k" '$1 == "scope" && $2 == s { print $6 }' | sort -u | tr '\n' ' ')
    got=$(echo "$FINAL" | jq ".scopes[] | select(.name == \"$k\") | .samples")
    check "scope $k (partition $part): a counted exactly the $produced samples produced for it (got $got)" \
        test "$produced" -eq $((SAMPLES / 4)) -a "${got:-0}" -eq "$produced"
    check "scope $k runs on a at the end" \
        test "$(echo "$FINAL" | jq ".scopes[] | select(.name == \"$k\") | .served")" = 1
done
both=$(awk -F' [|] ' -v names="$SCOPES" 'BEGIN { ns = split(names, nm, " ") }
    { for (k = 1; k <= ns; k++) if (index(" " $1, " " nm[k] "=1") && index(" " $2, " " nm[k] "=1")) n++ }
    END { print n + 0 }' "$WORK/served.log")
check "no scope ran on both daemons at once ($(wc -l < "$WORK/served.log") polls, $both overlaps)" test "$both" -eq 0
check "the handover directory has a file per scope" test "$(ls "$WORK/handover" | grep -c '\.scope$')" -eq 4

kill -TERM "$A"
wait "$A"
check "daemon a exited 0" test $? -eq 0
# Every cell of a's windows against the mean of the samples produced for it: sample j of batch
# b is `NAME,s=<j mod 5> v=<j>` at 1700000000 s + b * 20 s + j * 10 ms, in scope (j / 25) mod 4.
"$T/ckwindows" "$WORK/a/state/checkpoint.json" | sort > "$WORK/got.cells"
awk -v names="$SCOPES" -v batches=$BATCHES -v per=$PER 'BEGIN {
    split(names, nm, " ")
    for (b = 0; b < batches; b++)
        for (j = 0; j < per; j++) {
            k = nm[int(j / 25) % 4 + 1] " " (1700000000 + b * 20 + int(j / 100)) "000000000 " nm[int(j / 25) % 4 + 1] ".v{s=" (j % 5) "}"
            sum[k] += j; cnt[k]++
        }
    for (k in sum) { split(k, f, " "); printf "%s %s %s %.12g\n", f[1], f[2], f[3], sum[k] / cnt[k] }
}' | sort > "$WORK/want.cells"
read -r LOST WRONG EXTRA < <(awk 'NR == FNR { want[$1 " " $2 " " $3] = $4; next }
    { k = $1 " " $2 " " $3; if (!(k in want)) { if ($4 != "nan") extra++ } else { seen[k] = 1; if (want[k] != $4) wrong++ } }
    END { for (k in want) if (!(k in seen)) lost++; print lost + 0, wrong + 0, extra + 0 }' \
    "$WORK/want.cells" "$WORK/got.cells")
check "a's windows hold every one of $(wc -l < "$WORK/want.cells") cells with the produced mean (lost $LOST, wrong $WRONG, extra $EXTRA)" \
    test "$LOST" -eq 0 -a "$WRONG" -eq 0 -a "$EXTRA" -eq 0 -a "$(wc -l < "$WORK/want.cells")" -eq 8000
finish
