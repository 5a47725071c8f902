#!/usr/bin/env bash
# Fills a large store for bench/bench_scale.sh with bench/fill_store (the
# harvester's reader and the store's page writer, without HTTP).
#   bench/fill_large_store.sh --build DIR --store STORE --records N [--processes P]
# SQLite: one process (one writer at a time). PostgreSQL: P processes (default
# 2), each filling its share of the records as a source of its own
# (bench-1, bench-2, ...), as a bulk load is done: the full-text GIN indexes
# are dropped first and built once at the end, commits do not wait for the
# disk while filling (synchronous_commit off for the database, reset after),
# and the tables are vacuumed and analysed at the end.
set -euo pipefail
build="" store="" records="" processes=2
while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --store) store=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --processes) processes=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --store STORE --records N [--processes P]" >&2; exit 2 ;;
  esac
done
[[ -n $build && -n $store && -n $records ]] || { echo "usage: $0 --build DIR --store STORE --records N" >&2; exit 2; }
fill=$build/bench/fill_store
start=$EPOCHREALTIME
elapsed() { awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }'; }

if [[ $store != postgres://* && $store != postgresql://* ]]; then
  "$fill" "$store" "$records"
  echo "fill: $records records into $store in $(elapsed) s"
  exit 0
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/fill.XXXXXX")
trap 'rm -rf "$logs"' EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 "$store" -c "$1"; }
"$build/cli/oaipmh" init --store "$store" >/dev/null
sql "DROP INDEX IF EXISTS records_fts; DROP INDEX IF EXISTS records_fts_other"
sql "ALTER DATABASE $(psql -X -A -t "$store" -c 'SELECT current_database()') SET synchronous_commit = off"
share=$(((records + processes - 1) / processes))
pids=()
for ((p = 0; p < processes; ++p)); do
  first=$((p * share))
  count=$((records - first < share ? records - first : share))
  "$fill" "$store" "$count" "bench-$((p + 1))" "$first" >"$logs/fill-$((p + 1)).log" 2>&1 &
  pids+=("$!")
done
for pid in "${pids[@]}"; do wait "$pid" || { cat "$logs"/fill-*.log >&2; exit 1; }; done
cat "$logs"/fill-*.log
echo "fill: rows written in $(elapsed) s; building the full-text indexes"
sql "ALTER DATABASE $(psql -X -A -t "$store" -c 'SELECT current_database()') RESET synchronous_commit"
# The two GIN indexes at once, one a core.
sql "SET maintenance_work_mem = '1GB'; CREATE INDEX records_fts ON records USING gin (fts) WHERE fts IS NOT NULL" &
one=$!
sql "SET maintenance_work_mem = '1GB'; CREATE INDEX records_fts_other ON records USING gin (fts_other) WHERE fts_other IS NOT NULL"
wait "$one"
echo "fill: indexes built at $(elapsed) s; vacuum and analyse"
sql "VACUUM ANALYZE"
echo "fill: $records records into $store in $(elapsed) s"
