#!/usr/bin/env bash
# Builds the program, its tools and man pages in every CMake build type with
# GCC 12 and with Clang 14, warnings as errors, each in a build directory of
# its own under DIR that is removed once it built. The README's own build
# (GCC, Release) and the sanitizer build (Clang) build the tests too and run
# them; this checks that the other combinations a packager or developer may
# choose still compile. --with-tests builds the tests in each as well.
#
#   scripts/build-matrix.sh [--dir DIR] [--jobs N] [--with-tests] [COMPILER-TYPE...]
#
# COMPILER-TYPE: gcc-Debug, clang-MinSizeRel, ... (default: all eight but
# gcc-Release, which scripts/setup.sh builds). Needs scripts/setup.sh --full.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build-matrix jobs=$(nproc) tests=OFF combinations=()
while (($#)); do
  case $1 in
    --dir) dir=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --with-tests) tests=ON; shift ;;
    gcc-* | clang-*) combinations+=("$1"); shift ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
if ((${#combinations[@]} == 0)); then
  for compiler in gcc clang; do
    for type in Debug Release RelWithDebInfo MinSizeRel; do
      [[ $compiler-$type == gcc-Release ]] || combinations+=("$compiler-$type")
    done
  done
fi

for combination in "${combinations[@]}"; do
  compiler=${combination%%-*} type=${combination#*-}
  case $compiler in
    gcc) cc=gcc cxx=g++ ;;
    clang) cc=clang-14 cxx=clang++-14 ;;
    *) echo "build-matrix: unknown compiler $compiler" >&2; exit 2 ;;
  esac
  build=$dir/$combination
  started=$SECONDS
  rm -rf "$build"
  CC=$cc CXX=$cxx cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="$type" -DOAIPMH_WERROR=ON \
    -DOAIPMH_BUILD_TESTS=$tests >/dev/null
  if ! cmake --build "$build" -j "$jobs" >"$build.log" 2>&1; then
    grep -E 'error|warning' "$build.log" | head -40 >&2
    echo "build-matrix: $compiler $type failed to build; the whole log is $build.log" >&2
    exit 1
  fi
  rm -rf "$build" "$build.log"
  echo "build-matrix: $compiler $type built ($((SECONDS - started)) s)"
done
rmdir "$dir" 2>/dev/null || true
