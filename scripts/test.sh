#!/usr/bin/env bash
# The README's test command: sets up (scripts/setup.sh: the missing Debian
# packages, a Release build in build/) and runs the whole CTest suite,
# PostgreSQL included. About 8 minutes on 2 cores from a fresh clone.
#
#   scripts/test.sh [--full]
#
# --full then runs the longer checks CI runs after it, stopping at the first
# that fails (about 50 minutes more on 2 cores):
#   - clang-tidy on every source file of the modules (scripts/tidy.sh);
#   - each libFuzzer target for 30 s (scripts/fuzz.sh);
#   - the whole suite built with clang-14, AddressSanitizer and
#     UndefinedBehaviorSanitizer (scripts/sanitize.sh);
#   - the crash-recovery check at twice the test's size;
#   - every other build type with GCC 12 and with Clang 14, the program and
#     its tools without the tests (scripts/build-matrix.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

full=""
case ${1:-} in
  --full) full=1 ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--full]" >&2; exit 2 ;;
esac

started=$SECONDS
scripts/setup.sh ${full:+--full}
ctest --test-dir build --output-on-failure -j "$(nproc)"
echo "test: the CTest suite passed ($((SECONDS - started)) s with set-up and build)"
[[ -n $full ]] || exit 0

scripts/tidy.sh
scripts/fuzz.sh --seconds 30
scripts/sanitize.sh --no-setup
bash tests/reliability/crash_recovery.sh --build build --records 20000 --kills 20
scripts/build-matrix.sh
echo "test: every check passed ($((SECONDS - started)) s)"
