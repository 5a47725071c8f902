#!/usr/bin/env bash
# Builds oaipmh with clang-14, AddressSanitizer and UndefinedBehaviorSanitizer
# (the OAIPMH_SANITIZE option) in its own build directory and runs the whole
# CTest suite in it: the suite's run on a second compiler, too. Any sanitizer report fails: the process that finds one aborts
# (so its test fails), and every report is also written to a file, which makes
# the run fail at the end even when the report came from a child process whose
# exit status no test checks (a server stopped by a signal, a benchmark step).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() {
  cat <<'EOT'
Usage: scripts/sanitize.sh [--build DIR] [--jobs N] [--no-setup] [ctest args...]

Configures DIR (default build-asan) with clang-14 and -DOAIPMH_SANITIZE=ON, builds it with
N parallel jobs (default: the number of cores) and runs the whole CTest suite
in it with N tests at a time; further arguments go to ctest (e.g. -R Datestamp).
Runs scripts/setup.sh --full first for the Debian packages (clang-14 among
them), unless --no-setup is given.

Sanitizer reports are written to DIR/sanitizer-reports/ and printed at the end.
EOT
}

build=build-asan
jobs=$(nproc)
setup=1
while (($# > 0)); do
  case $1 in
    --build) build=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    --no-setup) setup="" ;;
    -h | --help) usage; exit 0 ;;
    *) break ;;  # the rest is for ctest
  esac
  shift
done

[[ -n $setup ]] && scripts/setup.sh --full

# RelWithDebInfo (-O2 -g), the code that ships, rather than Debug: -O0 builds
# faster (provider/http_server.cc: 20 s against 73 s) but makes instrumented
# code run slower, and several tests bound their own time (HV-7 timeouts, the
# reliability harnesses); the suite takes about 4 minutes at -O2 on 2 cores.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DOAIPMH_SANITIZE=ON -DOAIPMH_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
build=$(cd "$build" && pwd)

reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
supp=$root/tests/sanitizers

# Every instrumented process (test programs, the oaipmh they start, the
# benchmark's tools) inherits these. abort_on_error turns a report into
# SIGABRT, which no test can take for an ordinary failing exit status.
# log_path sends ASan's and LSan's reports to $reports/report.<program>.<pid>,
# which this script prints, so no test that captures a child's stderr swallows
# them. UBSan may ignore log_path (g++ 12 combined with ASan does) and write to
# stderr, so CTest's log of the run is searched for its reports as well.
common="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/report:log_exe_name=1"
export ASAN_OPTIONS="$common:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="$common:report_error_type=1"
export LSAN_OPTIONS="print_suppressions=0"
# Suppressions, for third-party code only: each line of these files says why.
for tool in asan ubsan lsan; do
  if [[ -f $supp/$tool.supp ]]; then
    variable=${tool^^}_OPTIONS
    export "$variable=${!variable}:suppressions=$supp/$tool.supp"
  fi
done

# The test programs run at build time too (gtest_discover_tests lists their
# tests), so the build is already under the options above.
cmake --build "$build" -j "$jobs"

status=0
rm -f "$build/Testing/Temporary/LastTest.log"
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@" || status=$?

shopt -s nullglob
found=("$reports"/*)
for report in "${found[@]}"; do
  echo "=== sanitizer report: $report"
  cat "$report"
done
log=$build/Testing/Temporary/LastTest.log
ubsan=0
if [[ -f $log ]]; then
  ubsan=$(grep -c ': runtime error: ' "$log" || true)
  grep -n -A20 ': runtime error: ' "$log" || true
fi
if ((${#found[@]} > 0 || ubsan > 0)); then
  echo "sanitize: ${#found[@]} ASan/LSan report(s) in $reports, $ubsan UBSan report(s) in $log" >&2
  ((status != 0)) || status=1
fi
exit "$status"
