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
finish
