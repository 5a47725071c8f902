#!/usr/bin/env bash
# The long forms of the hostile-client tests (issue 7, item 5).
#
# Runs build/tests/hostile_client_test with HOSTILE_CLIENTS_LONG=1: each attack
# meets its own `oaipmh serve` while an honest client fetches Identify on a new
# connection every 20 ms and times it:
#   - 10,000 idle connections held for 60 s, all admitted (max_connections 12000);
#   - 10,000 idle connections for 60 s against max_connections 1000, reopened as
#     the server evicts them;
#   - a slowloris crowd of 2,000 (a header byte every 100 ms, never ending) for
#     60 s, reopened as the server ends them, with the default request_timeout
#     (30 s) and max_connections (1024);
#   - oversized request lines, headers and bodies; malformed HTTP; hostile values
#     in every argument; forged resumption tokens (as in the quick forms).
# It prints one "[ figures ]" line per attack: what the server answered, the
# honest client's success and latency, and the server's RSS before, at its
# peak and after. The crowds beyond max_connections reconnect at once, a
# connect flood of some 15,000 connections a second: there at least 95% of the
# honest requests must be answered, elsewhere all. The quick forms run in
# CTest (scripts/test.sh).
#
#   scripts/hostile-clients.sh [--build DIR] [--only GTEST_FILTER]
#
# About 4 minutes; needs a limit of at least 20,000 open files (ulimit -Hn).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
filter="HostileClientTest.*"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --only) filter=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hostile-clients.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
test_binary="$build/tests/hostile_client_test"
if [ ! -x "$test_binary" ]; then
  cmake --build "$build" --target hostile_client_test oaipmh
fi
[ -x "$test_binary" ] || { echo "hostile-clients.sh: no $test_binary; build first" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 20000 ]; then
  echo "hostile-clients.sh: open files limit $(ulimit -n) < 20000: raise the hard limit" >&2
  exit 2
fi

log=$(mktemp "${TMPDIR:-/tmp}/hostile-clients.XXXXXX")
trap 'rm -f "$log"' EXIT
status=0
HOSTILE_CLIENTS_LONG=1 "$test_binary" --gtest_filter="$filter" 2>&1 | tee "$log" || status=$?
echo
echo "== hostile clients: figures =="
grep '^\[ figures \]' "$log" | sed 's/^\[ figures \] /- /' || true
grep -E '^\[  (PASSED|FAILED) ' "$log" || true
exit "$status"
