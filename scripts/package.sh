#!/usr/bin/env bash
# Builds the Debian package oaipmh_<version>_<arch>.deb and checks it with
# lintian (docs/operations.md, "Install from the package", explains each tag
# that remains).
#
#   scripts/package.sh [--build DIR] [--output DIR]
#
# Without --build: a Release build of the program alone in build-package/
# (no tests; warnings are not errors, so a newer compiler's new warning does
# not stop it). With --build DIR: the package of that build as it is (the
# README's build/ after scripts/setup.sh). The package goes to --output
# (default: the build directory); its path is the last line printed.
# Needs the Debian packages of scripts/setup.sh (dpkg-dev, lintian, help2man).
set -euo pipefail
cd "$(dirname "$0")/.."

build="" output=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done

if [[ -z $build ]]; then
  build=build-package
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DOAIPMH_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)"
fi
build=$(cd "$build" && pwd)
output=${output:-$build}
mkdir -p "$output"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$output" >"$output/cpack.log" ||
  { cat "$output/cpack.log" >&2; exit 1; }
package=$(ls -t "$output"/oaipmh_*.deb | head -1)
# Errors and warnings fail; the informational tags are listed.
lintian --fail-on error,warning --display-info --pedantic "$package" 2>&1 |
  grep -v '^running with root privileges' || true
lintian --fail-on error,warning "$package" >/dev/null 2>&1 ||
  { echo "package: lintian finds errors or warnings in $package" >&2; exit 1; }
echo "$package"
