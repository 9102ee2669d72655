#!/usr/bin/env bash
# causalmon rca end to end: simulated incidents in CSV files, the faulty service ranked first with
# its path to the KPI, log files binned onto the CSV's grid with the template text shown, scope
# rules from a config, and clear errors for bad input.
# usage: test_rca_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
. "$(dirname "$0")/lib.sh"

"$BIN" simulate --services cpu_hog --samples 700 --change-at 600 --seed 3 --out "$TMP/hog.csv" 2> "$TMP/sim.err"
svc=$(sed -n 's/.* in service \([a-z]*\) .*/\1/p' "$TMP/sim.err")
expect_exit "rca_ranks_a_cpu_hog" 0 "" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --kpi frontend.latency
expect_in "rca_json_names_the_service_its_cpu_and_the_path_to_the_kpi" "$TMP/out" \
  '"kpi":"frontend.latency"' '"fault_time":1700000600' "\"root_causes\":[{\"rank\":1,\"variable\":\"$svc.cpu\"" \
  "\"path\":[\"$svc.cpu\"" '"frontend.latency"]' "\"components\":[{\"rank\":1,\"component\":\"$svc\"" \
  '"baseline":{"method":"anomaly"' '"changed_mechanisms":[' '"window":{"start":"2023-11-14T22:13:20Z"'
expect_exit "rca_without_kpi_picks_the_most_anomalous_series" 0 "" "$BIN" rca --input "$TMP/hog.csv" --fault-time 2023-11-14T22:23:20Z
expect_in "rca_without_kpi_still_names_the_service" "$TMP/out" "\"components\":[{\"rank\":1,\"component\":\"$svc\""

mkdir -p "$TMP/logs"
"$BIN" simulate --services log_errors --samples 700 --change-at 600 --seed 5 --out "$TMP/err.csv" --logs-dir "$TMP/logs" 2> "$TMP/sim.err"
svc=$(sed -n 's/.* in service \([a-z]*\) .*/\1/p' "$TMP/sim.err")
logs=()
for f in "$TMP"/logs/*.jsonl; do logs+=(--logs "$f"); done
expect_exit "rca_with_log_files" 0 "" "$BIN" rca --input "$TMP/err.csv" --fault-time 1700000600 --kpi frontend.errors "${logs[@]}"
expect_in "rca_ranks_a_fault_seen_only_in_logs_and_shows_its_template" "$TMP/out" \
  "\"variable\":\"log.$svc.tpl3\"" '"template":"java.lang.NullPointerException at com.shop.' \
  "\"components\":[{\"rank\":1,\"component\":\"$svc\""
expect_exit "rca_without_the_logs_cannot_see_it" 0 "" "$BIN" rca --input "$TMP/err.csv" --fault-time 1700000600 --kpi frontend.errors
if [ "$(jq -r '.components[0].component' "$TMP/out")" = "$svc" ]; then
  bad "rca_without_the_logs_cannot_see_it" "ranked $svc first without its logs"
else ok "rca_without_the_logs_cannot_see_it_ranks_another_component"; fi

cat > "$TMP/c.yaml" <<'CONF'
scopes:
  - {name: shop, match: ["*"], tau_max: 1, kpis: [frontend.latency], component_map: "regex:^([a-z]+)\\.",
     tiers: ["*.cpu", "*"], forbidden: ["db.* -> frontend.*"]}
CONF
expect_exit "rca_takes_kpi_and_rules_from_a_config" 0 "" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --config "$TMP/c.yaml"
expect_in "rca_config_kpi_is_used" "$TMP/out" '"kpi":"frontend.latency"'
expect_exit "rca_needs_a_fault_time" 2 "--input and --fault-time are required" "$BIN" rca --input "$TMP/hog.csv"
expect_exit "rca_names_a_missing_kpi" 2 "no column named 'nope' for --kpi" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --kpi nope
expect_exit "rca_names_a_bad_component_map" 2 "component map \"colour:x\": expected prefix" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --component-map colour:x
expect_exit "rca_refuses_a_fault_after_the_data" 2 "is after the last row" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1800000000
printf 'scopes:\n  - {name: s, match: ["*"], forbidden: ["a => b"]}\n' > "$TMP/bad.yaml"
expect_exit "rca_names_a_bad_link_rule" 2 'forbidden[0]: "a => b" is not a link' "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --config "$TMP/bad.yaml"

# the known call graph: the hog's service calls nothing, so it stays first and the frontend that
# calls it (when anomalous) is explained by it; bad call files name their line
svc=$(jq -r '.components[0].component' < <("$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --kpi frontend.latency))
printf '# service map\nSource,Target,Weight\nfrontend,%s,1\n"%s",db,1\n' "$svc" "$svc" > "$TMP/calls.csv"
expect_exit "rca_takes_a_call_graph" 0 "" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --kpi frontend.latency --calls "$TMP/calls.csv"
expect_in "rca_with_a_call_graph_keeps_the_callee_that_calls_nothing_anomalous_first" "$TMP/out" "\"components\":[{\"rank\":1,\"component\":\"$svc\""
printf 'from,to\na,b\n' > "$TMP/nohead.csv"
expect_exit "rca_calls_file_needs_caller_and_callee_columns" 2 "nohead.csv:1: the header names no caller column" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --calls "$TMP/nohead.csv"
printf 'caller,callee\na,b\n,c\n' > "$TMP/empty.csv"
expect_exit "rca_calls_file_names_the_line_of_an_empty_caller" 2 "empty.csv:3: empty caller" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --calls "$TMP/empty.csv"
expect_exit "rca_calls_file_must_exist" 2 "nope.csv: No such file" "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --calls "$TMP/nope.csv"
printf 'scopes:\n  - {name: s, match: ["*"], calls: ["a => b"]}\n' > "$TMP/badcalls.yaml"
expect_exit "rca_names_a_bad_call_rule" 2 'calls[0]: "a => b" is not a call' "$BIN" rca --input "$TMP/hog.csv" --fault-time 1700000600 --config "$TMP/badcalls.yaml"
# expect_jq NAME FILE FILTER WANT: jq -r FILTER of FILE prints WANT.
expect_jq() {
  local got
  got=$(jq -r "$3" "$2" 2>&1)
  if [ "$got" = "$4" ]; then ok "$1"; else bad "$1" "$3: got '$got', wanted '$4'"; fi
}

# One log file for two services: the component comes from each record's service field.
awk 'BEGIN { for (t = 1700000000; t < 1700000700; t++) {
    printf "{\"@timestamp\":%d,\"service\":\"cart\",\"message\":\"GET /cart 200 in %d ms\"}\n", t, t % 17
    printf "{\"kubernetes\":{\"labels\":{\"app\":\"catalog\"}},\"@timestamp\":%d,\"message\":\"GET /item 200 in %d ms\"}\n", t, t % 13
    if (t >= 1700000600) printf "{\"@timestamp\":%d,\"service\":\"catalog\",\"level\":\"ERROR\",\"message\":\"java.lang.IllegalStateException at com.shop.Item.load line %d\"}\n", t, t % 50
  } }' > "$TMP/all.jsonl"
# metrics that barely move: only the logs can tell
awk 'BEGIN { srand(9); print "time,frontend.latency,cart.cpu,catalog.cpu"; for (t = 0; t < 700; t++)
  printf "%d,%.4f,%.4f,%.4f\n", 1700000000 + t, 100 + rand() + (t >= 600 ? 1.5 : 0), 20 + rand(), 30 + rand() }' > "$TMP/quiet.csv"
expect_exit "rca_reads_one_log_file_of_many_services" 0 "" "$BIN" rca --input "$TMP/quiet.csv" --fault-time 1700000600 --kpi frontend.latency --logs "$TMP/all.jsonl"
expect_jq "rca_log_components_come_from_the_record_field" "$TMP/out" '.components[0].component' catalog
expect_jq "rca_log_evidence_names_the_new_template" "$TMP/out" '.root_causes[0].variable | startswith("log.catalog.")' true
expect_jq "rca_no_component_is_named_after_the_log_file" "$TMP/out" '[.components[].component] | index("all")' null
expect_exit "rca_log_component_field_is_configurable" 0 "" "$BIN" rca --input "$TMP/quiet.csv" --fault-time 1700000600 --kpi frontend.latency --logs "$TMP/all.jsonl" --log-component-field kubernetes.labels.app
expect_jq "rca_records_without_the_field_keep_the_file_stream" "$TMP/out" '[.components[].component] | (index("catalog") != null and index("all") != null)' true

# Coarse rows (300 s): a fault inside a row makes that row an incident row.
awk 'BEGIN { print "time,svc.cpu,svc.latency"; for (r = 0; r < 40; r++)
  printf "%d,%.3f,%.3f\n", 1700000000 + 300 * r, 20 + (r * 7 % 5) + (r >= 30 ? 60 : 0), 100 + (r * 3 % 4) + (r >= 30 ? 50 : 0) }' > "$TMP/coarse.csv"
expect_exit "rca_fault_inside_a_coarse_row" 0 "" "$BIN" rca --input "$TMP/coarse.csv" --fault-time $((1700000000 + 300 * 30 + 150)) --kpi svc.latency
expect_jq "rca_the_row_holding_the_fault_is_an_incident_row" "$TMP/out" '.window.reference' 30
expect_exit "rca_fault_on_a_row_boundary" 0 "" "$BIN" rca --input "$TMP/coarse.csv" --fault-time $((1700000000 + 300 * 30)) --kpi svc.latency
expect_jq "rca_a_fault_on_a_row_starts_the_incident_there" "$TMP/out" '.window.reference' 30

# Without --kpi: an entry point's latency, not the most anomalous memory gauge, and why.
awk 'BEGIN { print "time,gateway.latency,db.memory,cart.cpu,cart.latency"; srand(4); for (r = 0; r < 300; r++) {
  s = r >= 250; printf "%d,%.4f,%.4f,%.4f,%.4f\n", 1700000000 + 60 * r, 50 + rand() + 8 * s, 400 + rand() + 300 * s,
    10 + rand() + 30 * s, 20 + rand() + 6 * s } }' > "$TMP/kpi.csv"
expect_exit "rca_picks_its_own_kpi" 0 "" "$BIN" rca --input "$TMP/kpi.csv" --fault-time $((1700000000 + 60 * 250)) --component-map prefix
expect_jq "rca_kpi_is_the_entry_point_latency" "$TMP/out" '.kpi' gateway.latency
expect_jq "rca_says_why_it_chose_the_kpi" "$TMP/out" '.kpi_reason | test("entry point")' true
expect_exit "rca_entry_points_are_configurable" 0 "" "$BIN" rca --input "$TMP/kpi.csv" --fault-time $((1700000000 + 60 * 250)) --entry-point '^cart'
expect_jq "rca_kpi_follows_the_entry_point_rule" "$TMP/out" '.kpi' cart.latency
expect_exit "rca_names_a_bad_direction_rule" 2 "'sideways' is not up, down or both" "$BIN" rca --input "$TMP/kpi.csv" --fault-time $((1700000000 + 60 * 250)) --direction 'cpu=sideways'
finish
