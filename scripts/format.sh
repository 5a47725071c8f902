#!/usr/bin/env bash
# Formats every C++ file of the repository with .clang-format (the test
# Repository.Formatted checks that nothing is left to do).
set -euo pipefail
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format)
git ls-files '*.cc' '*.h' | grep -v '^tests/fixtures/' | xargs "$format" -i
