#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) on every source file of the modules (oai/,
# store/, harvester/, provider/, cli/) with the compile commands of a build
# (default build/, made by scripts/setup.sh). Exits 1 on any finding.
#   scripts/tidy.sh [--build DIR] [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build jobs=$(nproc)
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "usage: scripts/tidy.sh [--build DIR] [--jobs N]" >&2; exit 2 ;;
  esac
done
[[ -f $build/compile_commands.json ]] || { echo "tidy: no $build/compile_commands.json: build first" >&2; exit 2; }
tidy=$(command -v run-clang-tidy-14 || command -v run-clang-tidy)
files=$(git ls-files 'oai/*.cc' 'store/*.cc' 'harvester/*.cc' 'provider/*.cc' 'validator/*.cc' 'cli/*.cc' | sed 's|^|'"$PWD"'/|')
started=$SECONDS
# run-clang-tidy takes the files as regular expressions.
# The build's flags are GCC's: clang does not know some of its warning options.
"$tidy" -quiet -p "$build" -j "$jobs" -extra-arg=-Wno-unknown-warning-option \
  $(echo "$files" | sed 's/\./\\./g; s/$/$/') >"$build/tidy.log" 2>&1 || true
if grep -E '(warning|error): ' "$build/tidy.log" | grep -v 'warnings generated' >/dev/null; then
  grep -E -A3 '(warning|error): ' "$build/tidy.log" | head -200 >&2
  echo "tidy: findings above (the whole log: $build/tidy.log)" >&2
  exit 1
fi
echo "tidy: $(echo "$files" | wc -l) files clean ($((SECONDS - started)) s)"
