# Helpers for the command-line tests; sourced by tests/cli/test_*.sh.
# Each check prints "ok - NAME" or "not ok - NAME" with details; finish() prints the summary
# line "N passed, M failed" and returns non-zero on any failure.
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; shift; printf '    %s\n' "$@"; }

# expect_exit NAME CODE STDERR_SUBSTRING CMD...: stdout goes to $TMP/out, stderr to $TMP/err.
expect_exit() {
  local name=$1 code=$2 needle=$3
  shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then
    bad "$name" "exit $rc, wanted $code" "stderr: $(head -c 400 "$TMP/err")"
  elif [ -n "$needle" ] && ! grep -qF -- "$needle" "$TMP/err"; then
    bad "$name" "stderr lacks: $needle" "stderr: $(head -c 400 "$TMP/err")"
  else
    ok "$name"
  fi
}

# expect_in NAME FILE SUBSTRING...: FILE contains every substring.
expect_in() {
  local name=$1 file=$2
  shift 2
  for s in "$@"; do
    if ! grep -qF -- "$s" "$file"; then
      bad "$name" "lacks: $s" "content: $(head -c 600 "$file")"
      return
    fi
  done
  ok "$name"
}

finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
