#!/usr/bin/env bash
# causalmon demo end to end: the real daemon in a child process, the simulated shop streamed over
# ZeroMQ, a firing alert that names the faulty service, its resolution, and a clean exit.
# usage: test_demo_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
. "$(dirname "$0")/lib.sh"

for fault in cpu_hog log_errors; do
  expect_exit "demo_${fault}_exits_0" 0 "" "$BIN" demo --fault "$fault" --seed 3 --speed 100
  grep -E "FIRING|#1 |injected" "$TMP/out" | sed 's/^/# /'
  expect_in "demo_${fault}_alert_names_the_faulty_service_resolves_and_shows_the_baseline" \
    "$TMP/out" "(correct)" "RESOLVED" "graph-free ranking:"
  # the simulator adds no link with this fault: no structure change may be shown
  expect_in "demo_${fault}_shows_no_structure_change_the_simulator_did_not_make" "$TMP/out" \
    "and 0 structure change alert(s)."
done
expect_in "demo_log_only_fault_shows_the_template_text" "$TMP/out" \
  'log template: "java.lang.NullPointerException at com.shop.'
dir=$(sed -n 's/.*runs on \(.*\)\/causalmon.yaml/\1/p' "$TMP/out")
if [ -n "$dir" ] && [ ! -e "$dir" ]; then ok "demo_removes_its_temporary_directory"; else
  bad "demo_removes_its_temporary_directory" "dir '$dir'"; fi
# seed 2 raises payment's latency: the learned frontend.latency mechanism moves its coefficients
# (a link that stays), which is no link appearing or disappearing
expect_exit "demo_latency_exits_0" 0 "" "$BIN" demo --fault latency --seed 2 --speed 100
expect_in "demo_latency_shows_no_structure_change_the_simulator_did_not_make" "$TMP/out" \
  "injected latency in payment" "and 0 structure change alert(s)."
# a mechanism fault (seed 1: cart's latency per unit of cpu) shows in the scope whose KPI
# (frontend.errors) has no symptom: a mechanism_change alert on the changed series, no KPI alert
expect_exit "demo_mechanism_exits_0" 0 "" "$BIN" demo --fault mechanism --seed 1 --speed 100
health=$(awk '/^\[alert [0-9]+\] /{p = /FIRING .* in scope health$/} p' "$TMP/out")
if printf '%s\n' "$health" | grep -q "^  cart.latency: mechanism changed" &&
  printf '%s\n' "$health" | grep -q "of cart.latency, .*KPI of the scope affected: no" &&
  ! printf '%s\n' "$health" | grep -qE "changed \(robust z|KPI of the scope affected: yes|structure_change"; then
  ok "demo_mechanism_change_shows_in_a_scope_whose_kpi_has_no_symptom"
else
  bad "demo_mechanism_change_shows_in_a_scope_whose_kpi_has_no_symptom" \
    "health alerts: $(printf '%s\n' "$health" | head -c 800)"
fi
expect_exit "demo_rejects_an_unknown_fault" 2 "--fault: 'disk_full' is not one of" "$BIN" demo --fault disk_full
finish
