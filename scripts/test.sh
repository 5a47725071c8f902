#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test: the CTest suite, then each
# libFuzzer target for 30 seconds (scripts/fuzz.sh), then the whole suite again
# built with AddressSanitizer and UndefinedBehaviorSanitizer
# (scripts/sanitize.sh). Stops at the first part that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
scripts/fuzz.sh --seconds 30
scripts/sanitize.sh --no-setup
