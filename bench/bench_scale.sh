#!/usr/bin/env bash
# The figures of docs/scaling.md for one large store, SQLite or PostgreSQL:
# its size, `oaipmh serve`'s first ListRecords page and a page POSITION deep
# (the first request, which counts the list, then the median of 51), and the
# median of 21 `oaipmh query --limit 20` for an FTS word in about 1 % of the
# records, a rarer one and a record number.
#   bench/bench_scale.sh --build DIR --store STORE [--deep POSITION]
# The store is filled beforehand (docs/scaling.md says how); prints
# `result KEY=VALUE` lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"
source "$here/bench_query.sh"

build="" store="" deep=9000000
while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --store) store=$2; shift 2 ;;
    --deep) deep=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --store STORE [--deep POSITION]" >&2; exit 2 ;;
  esac
done
[[ -n $build && -n $store ]] || { echo "usage: $0 --build DIR --store STORE [--deep POSITION]" >&2; exit 2; }
oaipmh=$build/cli/oaipmh
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-scale.XXXXXX")
serve_pid=""
trap '[[ -z $serve_pid ]] || kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

postgres=0
[[ $store == postgres://* || $store == postgresql://* ]] && postgres=1
if ((postgres)); then
  records=$(psql -X -A -t "$store" -c "SELECT count(*) FROM records")
  bytes=$(psql -X -A -t "$store" -c "SELECT pg_database_size(current_database())")
  result scale.engine PostgreSQL
else
  records=$(sqlite3 "file:$store?mode=ro" "SELECT count(*) FROM records")
  bytes=$(($(stat -c %s "$store") + $(stat -c %s "$store-wal" 2>/dev/null || echo 0)))
  result scale.engine SQLite
fi
result scale.records "$records"
result scale.store_mb "$(megabytes "$bytes")"
result scale.bytes_per_record "$(calc "$bytes / $records" 0)"

# get_ms URL: one request's total time in milliseconds (the response must be
# a ListRecords page).
get_ms() {
  local seconds
  seconds=$(curl -sf -o "$work/page.xml" -w '%{time_total}' "$1")
  grep -q '<ListRecords>' "$work/page.xml" || { echo "bench: not a ListRecords page: $1" >&2; exit 1; }
  calc "$seconds * 1000" 2
}
# page_row KEY URL: the first request, then the median of 51.
page_row() {
  local key=$1 url=$2 times=()
  result "$key.first_request_ms" "$(get_ms "$url")"
  for _ in $(seq 51); do times+=("$(get_ms "$url")"); done
  result "$key.median_ms" "$(printf '%s\n' "${times[@]}" | median)"
}

port=$(free_port)
"$oaipmh" serve --store "$store" --listen "127.0.0.1:$port" 2>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
url=http://127.0.0.1:$port/oai
step "first page"
page_row scale.first_page "$url?verb=ListRecords&metadataPrefix=oai_dc"
step "token for the page $deep records deep"
start=$EPOCHREALTIME
token=$("$build/bench/make_token" "$store" "$deep")
step "  made in $(elapsed "$start") s"
result scale.deep_position "$deep"
page_row scale.deep_page "$url?verb=ListRecords&resumptionToken=$token"
result scale.deep_ratio "$(calc "${R[scale.deep_page.median_ms]} / ${R[scale.first_page.median_ms]}")"
result scale.serve_rss_mb "$(awk '/^VmHWM:/ { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$serve_pid/status")"
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=""

query_row scale.query_word "$store" "$("$build/bench/make_page_chain" --word 300)"
query_row scale.query_rarer "$store" "$("$build/bench/make_page_chain" --word 3000)"
rare=$((records * 2 / 3 + 1))
((rare % 50 != 17)) || rare=$((rare + 1))
query_row scale.query_number "$store" "$rare"
