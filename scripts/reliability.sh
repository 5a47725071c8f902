#!/usr/bin/env bash
# The long forms of issue 7's reliability checks, one after the other, each
# logged in full; docs/reliability.md reports what they measured. The quick
# forms of the same checks run in the README's test command (scripts/test.sh).
#
#   scripts/reliability.sh [--build DIR] [--logs DIR] [PART...]
#
# PARTs, in this order (default: all; about 90 minutes on 2 cores, most of it
# fuzzing):
#   fuzz       every libFuzzer target for 10 minutes      scripts/fuzz.sh --seconds 600
#   sanitize   the whole suite with ASan and UBSan         scripts/sanitize.sh
#   crash      100 SIGKILLs across 100,000 records, and a full disk
#   upstreams  hostile upstreams at full size (a 1 GiB record, 10 GiB bombs, ...)
#   clients    hostile clients at full size (10,000 idle connections, slowloris, ...)
#   load       wrk at 256 connections for 60 s while 100,000 records are harvested
# DIR (default build) must be built (scripts/setup.sh); logs go to --logs
# (default reliability-logs/). Exits non-zero when any part failed.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build logs=reliability-logs parts=()
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    fuzz | sanitize | crash | upstreams | clients | load) parts+=("$1"); shift ;;
    *) sed -n '2,19p' "$0" >&2; exit 2 ;;
  esac
done
((${#parts[@]})) || parts=(fuzz sanitize crash upstreams clients load)
mkdir -p "$logs"

run_part() {
  case $1 in
    fuzz) scripts/fuzz.sh --seconds 600 ;;
    sanitize) scripts/sanitize.sh --no-setup ;;
    crash) tests/reliability/crash_recovery.sh --build "$build" --records 100000 --kills 100 \
             --disk-mb 40 --seed 11 ;;
    upstreams) scripts/hostile-upstreams.sh --build "$build" ;;
    clients) scripts/hostile-clients.sh --build "$build" ;;
    load) tests/reliability/load_during_harvest.sh --build "$build" --records 100000 --seconds 60 ;;
  esac
}

failed=()
for part in "${parts[@]}"; do
  echo "reliability: $part (log: $logs/$part.log)"
  start=$SECONDS
  if run_part "$part" >"$logs/$part.log" 2>&1; then
    echo "reliability: $part held ($((SECONDS - start)) s)"
  else
    echo "reliability: $part FAILED ($((SECONDS - start)) s); the end of its log:"
    tail -20 "$logs/$part.log"
    failed+=("$part")
  fi
done
((${#failed[@]} == 0)) || { echo "reliability: failed: ${failed[*]}"; exit 1; }
