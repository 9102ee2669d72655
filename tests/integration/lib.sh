# Shared helpers for the integration tests: result lines, a mock Kafka broker, waiting.
# Usage: source lib.sh; every test prints "ok - ..." or "not ok - ..." and exits non-zero on failure.
set -u
FAILS=0
WORK=$(mktemp -d /tmp/causalmon-it.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; FAILS=$((FAILS + 1)); }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
    if [ "$FAILS" -eq 0 ]; then echo "PASS: $(basename "$0")"; exit 0; fi
    echo "FAIL: $(basename "$0"): $FAILS check(s) failed"; exit 1
}

# start_broker TOOLS TOPIC:PARTS... -> sets BOOTSTRAP; the broker lives until the test exits.
start_broker() {
    local tools=$1; shift
    mkfifo "$WORK/broker.in"
    "$tools/mockbroker" 1 "$@" < "$WORK/broker.in" > "$WORK/broker.out" 2> "$WORK/broker.err" &
    PIDS+=($!)
    exec 9> "$WORK/broker.in" # keep its stdin open
    for _ in $(seq 100); do
        BOOTSTRAP=$(head -1 "$WORK/broker.out" 2>/dev/null)
        [ -n "$BOOTSTRAP" ] && return 0
        sleep 0.1
    done
    echo "mock broker did not start: $(cat "$WORK/broker.err")"
    exit 1
}

# wait_for SECONDS command... : polls every 0.1 s until the command succeeds, for at most
# SECONDS of wall time (however long each try takes).
wait_for() {
    local secs=$1; shift
    local end=$((SECONDS + secs))
    while [ "$SECONDS" -lt "$end" ]; do "$@" && return 0; sleep 0.1; done
    "$@"
}

lines_at_least() { [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]; }
