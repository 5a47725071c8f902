#!/usr/bin/env bash
# The repository stands alone: no file of it refers to a folder beside the
# checkout (a clone with nothing beside it must build and pass every test).
# Usage: stands_alone.sh SOURCE_DIR
set -euo pipefail
cd "$1"
# The pattern is assembled so that this file does not match itself.
outside='\.\./'"shared"'|\<'"shared"'/(DESIGN|STYLE|spec|schema|fixtures|hooks)\>'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files() { git ls-files -z; }
else
  files() { find . -path ./build -prune -o -path './build-*' -prune -o -type f -print0; }
fi
if files | xargs -0 grep -nIE "$outside" -- 2>/dev/null; then
  echo "stands_alone: the files above refer to a folder outside the repository" >&2
  exit 1
fi
echo "stands_alone: no file refers outside the repository"
