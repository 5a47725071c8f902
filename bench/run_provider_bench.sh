#!/usr/bin/env bash
# Provider benchmark: `oaipmh serve` over a store of RECORDS synthetic records
# (made by bench/fill_store unless STORE already exists), measured with wrk on
# loopback: GetRecord and a 100-record ListRecords page at 1 and 64
# connections, gzip, and the first page against a page 90 % deep.
#   bench/run_provider_bench.sh [RECORDS] [STORE] [SECONDS]   (build first; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
store=${2:-/tmp/oaipmh-bench-$records.sqlite}
seconds=${3:-10}
command -v wrk >/dev/null || { echo "run_provider_bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
if [[ ! -e "$store" ]]; then
  build/bench/fill_store "$store" "$records"
fi

log=$(mktemp)
build/cli/oaipmh serve --store "$store" --listen 127.0.0.1:0 2>"$log" &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*/oai' "$log" | head -1)

identifier="oai:aggregator.example.org:bench/oai:bench.example.org:$((records / 2))"
get_record="$base?verb=GetRecord&metadataPrefix=oai_dc&identifier=${identifier//:/%3A}"
first_page="$base?verb=ListRecords&metadataPrefix=oai_dc"
deep=$((records * 9 / 10))
deep_page="$base?verb=ListRecords&resumptionToken=$(build/bench/make_token "$store" "$deep")"
curl -sf "$get_record" | grep -q '<GetRecord>' || { echo "GetRecord failed" >&2; exit 1; }
curl -sf "$deep_page" | grep -q '<ListRecords>' || { echo "deep page failed" >&2; exit 1; }

# wrk's requests/s, mean latency and 99th percentile, on one line.
measure() {
  local label=$1 connections=$2 url=$3
  shift 3
  local threads=$((connections < 2 ? 1 : 2))
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" "$url")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$connections" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '/^    Latency/ {print $2}' <<<"$out")" \
    "$(awk '/^ +99%/ {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx/ {n = $5} END {print n + 0}' <<<"$out")"
}

echo "store: $store ($records records), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "| request | connections | requests/s | mean latency | p99 | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
measure "GetRecord" 1 "$get_record"
measure "GetRecord" 64 "$get_record"
measure "ListRecords first page (100 records)" 1 "$first_page"
measure "ListRecords first page (100 records)" 64 "$first_page"
measure "ListRecords first page, gzip" 64 "$first_page" -H "Accept-Encoding: gzip"
measure "ListRecords page $deep records deep" 1 "$deep_page"
measure "ListRecords page $deep records deep" 64 "$deep_page"
echo "serve peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$serve_pid/status)"
