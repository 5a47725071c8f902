#!/usr/bin/env bash
# Harvest records/s into PostgreSQL with 1, 2 and 4 `oaipmh harvest --worker`
# processes (docs/scaling.md): SOURCES sources on as many hosts (page_servers
# on loopback), RECORDS records each, 100 a page; each row harvests them all
# into a fresh database, from the workers' start to the last one's exit.
#   bench/bench_workers.sh --build DIR --postgres URL [--sources N] [--records N]
#                          [--workers "1 2 4"]
# URL is a server's maintenance database (the bench creates and drops its own
# databases there). For comparison, the same sources are then harvested into a
# SQLite file by one plain `oaipmh harvest --workers 4` (threads, one writer).
# Prints `result KEY=VALUE` lines.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/bench_lib.sh
source "$here/bench_lib.sh"

build="" server="" sources=8 records=12500 counts="1 2 4"
while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --postgres) server=$2; shift 2 ;;
    --sources) sources=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --workers) counts=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --postgres URL [--sources N] [--records N] [--workers LIST]" >&2
       exit 2 ;;
  esac
done
[[ -n $build && -n $server ]] || { echo "usage: $0 --build DIR --postgres URL ..." >&2; exit 2; }
oaipmh=$build/cli/oaipmh
fixtures=$root/tests/fixtures/harvest
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-workers.XXXXXX")
pids=() database=""
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -z $database ]] || psql -X -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
url_of() {  # url_of DATABASE: the server's URL naming DATABASE
  python3 -c 'import re, sys; print(re.sub(r"^(postgres(?:ql)?://[^/]*/)[^?]*", lambda m: m.group(1) + sys.argv[2], sys.argv[1]))' "$server" "$1"
}

"$build/bench/make_page_chain" "$records" 100 "$work/pages" >"$work/chain.txt"
ports=()
for ((host = 1; host <= sources; ++host)); do
  mkfifo "$work/server$host.stdin"
  exec {fd}<>"$work/server$host.stdin"
  "$build/bench/page_server" --pages "$work/pages" --identify "$fixtures/identify-seconds.xml" \
    --list-metadata-formats "$fixtures/list-metadata-formats.xml" \
    --list-sets "$fixtures/no-set-hierarchy.xml" --max-seconds 3600 \
    <"$work/server$host.stdin" >"$work/server$host.port" &
  pids+=("$!")
  port=""
  for _ in $(seq 200); do
    port=$(awk '/^PORT / { print $2 }' "$work/server$host.port" 2>/dev/null || true)
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || { echo "bench: page_server $host did not start" >&2; exit 1; }
  ports+=("$port")
done
# sources_config STORE: a configuration of the sources, one a host.
sources_config() {
  echo "store = \"$1\""
  echo "[harvest]"
  echo "politeness_delay = 0"
  for ((host = 1; host <= sources; ++host)); do
    echo "[[source]]"
    echo "name = \"source$host\""
    echo "url = \"http://127.0.0.1:${ports[host - 1]}/oai\""
  done
}
result workers.sources "$sources"
result workers.records "$((sources * records))"

for count in $counts; do
  database=oaipmh_bench_workers_$$
  psql -X -q -v ON_ERROR_STOP=1 "$server" -c "CREATE DATABASE $database" >/dev/null
  store=$(url_of "$database")
  "$oaipmh" init --store "$store" >/dev/null
  sources_config "$store" >"$work/workers.toml"
  step "$count worker(s): $((sources * records)) records from $sources hosts"
  start=$EPOCHREALTIME
  worker_pids=()
  for ((w = 1; w <= count; ++w)); do
    "$oaipmh" harvest --quiet --worker --worker-name "w$w" --config "$work/workers.toml" \
      >"$work/w$w.out" 2>&1 &
    worker_pids+=("$!")
  done
  for pid in "${worker_pids[@]}"; do
    wait "$pid" || { cat "$work"/w*.out >&2; echo "bench: a worker failed" >&2; exit 1; }
  done
  seconds=$(elapsed "$start")
  held=$(psql -X -A -t "$store" -c "SELECT count(*) FROM records")
  ((held == sources * records)) || { echo "bench: $held records stored" >&2; exit 1; }
  result "workers.$count.seconds" "$seconds"
  result "workers.$count.records_per_s" "$(calc "$held / $seconds" 0)"
  psql -X -q "$server" -c "DROP DATABASE $database WITH (FORCE)" >/dev/null
  database=""
done

# The same harvest into SQLite: one process, 4 threads, one writer.
sources_config "$work/sqlite.sqlite" >"$work/sqlite.toml"
step "SQLite, oaipmh harvest --workers 4: $((sources * records)) records from $sources hosts"
start=$EPOCHREALTIME
"$oaipmh" harvest --quiet --workers 4 --config "$work/sqlite.toml" >"$work/sqlite.out" 2>&1 ||
  { cat "$work/sqlite.out" >&2; echo "bench: the SQLite harvest failed" >&2; exit 1; }
seconds=$(elapsed "$start")
held=$(sqlite3 "$work/sqlite.sqlite" "SELECT count(*) FROM records")
result workers.sqlite.seconds "$seconds"
result workers.sqlite.records_per_s "$(calc "$held / $seconds" 0)"

