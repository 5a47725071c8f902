#!/usr/bin/env bash
# Every C++ file of the repository is formatted as .clang-format says: the
# test fails on any difference and names the files (`clang-format -i FILE`
# fixes one; scripts/format.sh fixes all).
# Usage: formatted.sh SOURCE_DIR
set -euo pipefail
cd "$1"
format=$(command -v clang-format-14 || command -v clang-format || true)
[[ -n $format ]] || { echo "formatted: clang-format is missing (apt-get install clang-format)" >&2; exit 2; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -v '^tests/fixtures/')
else
  mapfile -t files < <(find . -path ./build -prune -o -path './build-*' -prune -o \
    \( -name '*.cc' -o -name '*.h' \) -print | grep -v '/tests/fixtures/')
fi
unformatted=()
for file in "${files[@]}"; do
  [[ -f $file ]] || continue
  if ! "$format" --dry-run --Werror "$file" >/dev/null 2>&1; then unformatted+=("$file"); fi
done
if ((${#unformatted[@]} > 0)); then
  printf 'formatted: not as .clang-format says: %s\n' "${unformatted[@]}" >&2
  echo "formatted: run scripts/format.sh" >&2
  exit 1
fi
echo "formatted: ${#files[@]} files as .clang-format says"
