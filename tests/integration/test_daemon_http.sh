#!/bin/bash
# The daemon's HTTP side with real clients: line protocol posted as Telegraf's influxdb_v2
# output sends it (gzip, precision, Token auth) lands in a scope; the InfluxDB 1.x /write,
# JSON metrics and Fluent Bit JSON lines are accepted; limits and auth answer 413/400/401 and
# are counted; /metrics passes `promtool check metrics` (bearer token), /healthz and /ready.
# usage: test_daemon_http.sh TESTS_BUILD_DIR CAUSALMON
. "$(dirname "$0")/lib.sh"
BIN=$(readlink -f "$2")
command -v promtool > /dev/null || { echo "promtool missing: run tools/install-deps"; exit 1; }
P=$(free_base)
echo "s3cret" > "$WORK/in.token"
echo "m3trics" > "$WORK/m.token"
cat > "$WORK/d.yaml" <<CONF
bucket: 1s
lateness: 30s
idle_flush: 1s
state_dir: $WORK/state
metrics: {listen: "127.0.0.1:$((P + 3))", bearer_token_file: "$WORK/m.token"}
inputs:
  - {name: telegraf, type: http, listen: "127.0.0.1:$P", bearer_token_file: "$WORK/in.token",
     max_body: 65536}
  - {name: logs, type: http, listen: ":$((P + 4))", stream: web}
alerts: {endpoint: "tcp://127.0.0.1:$((P + 1))"}
query: {endpoint: "tcp://127.0.0.1:$((P + 2))"}
scopes:
  - {name: hosts, match: ["cpu.*", "mem.*"], window: 60, tau_max: 1}
CONF
"$BIN" run --config "$WORK/d.yaml" 2> "$WORK/daemon.err" &
PIDS+=($!)
M="http://127.0.0.1:$((P + 3))"
U="http://127.0.0.1:$P"
check "the daemon becomes ready" wait_for 10 curl -sf -o /dev/null "$M/ready"
check "/healthz answers ok" test "$(curl -s "$M/healthz")" = ok

now=$(date +%s)
for i in $(seq 0 9); do
  echo "cpu,host=a,dc=x usage_user=$i.5,usage_system=$((i % 3)) $(((now - 12 + i) * 1000))"
done | gzip > "$WORK/v2.gz"
code=$(curl -s -o "$WORK/v2.out" -w '%{http_code}' -X POST \
  -H 'Content-Encoding: gzip' -H 'Content-Type: text/plain; charset=utf-8' \
  -H 'User-Agent: Telegraf/1.25' -H 'Authorization: Token s3cret' \
  --data-binary @"$WORK/v2.gz" "$U/api/v2/write?org=ops&bucket=telegraf&precision=ms")
check "a gzip v2 write with Token auth gets 204 ($code)" test "$code" = 204
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' \
  --data-binary "mem,host=a used=1i $((now - 11))
mem,host=a used=2i $((now - 10))" "$U/write?db=telegraf&precision=s")
check "a v1 /write with precision=s gets 204 ($code)" test "$code" = 204
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary "cpu v=1" "$U/api/v2/write")
check "no token: 401 ($code)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' \
  --data-binary "cpu v=1" "$U/api/v2/write?precision=h")
check "unknown precision: 400 ($code)" test "$code" = 400
head -c 70000 /dev/zero | tr '\0' 'a' > "$WORK/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' \
  --data-binary @"$WORK/big" "$U/api/v2/write")
check "a body over max_body: 413 ($code)" test "$code" = 413
head -c 200000 /dev/zero | gzip > "$WORK/bomb.gz"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' \
  -H 'Content-Encoding: gzip' --data-binary @"$WORK/bomb.gz" "$U/api/v2/write")
check "gzip inflating past max_body: 413 ($code)" test "$code" = 413
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' \
  --data-binary "{\"name\":\"cpu\",\"tags\":{\"host\":\"b\"},\"fields\":{\"idle\":3},\"timestamp\":$((now - 9))}" \
  "$U/ingest/json")
check "Telegraf JSON on /ingest/json: 204 ($code)" test "$code" = 204
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-ndjson' \
  --data-binary "{\"date\":$((now - 9)).5,\"log\":\"user 1 logged in\",\"level\":\"info\"}
{\"date\":$((now - 8)).5,\"log\":\"user 2 logged in\",\"level\":\"info\"}
not json" "http://127.0.0.1:$((P + 4))/ingest/logs")
check "Fluent Bit json_lines on /ingest/logs: 204 ($code)" test "$code" = 204
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((P + 4))/ping")
check "/ping answers 204 like InfluxDB ($code)" test "$code" = 204

Q="tcp://127.0.0.1:$((P + 2))"
scope_series() { "$BIN" query --timeout 2 --connect "$Q" status | jq -r '.scopes[0].series'; }
series_ge() { [ "$(scope_series)" -ge "$1" ] 2> /dev/null; }
check "the scope holds cpu and mem series from the posts" wait_for 10 series_ge 4
"$BIN" query --timeout 2 --connect "$Q" status > "$WORK/status.json"
echo "# $(jq -c '.inputs' "$WORK/status.json")"
check "the telegraf input counted 23 records (20 cpu, 2 mem, 1 JSON)" \
  test "$(jq -r '.inputs[] | select(.name == "telegraf") | .records' "$WORK/status.json")" = 23
check "the logs input counted 2 records and 1 syntax rejection" \
  test "$(jq -r '.inputs[] | select(.name == "logs") | "\(.records) \(.rejected.syntax)"' "$WORK/status.json")" = "2 1"

code=$(curl -s -o /dev/null -w '%{http_code}' "$M/metrics")
check "/metrics without the token: 401 ($code)" test "$code" = 401
sleep 1.2
curl -s -H 'Authorization: Bearer m3trics' "$M/metrics" > "$WORK/metrics.txt"
check "promtool check metrics passes" promtool check metrics < "$WORK/metrics.txt"
promtool check metrics < "$WORK/metrics.txt" 2>&1 | head -5 | sed 's/^/# /'
for s in 'causalmon_build_info{version="' 'process_resident_memory_bytes ' 'process_cpu_seconds_total ' \
  'process_open_fds ' 'causalmon_records_total{input="telegraf"} 23' \
  'causalmon_http_requests_total{input="telegraf",outcome="too_large"} 2' \
  'causalmon_http_requests_total{input="telegraf",outcome="unauthorized"} 1' \
  'causalmon_http_requests_total{input="telegraf",outcome="bad_request"} 1' \
  'causalmon_refreshes_total{scope="hosts"}' 'causalmon_window_fill{scope="hosts"}'; do
  check "/metrics has $s" grep -qF "$s" "$WORK/metrics.txt"
done
finish
