#!/usr/bin/env bash
# The schemas of schema/xsd/ are the published files, byte for byte: each
# file's sha256 begins with the digits schema/xsd/SOURCES.md gives for it.
# Usage: published_schemas.sh SOURCE_DIR
set -euo pipefail
cd "$1/schema/xsd"
checked=0
while IFS='|' read -r _ file _ _ digest _; do
  file=$(echo "$file" | tr -d ' `')
  digest=$(echo "$digest" | tr -d ' ')
  [[ $file == *.xsd && $digest =~ ^[0-9a-f]{16}$ ]] || continue
  actual=$(sha256sum "$file" | cut -c1-16)
  if [[ $actual != "$digest" ]]; then
    echo "published_schemas: $file has sha256 $actual..., SOURCES.md says $digest..." >&2
    exit 1
  fi
  checked=$((checked + 1))
done <SOURCES.md
published=$(ls -1 *.xsd | grep -vc '^oai-pmh-response\.xsd$')
if ((checked != published)); then
  echo "published_schemas: SOURCES.md lists $checked of the $published published schemas" >&2
  exit 1
fi
echo "published_schemas: $checked schemas match SOURCES.md"
