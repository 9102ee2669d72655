#!/bin/bash
# kill -9 and SIGTERM in the middle of a Kafka ingest with store: checkpoint (the default):
# after the restarts the scope window equals, cell by cell, that of an uninterrupted run (no
# bucket lost, none counted twice). A small version of bench/kafka-restarts.sh.
# usage: test_kafka_restarts_lose_nothing.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kafka_restarts.sh"
T=$1
start_broker "$T" k9:4 term:4
export PRODUCE_PAUSE=0.5
# both rounds at once (each waits mostly for group joins)
(round "$T" "$(readlink -f "$2")" k9 30000 2 KILL 1s; echo "$LOST $WRONG $EXTRA $CELLS $LATE" > "$WORK/k9.res") &
R1=$!
(round "$T" "$(readlink -f "$2")" term 30000 1 TERM 1s; echo "$LOST $WRONG $EXTRA $CELLS $LATE" > "$WORK/term.res") &
R2=$!
wait $R1 $R2
read -r LOST WRONG EXTRA CELLS LATE < "$WORK/k9.res"
check "kill -9 twice: every bucket equals the uninterrupted run's ($CELLS cells; lost $LOST, wrong $WRONG, extra $EXTRA)" \
    test "$LOST" -eq 0 -a "$WRONG" -eq 0 -a "$EXTRA" -eq 0 -a "$CELLS" -ge 3000
check "kill -9: partitions read at other paces make no record late in either daemon (late $LATE)" \
    test "$LATE" -eq 0
read -r LOST WRONG EXTRA CELLS LATE < "$WORK/term.res"
check "SIGTERM and a restart: every bucket equals the uninterrupted run's ($CELLS cells; lost $LOST, wrong $WRONG, extra $EXTRA)" \
    test "$LOST" -eq 0 -a "$WRONG" -eq 0 -a "$EXTRA" -eq 0 -a "$CELLS" -ge 3000
check "SIGTERM: partitions read at other paces make no record late in either daemon (late $LATE)" \
    test "$LATE" -eq 0
finish
