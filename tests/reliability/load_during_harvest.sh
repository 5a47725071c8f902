#!/usr/bin/env bash
# Load while harvesting (issue 7, item 6), against real processes on
# 127.0.0.1: `oaipmh serve` answers wrk's CONNECTIONS connections for SECONDS
# (GetRecord, a first ListRecords page and a deep one, in turn) while
# `oaipmh harvest` writes RECORDS records into the same store from
# bench/page_server. Holds when:
#   - every response was a 200 or a deliberate 503 (the server's own counts,
#     GET /metrics, beside wrk's), and wrk saw no socket error but timeouts;
#   - neither log mentions `database is locked` (nor SQLITE_BUSY);
#   - the harvest ended well and the store holds every record it wrote;
#   - serve's memory stayed flat: sampled every second (VmRSS), the highest
#     figure of the second half of the run is at most 1.25 times the highest of
#     the first half, plus 4 MB.
#
#   load_during_harvest.sh --build DIR [--records N] [--seconds N]
#                          [--connections N] [--workdir DIR]
#
# Defaults are the quick form: 10,000 records, 10 s, 256 connections. The long
# form (docs/reliability.md): --records 100000 --seconds 60.
set -euo pipefail

records=10000 seconds=10 connections=256 build="" workdir=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR [--records N] [--seconds N] [--connections N] [--workdir DIR]" >&2
       exit 2 ;;
  esac
done
[[ -n $build ]] || { echo "load: --build DIR is required" >&2; exit 2; }
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
oaipmh=$build/cli/oaipmh
fixtures=$root/tests/fixtures/harvest

if [[ -z $workdir ]]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/load.XXXXXX")
  trap 'cleanup; rm -rf "$workdir"' EXIT
else
  mkdir -p "$workdir"
  trap cleanup EXIT
fi
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
say() { echo "load: $*"; }
fail() { echo "load: FAILED: $*" >&2; exit 1; }

# start_page_server NAME RECORDS: a page server of RECORDS records; sets $port.
start_page_server() {
  "$build/bench/make_page_chain" "$2" 100 "$workdir/$1-pages" >/dev/null
  mkfifo "$workdir/$1.port" "$workdir/$1.stdin"
  # The server ends when its stdin closes: this script holds it open.
  local keep
  exec {keep}<>"$workdir/$1.stdin"
  "$build/bench/page_server" --pages "$workdir/$1-pages" --identify "$fixtures/identify-seconds.xml" \
    --list-metadata-formats "$fixtures/list-metadata-formats.xml" \
    --list-sets "$fixtures/no-set-hierarchy.xml" --max-seconds $((seconds + 600)) \
    <"$workdir/$1.stdin" >"$workdir/$1.port" &
  pids+=($!)
  read -r _ port <"$workdir/$1.port" || fail "page_server did not start"
}

store=$workdir/store.sqlite
# What serve answers from the start: 2,000 records of another source.
start_page_server base 2000
cat >"$workdir/base.toml" <<EOT
store = "$store"
[harvest]
politeness_delay = 0
[[source]]
name = "base"
url = "http://127.0.0.1:$port/oai"
EOT
"$oaipmh" harvest --quiet --config "$workdir/base.toml" || fail "the first harvest failed"
base_records=$(sqlite3 "$store" "SELECT count(*) FROM records")

start_page_server load "$records"
cat >"$workdir/load.toml" <<EOT
store = "$store"
[harvest]
politeness_delay = 0
[[source]]
name = "load"
url = "http://127.0.0.1:$port/oai"
EOT

mkfifo "$workdir/serve.err"
"$oaipmh" serve --store "$store" --listen 127.0.0.1:0 2>"$workdir/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
exec {serve_err}<"$workdir/serve.err"
serve_port=""
while read -r -t 20 line <&"$serve_err"; do
  echo "$line" >>"$workdir/serve.log"
  if [[ $line =~ 127\.0\.0\.1:([0-9]+) ]]; then serve_port=${BASH_REMATCH[1]}; break; fi
done
[[ -n $serve_port ]] || fail "oaipmh serve did not start"
cat <&"$serve_err" >>"$workdir/serve.log" &
pids+=($!)
base=http://127.0.0.1:$serve_port/oai

# The three requests wrk sends in turn.
identifier=$(curl -sf "$base?verb=ListIdentifiers&metadataPrefix=oai_dc" |
  sed -n 's/.*<identifier>\([^<]*\)<\/identifier>.*/\1/p' | head -1)
identifier=${identifier%%<*}
token=$(curl -sf "$base?verb=ListRecords&metadataPrefix=oai_dc" |
  sed -n 's/.*<resumptionToken[^>]*>\([^<]*\)<\/resumptionToken>.*/\1/p')
[[ -n $identifier && -n $token ]] || fail "no identifier or resumption token from serve"
encode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
cat >"$workdir/requests.lua" <<EOT
local paths = {
  "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=$(encode "$identifier")",
  "/oai?verb=ListRecords&metadataPrefix=oai_dc",
  "/oai?verb=ListRecords&resumptionToken=$(encode "$token")",
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n % #paths + 1])
end
EOT

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$serve_pid/status"; }
(while sleep 1; do rss_kb; done >"$workdir/rss.txt") &
sampler_pid=$!
pids+=("$sampler_pid")

say "wrk: $connections connections for ${seconds} s on GetRecord and ListRecords;" \
    "oaipmh harvest: $records records into the same store"
wrk -t 2 -c "$connections" -d "${seconds}s" --timeout 10s -s "$workdir/requests.lua" "$base" \
  >"$workdir/wrk.txt" 2>&1 &
wrk_pid=$!
pids+=("$wrk_pid")
start=$EPOCHREALTIME
harvest_status=0
"$oaipmh" harvest --config "$workdir/load.toml" >"$workdir/harvest.log" 2>&1 || harvest_status=$?
harvest_seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
wait "$wrk_pid" || fail "wrk failed: $(cat "$workdir/wrk.txt")"
kill "$sampler_pid" 2>/dev/null || true
curl -sf "http://127.0.0.1:$serve_port/metrics" >"$workdir/metrics.txt" || fail "no /metrics"
kill "$serve_pid"
wait "$serve_pid" || fail "serve did not stop cleanly"

say "harvest: exit $harvest_status in $harvest_seconds s (wrk ran ${seconds} s):" \
    "$(grep -m1 'load:' "$workdir/harvest.log" || true)"
((harvest_status == 0)) || { cat "$workdir/harvest.log" >&2; fail "the harvest failed"; }
held=$(sqlite3 "$store" "SELECT count(*) FROM records")
((held == base_records + records)) || fail "the store holds $held records, not $((base_records + records))"
say "store: $held records ($base_records before, $records harvested under load), integrity_check" \
    "$(sqlite3 "$store" "PRAGMA integrity_check")"

requests=$(awk '/requests in/ { print $1 }' "$workdir/wrk.txt")
say "wrk: $requests requests, $(awk '/Requests\/sec/ { print $2 }' "$workdir/wrk.txt")/s," \
    "latency $(awk '/Latency/ { print "mean " $2 ", max " $4 }' "$workdir/wrk.txt")"
if grep -q "Socket errors" "$workdir/wrk.txt"; then
  errors=$(grep "Socket errors" "$workdir/wrk.txt")
  say "wrk: $errors"
  [[ $errors =~ connect\ 0,\ read\ 0,\ write\ 0 ]] || fail "wrk saw socket errors"
fi
# The server's own count of answers by status, OAI-PMH endpoint only.
statuses=$(awk -F'[{}]' '/^oaipmh_requests_total\{/ {
    match($2, /status="[0-9]+"/); s = substr($2, RSTART + 8, 3); n[s] += $3 }
  END { for (s in n) printf "%s:%d ", s, n[s] }' "$workdir/metrics.txt")
say "serve answered, by status: $statuses"
for entry in $statuses; do
  [[ ${entry%%:*} == 200 || ${entry%%:*} == 503 ]] || fail "responses with status ${entry%%:*}"
done
if grep -qiE "database is locked|database table is locked|SQLITE_BUSY" "$workdir/serve.log" "$workdir/harvest.log"; then
  grep -iE -m3 "database is locked|database table is locked|SQLITE_BUSY" "$workdir/serve.log" "$workdir/harvest.log" >&2
  fail "'database is locked' in a log"
fi
say "no 'database is locked' in serve's or the harvest's log"

mapfile -t rss <"$workdir/rss.txt"
((${#rss[@]} >= 4)) || fail "too few memory samples (${#rss[@]})"
half=$((${#rss[@]} / 2))
first=$(printf '%s\n' "${rss[@]:0:half}" | sort -n | tail -1)
second=$(printf '%s\n' "${rss[@]:half}" | sort -n | tail -1)
say "serve RSS: first sample $((rss[0] / 1024)) MB, highest of the first half $((first / 1024)) MB," \
    "of the second half $((second / 1024)) MB, last $((rss[-1] / 1024)) MB (${#rss[@]} samples)"
if [[ ${OAIPMH_SANITIZED:-0} == 1 ]]; then
  # AddressSanitizer keeps freed memory in quarantine (up to 256 MB) on purpose.
  say "memory not judged in a sanitizer build: its quarantine holds freed memory"
else
  ((second <= first * 5 / 4 + 4096)) || fail "serve's memory grew in the second half"
fi
wal=$(stat -c %s "$store-wal" 2>/dev/null || echo 0)
say "held: only 200 and 503, no lock errors, every record committed, memory flat (WAL now $((wal / 1048576)) MB)"
