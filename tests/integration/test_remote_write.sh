#!/bin/bash
# Prometheus remote_write into the daemon with the real programs: Debian's Prometheus scrapes
# Debian's node exporter and remote-writes (snappy + protobuf) to an http input; the scope
# matching node_* sees the node series within 30 s.
# usage: test_remote_write.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
BIN=$(readlink -f "$2")
PROM=$(command -v prometheus) || { echo "prometheus missing: run tools/install-deps"; exit 1; }
NODE=$(command -v prometheus-node-exporter) || { echo "prometheus-node-exporter missing: run tools/install-deps"; exit 1; }
P=$(free_base)
cat > "$WORK/d.yaml" <<CONF
bucket: 1s
lateness: 5s
idle_flush: 1s
state_dir: $WORK/state
inputs:
  - {name: prom, type: http, listen: "127.0.0.1:$P"}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
scopes:
  - {name: node, match: ["node_*"], window: 60, tau_max: 1, max_series: 200}
CONF
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
PIDS+=($!)
"$NODE" --web.listen-address="127.0.0.1:$((P + 3))" > "$WORK/node.log" 2>&1 &
PIDS+=($!)
cat > "$WORK/prom.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$((P + 3))"]}]
remote_write:
  - url: "http://127.0.0.1:$P/api/v1/write"
    queue_config: {batch_send_deadline: 1s, max_samples_per_send: 2000}
CONF
check "the daemon's http input listens" wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P"
"$PROM" --config.file="$WORK/prom.yml" --storage.tsdb.path="$WORK/prom" \
    --web.listen-address="127.0.0.1:$((P + 4))" > "$WORK/prom.log" 2>&1 &
PIDS+=($!)
T0=$SECONDS
Q="tcp://127.0.0.1:$((P + 2))"
status() { "$BIN" query --timeout 2 --connect "$Q" status > "$WORK/status.json" 2> /dev/null; }
sees_node() { status && [ "$(jq -r '.scopes[0].series' "$WORK/status.json")" -gt 10 ] 2> /dev/null; }
check "the scope sees node series within 30 s of Prometheus' start" wait_for 30 sees_node
echo "# after $((SECONDS - T0)) s: $(jq -c '{input: .inputs[0], scope: (.scopes[0] | {series, window_fill, series_left_out}), aligner}' "$WORK/status.json")"
check "remote_write records were accepted" test "$(jq -r '.inputs[0].records' "$WORK/status.json")" -gt 100
check "no record was rejected as malformed" test "$(jq -r '.inputs[0].rejected.syntax // 0' "$WORK/status.json")" = 0
finish
