#!/bin/bash
# The Kafka source against a real Kafka-protocol broker (librdkafka's mock cluster in its own
# process): at-least-once into the aligner across kill -9, poison messages skipped, two
# consumers in one group sharing the partitions, and a paused consumer that fetches nothing.
# usage: test_kafka_source.sh TESTS_BUILD_DIR
. "$(dirname "$0")/lib.sh"
T=$1
start_broker "$T" metrics:4 shared:4 paused:2

# 100,000 samples, 20 lines per message, every 50th message poison.
"$T/kproduce" "$BOOTSTRAP" metrics 100000 20 50 > "$WORK/produce.out" || fail "produce"

# First consumer: slowed down, killed with SIGKILL once half the samples reached the aligner.
"$T/kconsume" "$BOOTSTRAP" metrics g1 "$WORK/trace" 30 1000 > "$WORK/c1.out" 2> "$WORK/c1.err" &
C1=$!
PIDS+=($C1)
check "the first consumer gets half the samples into the aligner" wait_for 120 lines_at_least "$WORK/trace" 50000
kill -9 $C1
wait $C1 2>/dev/null
before=$(wc -l < "$WORK/trace")
check "the first consumer was killed before it finished ($before of 100000)" test "$before" -lt 100000

# Restart: resumes from the committed offsets. The killed member's partitions are reassigned
# once its session times out (6 s), so the test waits until every sample arrived (or 90 s),
# then stops the consumer cleanly with SIGTERM.
"$T/kconsume" "$BOOTSTRAP" metrics g1 "$WORK/trace" 120 > "$WORK/c2.out" 2> "$WORK/c2.err" &
C2=$!
PIDS+=($C2)
distinct_at_least() { [ "$(sort -un "$1" | wc -l)" -ge "$2" ]; }
wait_for 90 distinct_at_least "$WORK/trace" 100000
kill -TERM $C2
wait $C2
distinct=$(sort -un "$WORK/trace" | wc -l)
total=$(wc -l < "$WORK/trace")
lo=$(sort -n "$WORK/trace" | head -1)
hi=$(sort -n "$WORK/trace" | tail -1)
echo "# trace: $total records, $distinct distinct samples ($((total - distinct)) replayed after the kill)"
check "every one of 100000 samples reached the aligner at least once" test "$distinct" -eq 100000 -a "$lo" -eq 0 -a "$hi" -eq 99999
[ "$distinct" -eq 100000 ] || { echo "# restarted consumer: $(cat "$WORK/c2.out")"; sed 's/^/# /' "$WORK/c2.err" | tail -20; }
check "the restart resumed near the kill point (replayed < half)" test $((total - distinct)) -lt 50000
# (the poison line's tag value runs into an unescaped '=': a syntax error, as in InfluxDB)
check "poison messages were counted and skipped" grep -q '"syntax"' "$WORK/c2.out"

# Two consumers in one group: both get partitions, together they cover all four.
"$T/kconsume" "$BOOTSTRAP" shared g2 "$WORK/ta" 8 200 > "$WORK/a.out" 2> "$WORK/a.err" &
A=$!
PIDS+=($A)
sleep 2
"$T/kconsume" "$BOOTSTRAP" shared g2 "$WORK/tb" 8 200 > "$WORK/b.out" 2> "$WORK/b.err" &
B=$!
PIDS+=($B)
check "both consumers are assigned partitions" wait_for 30 grep -q assigned "$WORK/b.err"
"$T/kproduce" "$BOOTSTRAP" shared 20000 10 > /dev/null || fail "produce shared"
wait $A
wait $B
echo "# consumer a: $(cat "$WORK/a.out")"
echo "# consumer b: $(cat "$WORK/b.out")"
pa=$(sed 's/.*"partitions": \[\([^]]*\)\].*/\1/' "$WORK/a.out")
pb=$(sed 's/.*"partitions": \[\([^]]*\)\].*/\1/' "$WORK/b.out")
union=$(echo "$pa, $pb" | tr ', ' '\n\n' | grep -v '^$' | sort -un | tr '\n' ' ')
check "each consumer read some partitions (a: $pa; b: $pb)" test -n "$pa" -a -n "$pb"
check "together they covered partitions 0-3 ($union)" test "$union" = "0 1 2 3 "
both=$(cat "$WORK/ta" "$WORK/tb" 2>/dev/null | sort -un | wc -l)
check "together they got all 20000 samples ($both)" test "$both" -eq 20000
# Pause: the loop pauses an input it does not read for a while (sources.c); fetching stops, and
# every sample arrives once it resumes.
"$T/kproduce" "$BOOTSTRAP" paused 20000 10 > /dev/null || fail "produce paused"
KCONSUME_PAUSE_AFTER=200 "$T/kconsume" "$BOOTSTRAP" paused g3 "$WORK/tp" 4 500 > "$WORK/p.out" 2> "$WORK/p.err"
echo "# paused consumer: $(cat "$WORK/p.out")"
check "the consumer paused and resumed" jq -e 'has("paused_messages")' "$WORK/p.out"
check "no message came in the pause's last second" jq -e '.paused_last_second == 0' "$WORK/p.out"
check "every one of 20000 samples arrived after the resume ($(sort -un "$WORK/tp" | wc -l))" \
  test "$(sort -un "$WORK/tp" | wc -l)" -eq 20000
finish
