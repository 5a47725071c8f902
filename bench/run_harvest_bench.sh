#!/usr/bin/env bash
# Harvest benchmark: oaipmh harvest of RECORDS synthetic oai_dc records (100 a
# page) from the loopback fixture server into a new store; reports records/s
# and peak RSS, beside `xmllint --stream --noout` over the same bytes.
#   bench/run_harvest_bench.sh [RECORDS]      (default 100000; build first)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-100000}
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

build/bench/make_page_chain "$records" 100 "$work" >"$work/chain.txt"
python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
fixtures = os.getcwd() + "/tests/fixtures/harvest/"
def file(name):
    return {"body_file": fixtures + name, "body_template": True}
rules = [
    {"match": {"verb": "Identify"}, "responses": [file("identify-seconds.xml")]},
    {"match": {"verb": "ListMetadataFormats"}, "responses": [file("list-metadata-formats.xml")]},
    {"match": {"verb": "ListSets"}, "responses": [file("no-set-hierarchy.xml")]},
] + json.load(open(f"{work}/chain-rules.json"))
json.dump({"rules": rules}, open(f"{work}/scenario.json", "w"))
PY
# The server runs until its stdin closes: keep a pipe open with a sleeper.
mkfifo "$work/stdin"
sleep 3600 >"$work/stdin" &
sleeper=$!
python3 tests/fixture_server/fixture_server.py --scenario "$work/scenario.json" --max-seconds 3600 \
  <"$work/stdin" >"$work/port.txt" &
server_pid=$!
for _ in $(seq 50); do grep -q PORT "$work/port.txt" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/PORT/ {print $2}' "$work/port.txt")
cat >"$work/oaipmh.toml" <<EOT
store = "$work/store.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "bench"
url = "http://127.0.0.1:$port/oai"
EOT

/usr/bin/time -f "%e %M" -o "$work/time.txt" build/cli/oaipmh harvest --config "$work/oaipmh.toml" \
  >"$work/summary.txt"
read -r seconds rss_kb <"$work/time.txt"
stored=$(sqlite3 "$work/store.sqlite" "SELECT count(*) FROM records")

start=$(date +%s.%N)
xmllint --stream --noout "$work"/page-*.xml
end=$(date +%s.%N)
xmllint_seconds=$(echo "$end - $start" | bc -l)
bytes=$(cat "$work"/page-*.xml | wc -c)
kill "$sleeper" 2>/dev/null || true

printf 'records=%s stored=%s bytes=%s\n' "$records" "$stored" "$bytes"
printf 'oaipmh harvest: %.2f s, %.0f records/s, peak RSS %.1f MB\n' "$seconds" \
  "$(echo "$records / $seconds" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
printf 'xmllint --stream --noout (same bytes): %.2f s, %.0f records/s\n' "$xmllint_seconds" \
  "$(echo "$records / $xmllint_seconds" | bc -l)"
cat "$work/summary.txt"
