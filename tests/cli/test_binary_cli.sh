#!/usr/bin/env bash
# The binary as a command-line program: help and version on every command, and a library
# search path without an empty entry (which would make the loader look in the current directory).
# usage: test_binary_cli.sh CAUSALMON DATA_DIR
set -u
BIN=$1
. "$(dirname "$0")/lib.sh"

rp=$(readelf -d "$BIN" | grep -E 'RUNPATH|RPATH' | sed 's/.*\[\(.*\)\]/\1/')
case ":$rp:" in
  *::*) if [ -n "$rp" ]; then bad "runpath_has_no_empty_entry" "RUNPATH: $rp"; else ok "runpath_has_no_empty_entry (none)"; fi ;;
  *) ok "runpath_has_no_empty_entry ($rp)" ;;
esac
(cd "$TMP" && LD_DEBUG=libs "$BIN" --version 2>"$TMP/ld" >/dev/null)
if grep -q "search path=.*:\$\|search path=:\|(RUNPATH from file" "$TMP/ld" &&
   grep -q "trying file=$TMP\|trying file=\./" "$TMP/ld"; then
  bad "loader_never_tries_the_current_directory" "$(grep -m3 'trying file' "$TMP/ld")"
else ok "loader_never_tries_the_current_directory"; fi

for cmd in discover cdnod demo rca run keygen tail query align simulate; do
  expect_exit "help_${cmd}_prints_its_usage" 0 "" "$BIN" help "$cmd"
  expect_in "help_${cmd}_is_the_command_usage" "$TMP/out" "usage: causalmon $cmd"
  expect_exit "${cmd}_dash_h" 0 "" "$BIN" "$cmd" -h
  expect_in "${cmd}_dash_h_is_the_command_usage" "$TMP/out" "usage: causalmon $cmd"
  expect_exit "${cmd}_version" 0 "" "$BIN" "$cmd" --version
  expect_in "${cmd}_version_prints_it" "$TMP/out" "causalmon 0."
done
expect_exit "help_unknown_command_exit_2" 2 "unknown command 'nope'" "$BIN" help nope
expect_exit "top_level_help" 0 "" "$BIN" help
expect_in "top_level_help_lists_commands" "$TMP/out" "commands:" "  run "
finish
