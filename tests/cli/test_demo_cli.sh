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
done
expect_in "demo_log_only_fault_shows_the_template_text" "$TMP/out" \
  'log template: "java.lang.NullPointerException at com.shop.'
dir=$(sed -n 's/.*runs on \(.*\)\/causalmon.yaml/\1/p' "$TMP/out")
if [ -n "$dir" ] && [ ! -e "$dir" ]; then ok "demo_removes_its_temporary_directory"; else
  bad "demo_removes_its_temporary_directory" "dir '$dir'"; fi
expect_exit "demo_rejects_an_unknown_fault" 2 "--fault: 'disk_full' is not one of" "$BIN" demo --fault disk_full
finish
