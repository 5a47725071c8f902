#!/usr/bin/env bash
# Installs the Debian 12 packages oaipmh needs (only those missing), then
# configures and builds it in build/ (Release, warnings as errors). Safe to run
# again: it only does what is still to do.
#
#   scripts/setup.sh [--full] [extra cmake arguments...]
#
# --full also installs what the longer checks of `scripts/test.sh --full` need
# (clang-14 and its sanitizer and libFuzzer runtimes).
set -euo pipefail
cd "$(dirname "$0")/.."

full=""
if [[ ${1:-} == --full ]]; then
  full=1
  shift
fi

packages=(
  # toolchain
  g++ cmake make pkg-config
  # libraries (docs/architecture.md says what each is for)
  libcurl4-openssl-dev libxml2-dev libboost1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev zlib1g-dev libdeflate-dev libssl-dev libtomlplusplus-dev libcli11-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev
  # tools the tests and docs use: the sqlite3 shell; xmllint (independent
  # checks, the benchmark's reference); python3 (the tests' fixture
  # servers); curl (the fixture server's self-test)
  sqlite3 libxml2-utils python3 curl
  # what scripts/bench.sh runs beside oaipmh (its smoke form is a test): the
  # load generator, the static file server it compares the provider with,
  # GNU time for peak RSS
  wrk nginx-light time
  # the PostgreSQL store's tests start a throwaway cluster of their own
  # (scripts/test-postgres.sh); the package's own cluster is never started
  postgresql
  # the crash-recovery test mounts a small tmpfs (util-linux)
  util-linux
  # the Debian package (cpack -G DEB): dpkg-shlibdeps computes its
  # dependencies, lintian checks it, help2man writes the man pages
  dpkg-dev file lintian help2man
)
if [[ -n $full ]]; then
  # the longer checks (docs/reliability.md): libFuzzer and the sanitizer
  # build come with clang and its runtime
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo)
  else
    echo "setup: these Debian packages are missing and installing them needs root:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    echo "setup: run that as root (or this script with sudo), then run this script again." >&2
    exit 2
  fi
  # Installing nginx or PostgreSQL would start its service (port 80, 5432): a
  # policy-rc.d that refuses every start keeps them stopped (the benchmark
  # and the tests start their own).
  policy=/usr/sbin/policy-rc.d
  if [[ " ${missing[*]} " =~ " "(nginx-light|postgresql)" " && ! -e $policy ]]; then
    printf '#!/bin/sh\n# scripts/setup.sh: start no service while installing\nexit 101\n' |
      "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap '"${as_root[@]}" rm -f "$policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_get=("${as_root[@]}" apt-get)
  if ! "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}"; then
    "${apt_get[@]}" update
    "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}"
  fi
  if [[ $(trap -p EXIT) ]]; then
    "${as_root[@]}" rm -f "$policy"
    trap - EXIT
  fi
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DOAIPMH_WERROR=ON "$@" >/dev/null
cmake --build build -j "$(nproc)"
