#!/usr/bin/env bash
# bench/kafka-restarts.sh - kill -9 (or SIGTERM) at KILLS random points of a SAMPLES-sample
# Kafka ingest (100 series, 1 ms apart in event time, 4 partitions of the mock cluster), ROUNDS
# times, with the default configuration (store: checkpoint, checkpoint_every 60s; CHECKPOINT=1s
# in the environment for a faster cadence). Each round compares the daemon's window, cell by
# cell, with that of a daemon that read the same topic without a stop, and prints the cells
# lost, wrong and extra. tests/integration/test_kafka_restarts_lose_nothing.sh is the small
# version that runs in CI.
# usage: bench/kafka-restarts.sh BUILD_DIR [SAMPLES [KILLS [ROUNDS [KILL|TERM]]]]
B=$(readlink -f "$1")
SAMPLES=${2:-200000}
KILLS=${3:-5}
ROUNDS=${4:-3}
SIG=${5:-KILL}
HERE=$(cd "$(dirname "$0")/../tests/integration" && pwd)
. "$HERE/lib.sh"
. "$HERE/kafka_restarts.sh"
topics=()
for r in $(seq "$ROUNDS"); do topics+=("r$r:4"); done
start_broker "$B/tests" "${topics[@]}"
echo "bench/kafka-restarts: $SAMPLES samples, $KILLS x SIG$SIG per round, $ROUNDS round(s), checkpoint_every ${CHECKPOINT:-60s (default)}; $(nproc) cores"
total_lost=0 total_wrong=0 total_extra=0
for r in $(seq "$ROUNDS"); do
    S0=$SECONDS
    round "$B/tests" "$B/causalmon" "r$r" "$SAMPLES" "$KILLS" "$SIG" "${CHECKPOINT:-}"
    echo "round $r: $CELLS cells, lost $LOST, wrong $WRONG, extra $EXTRA, late $LATE ($((SECONDS - S0)) s)"
    total_lost=$((total_lost + LOST)) total_wrong=$((total_wrong + WRONG)) total_extra=$((total_extra + EXTRA))
done
echo "total: lost $total_lost, wrong $total_wrong, extra $total_extra over $ROUNDS round(s) of $KILLS SIG$SIG"
[ "$FAILS" -eq 0 ] && [ $((total_lost + total_wrong + total_extra)) -eq 0 ]
