#!/bin/bash
# CURVE on the daemon's sockets: a client whose public key is in the allow-list gets answers,
# one that is not, or that does not use CURVE, gets nothing; keys come from causalmon keygen.
# usage: test_daemon_curve.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
BIN=$(readlink -f "$2")
mkdir -p "$WORK/allowed"
SERVER_PUB=$("$BIN" keygen --out "$WORK/server")
"$BIN" keygen --out "$WORK/alice" > /dev/null
"$BIN" keygen --out "$WORK/mallory" > /dev/null
cp "$WORK/alice.pub" "$WORK/allowed/"
check "keygen writes a 0600 secret key" test "$(stat -c %a "$WORK/server.key")" = 600
P=$(free_base)
cat > "$WORK/c.yaml" <<CONF
state_dir: $WORK/state
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))", heartbeat: 200ms}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
curve: {enabled: true, secret_key_file: "$WORK/server.key", allowed_clients_dir: "$WORK/allowed"}
CONF
"$BIN" run --config "$WORK/c.yaml" 2> "$WORK/daemon.err" &
D=$!
PIDS+=($D)
Q="tcp://127.0.0.1:$((P + 2))"
alice() { "$BIN" query --timeout 2 --connect "$Q" --server-key "$SERVER_PUB" --client-key "$WORK/alice.key" status > "$WORK/alice.json"; }
check "an allowed client gets the status" wait_for 10 alice
check "with the daemon's epoch" grep -q '"epoch"' "$WORK/alice.json"
"$BIN" query --timeout 2 --connect "$Q" --server-key "$SERVER_PUB" --client-key "$WORK/mallory.key" status > /dev/null 2>&1
check "a client key not in the allow-list gets no answer" test $? -eq 1
"$BIN" query --timeout 2 --connect "$Q" status > /dev/null 2>&1
check "a client without CURVE gets no answer" test $? -eq 1
"$BIN" tail --connect "tcp://127.0.0.1:$((P + 1))" --topic heartbeat --count 1 --timeout 5 \
    --server-key "$SERVER_PUB" --client-key "$WORK/alice.key" > "$WORK/hb.json"
check "an allowed subscriber receives the heartbeat" grep -q '"seq":0' "$WORK/hb.json"
"$BIN" query --connect "$Q" --server-key "$SERVER_PUB" status > /dev/null 2> "$WORK/half.err"
check "a half CURVE client configuration is refused (exit 2)" test $? -eq 2
kill -TERM $D
wait $D
check "the daemon with CURVE stops cleanly" test $? -eq 0
printf 'curve: {enabled: true}\n' > "$WORK/bad.yaml"
"$BIN" run --check-config "$WORK/bad.yaml" 2> "$WORK/bad.err"
check "curve.enabled without keys is a config error" grep -q "curve.enabled needs" "$WORK/bad.err"
finish
