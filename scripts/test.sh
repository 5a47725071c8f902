#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test. Ends with CTest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
