#!/usr/bin/env bash
# causalmon run --check-config: every kind of bad configuration exits 2 with FILE:LINE:COL and
# what was wrong; good ones pass; the reference comes from the same option table.
# usage: test_config_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
. "$(dirname "$0")/lib.sh"

bad_config() { # bad_config NAME "expected message" YAML
  printf '%s\n' "$3" >"$TMP/$1.yaml"
  expect_exit "$1" 2 "$2" "$BIN" run --check-config "$TMP/$1.yaml"
}
printf 'bucket: 1s\nbuckett: 2s\n' >"$TMP/u.yaml"
expect_exit "unknown_key_names_file_line_col" 2 "u.yaml:2:1: unknown key 'buckett' in the configuration" \
  "$BIN" run --check-config "$TMP/u.yaml"
bad_config wrong_type "wrong_type.yaml:1:13: 'max_series': 'many' is not an integer" 'max_series: many'
bad_config out_of_range "out_of_range.yaml:1:10: 'workers': 100 is out of range [1, 64]" 'workers: 100'
bad_config bad_duration "'bucket': 'soon' is not a duration" 'bucket: soon'
bad_config bad_choice "'log_level': 'loud' is not one of error warning notice info debug" 'log_level: loud'
bad_config list_expected "'inputs' must be a list" 'inputs: {name: a}'
bad_config missing_required "inputs[0]: missing required key 'type'" $'inputs:\n  - {name: a}'
bad_config zmq_needs_endpoint "a zmq input needs 'endpoint'" $'inputs:\n  - {name: a, type: zmq_pull}'
bad_config duplicate_names "duplicate input name 'a'" \
  $'inputs:\n  - {name: a, type: zmq_pull, endpoint: "tcp://127.0.0.1:1"}\n  - {name: a, type: zmq_sub, endpoint: "tcp://127.0.0.1:2"}'
bad_config unknown_format "unknown format 'xml'" $'inputs:\n  - {name: a, type: zmq_pull, endpoint: "tcp://127.0.0.1:1", format: xml}'
bad_config duplicate_key "duplicate key 'bucket'" $'bucket: 1s\nbucket: 2s'
bad_config window_too_short "window 20 is too short for tau_max 6 (needs >= 2*tau_max+10 = 22)" \
  $'scopes:\n  - {name: s, match: ["a*"], window: 20, tau_max: 6}'
bad_config tau_max_above_the_shared_limit "'tau_max': 21 is out of range [0, 20]" \
  $'scopes:\n  - {name: s, match: ["a*"], tau_max: 21}'
bad_config rank_at_not_a_time "scopes[0] (s): rank_at[1] 'soon':" \
  $'scopes:\n  - {name: s, match: ["*"], rank_at: ["2024-01-01T00:00:00Z", soon]}'
bad_config rank_after_beyond_window "window 40 must hold 10 reference rows + rank_after 35" \
  $'scopes:\n  - {name: s, match: ["*"], window: 40, rank_at: ["1700000000"], rank_after: 35}'
bad_config yaml_syntax "yaml_syntax.yaml:2:1: YAML:" 'bucket: [1s'
bad_config long_string "'group': longer than 127 characters" \
  "inputs: [{name: k, type: kafka, brokers: b, topics: [t], group: $(printf 'g%.0s' $(seq 200))}]"
expect_exit "missing_file_exit_2" 2 "nope.yaml" "$BIN" run --check-config "$TMP/nope.yaml"

printf 'bucket: 500ms\ninputs:\n  - {name: k, type: kafka, brokers: "h:9092", topics: ["^metrics\\\\..*"], rdkafka: {session.timeout.ms: 6000}}\n' >"$TMP/good.yaml"
expect_exit "good_config_passes" 0 "" "$BIN" run --check-config "$TMP/good.yaml"
expect_in "good_config_summary" "$TMP/out" "OK (1 inputs, 0 scopes)"
expect_exit "reference_prints" 0 "" "$BIN" run --config-reference
expect_in "reference_has_types_defaults_ranges_reload" "$TMP/out" \
  "# bucket (duration, default 1s, 0.001s to 86400s)" "# log_level (choice, default info" \
  "reloadable" "# inputs[].rdkafka (map)"
expect_in "reference_marks_scope_options_restart_only" "$TMP/out" \
  "# scopes[].alpha (number, default 0.01, 1e-12 to 0.5): "
# conf/causalmon.yaml is what the binary generates from its option table (regenerate it with
# `causalmon run --config-default > conf/causalmon.yaml`).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
expect_exit "default_config_prints" 0 "" "$BIN" run --config-default
if diff -u "$ROOT/conf/causalmon.yaml" "$TMP/out" >"$TMP/diff"; then
  ok "shipped_conf_is_the_generated_default_config"
else
  bad "shipped_conf_is_the_generated_default_config" \
    "conf/causalmon.yaml differs from causalmon run --config-default:" "$(head -c 1200 "$TMP/diff")"
fi
cp "$TMP/out" "$TMP/default.yaml"
expect_exit "generated_default_config_passes" 0 "" "$BIN" run --check-config "$TMP/default.yaml"
expect_in "generated_default_config_summary" "$TMP/out" "OK (1 inputs, 1 scopes)"
finish
