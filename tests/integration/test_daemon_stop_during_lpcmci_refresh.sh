#!/bin/bash
# SIGTERM while a worker runs an LPCMCI refresh of 200 series x 1,500 rows at tau_max 5: the
# refresh is cancelled, the checkpoint is written and the daemon exits 0 within 5 s (the same
# checks as test_daemon_stop_during_refresh.sh, with method: lpcmci).
# usage: test_daemon_stop_during_lpcmci_refresh.sh TESTS_BUILD_DIR CAUSALMON
METHOD=lpcmci exec bash "$(dirname "$0")/test_daemon_stop_during_refresh.sh" "$@"
