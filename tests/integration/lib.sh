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
# Asserted time limits are for a Release build; sanitizer builds scale them (tests/CMakeLists.txt).
TIME_SCALE=${CAUSALMON_TIME_SCALE:-1}

finish() {
    if [ "$FAILS" -eq 0 ]; then echo "PASS: $(basename "$0")"; exit 0; fi
    for f in "$WORK"/*.err "$WORK"/*.log; do # what the daemons said, for the failure's cause
        [ -s "$f" ] && { echo "# --- last lines of $(basename "$f")"; tail -n 15 "$f" | sed 's/^/# /'; }
    done
    echo "FAIL: $(basename "$0"): $FAILS check(s) failed"; exit 1
}

# free_base: a base port P such that P..P+9 on 127.0.0.1 are not listening now, below the
# kernel's ephemeral range (32768 and up), so that no outgoing connection of another test can
# hold one of them.
free_base() {
    local p k
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 12000))
        for k in $(seq 0 9); do
            (exec 3<> "/dev/tcp/127.0.0.1/$((p + k))") 2> /dev/null && continue 2
        done
        echo "$p"
        return 0
    done
    echo $((20000 + RANDOM % 12000))
}

# simulate_shop: $WORK/shop.csv, the simulated shop with a latency fault at row 400 of 480
# (seed 4); sets SVC to the faulty service and checks that the simulator named one.
simulate_shop() {
    "$BIN" simulate --services latency --samples 480 --change-at 400 --seed 4 \
        --out "$WORK/shop.csv" 2> "$WORK/sim.err"
    SVC=$(sed -n 's/.* in service \([a-z]*\) .*/\1/p' "$WORK/sim.err")
    check "the simulator names the faulty service ($SVC)" test -n "$SVC"
}

# replay_conf FILE CSV SPEED P [LINE...]: the head of a daemon config that replays the CSV file
# (1 s buckets; a file input named shop at SPEED x real time, 0 as fast as it reads), alerts on
# 127.0.0.1:P+1 (heartbeat 500 ms), queries on P+2, state in $WORK/state; each LINE is one more
# top-level setting ("lateness: 2s"). The caller appends its scopes.
replay_conf() {
    local file=$1 csv=$2 speed=$3 p=$4 line
    shift 4
    {
        printf 'bucket: 1s\nidle_flush: 1s\nstate_dir: %s\nlog_level: info\n' "$WORK/state"
        for line in "$@"; do echo "$line"; done
        printf 'inputs:\n  - {name: shop, type: file, path: "%s", format: csv, speed: %s}\n' "$csv" "$speed"
        printf 'alerts: {endpoint: "tcp://127.0.0.1:%d", heartbeat: 500ms}\n' $((p + 1))
        printf 'query: {endpoint: "tcp://127.0.0.1:%d"}\n' $((p + 2))
    } > "$file"
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
