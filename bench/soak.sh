#!/usr/bin/env bash
# bench/soak.sh - the daemon over a long replay: 200 series (4 scopes of 50, tau_max 3,
# window 600) at 1 bucket/s for MINUTES of event time (default 30), replayed through a file
# input SPEED times faster than real time (default 60, so 30 minutes take 30 s). Prints the
# resident set size once a second and its growth after the windows are full. Self-contained:
# the data is generated here. With SPEED 1 the soak runs in real time (60 minutes: bench/soak.sh
# CAUSALMON 60 1).
# usage: bench/soak.sh CAUSALMON [MINUTES [SPEED]]
set -eu
BIN=$(readlink -f "$1")
MIN=${2:-30}
SPEED=${3:-60}
DIR=$(mktemp -d /tmp/causalmon-soak.XXXXXX)
trap 'kill $D 2>/dev/null; wait $D 2>/dev/null; rm -rf "$DIR"' EXIT
BUCKETS=$((MIN * 60))
awk -v n="$BUCKETS" 'BEGIN { srand(7); for (b = 0; b < n; b++) for (k = 0; k < 4; k++) {
    for (j = 0; j < 50; j++) { x[k,j] = 0.5 * x[k,j] + (j ? 0.3 * p[k,j-1] : 0) + rand() - 0.5 }
    for (j = 0; j < 50; j++) { p[k,j] = x[k,j]; printf "svc%d,m=m%d v=%.5f %d000000000\n", k, j, x[k,j], 1700000000 + b } } }' > "$DIR/data.lp"
P=$((43000 + RANDOM % 2000))
cat > "$DIR/soak.yaml" <<CONF
state_dir: $DIR/state
log_level: warning
checkpoint_every: 10s
inputs:
  - {name: f, type: file, path: $DIR/data.lp, speed: $SPEED}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
scopes:
CONF
for k in 0 1 2 3; do
    echo "  - {name: s$k, match: [\"svc$k.*\"], window: 600, tau_max: 3, refresh_every: 30}" >> "$DIR/soak.yaml"
done
"$BIN" run --config "$DIR/soak.yaml" &
D=$!
secs=$((BUCKETS / SPEED + 3))
echo "bench/soak: $MIN min of event time, 200 series, 4 scopes; replay x$SPEED ($secs s); $(nproc) cores"
first="" full=""
for t in $(seq "$secs"); do
    sleep 1
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$D/status")
    [ -z "$first" ] && first=$rss
    # the windows are full after 600 buckets of event time
    [ -z "$full" ] && [ $((t * SPEED)) -ge 700 ] && full=$rss
    echo "t=${t}s event=$((t * SPEED))s rss=${rss} kB"
done
sleep 3 # the last buckets close on the idle flush
status=$("$BIN" query --connect "tcp://127.0.0.1:$((P + 2))" status)
expected=$((BUCKETS * 200))
echo "$status" | jq -r --argjson e "$expected" '.inputs[0] |
  "records \(.records) of \($e) sent: lost \($e - .records), rejected \([.rejected[]] | add)"'
echo "$status" | jq -r '.scopes[] |
  "scope \(.name): \(.series) series, window \(.window_fill)/\(.window), \(.refreshes) refreshes, \(.refresh_errors) errors, last \(.refresh_seconds) s"'
echo "$status" | jq -r '"aligner: \(.aligner.rows) rows, late \(.aligner.late); checkpoints \(.checkpoint.written) written, \(.checkpoint.failures) failed"'
echo "rss: start ${first} kB, windows full ${full:-?} kB, end ${rss} kB, growth after full $(( rss - ${full:-rss} )) kB"
