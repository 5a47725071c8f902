#!/usr/bin/env bash
# Harvest workers sharing a PostgreSQL store (issue 8, item 3): three
# `oaipmh harvest --worker` processes over twelve loopback sources on six
# hosts (two sources a host: a page_server each), one of them killed
# (SIGKILL) in the middle of a source. Holds when:
#   - the two others exit 0 and no source is due afterwards;
#   - every source completed exactly once: one 'ok' run each, and the killed
#     worker's run marked 'interrupted' by the worker that took its host over
#     and resumed the list from its checkpoint (HV-5);
#   - every source holds exactly the records a plain harvest of one source
#     into SQLite holds (identifiers, datestamps, deleted flags, setSpecs,
#     metadata byte for byte), no checkpoint is left and every list has its
#     watermark;
#   - runs of two sources of one host never overlap in time: no two workers
#     harvested one host at once.
#
#   harvest_workers.sh --build DIR --postgres URL [--records N] [--workdir DIR]
#
# --postgres: a PostgreSQL server's maintenance database (CTest gives the
# throwaway cluster's, OAIPMH_TEST_POSTGRES); the test creates a database of
# its own there and drops it at the end.
set -euo pipefail

records=300 build="" server=${OAIPMH_TEST_POSTGRES:-} workdir=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --postgres) server=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --postgres URL [--records N] [--workdir DIR]" >&2; exit 2 ;;
  esac
done
[[ -n $build ]] || { echo "workers: --build DIR is required" >&2; exit 2; }
[[ -n $server ]] || { echo "workers: --postgres URL (or OAIPMH_TEST_POSTGRES) is required" >&2; exit 2; }
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
oaipmh=$build/cli/oaipmh
fixtures=$root/tests/fixtures/harvest

say() { echo "workers: $*"; }
fail() { echo "workers: FAILED: $*" >&2; exit 1; }
psql_on() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

database=oaipmh_workers_$$_$RANDOM
store=$(python3 -c 'import sys, re; u = sys.argv[1]; print(re.sub(r"^(postgres(?:ql)?://[^/]*/)[^?]*", lambda m: m.group(1) + sys.argv[2], u))' "$server" "$database")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql_on "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
}
if [[ -z $workdir ]]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/workers.XXXXXX")
  trap 'cleanup; rm -rf "$workdir"' EXIT
else
  mkdir -p "$workdir"
  trap cleanup EXIT
fi
workdir=$(cd "$workdir" && pwd)
psql_on "$server" -c "CREATE DATABASE $database" >/dev/null || fail "cannot create a database on $server"
started=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Six hosts (page_servers, ports of 127.0.0.1) of RECORDS records, 10 a page.
"$build/bench/make_page_chain" "$records" 10 "$workdir/pages" >/dev/null
ports=()
for host in 1 2 3 4 5 6; do
  mkfifo "$workdir/server$host.stdin"
  exec {fd}<>"$workdir/server$host.stdin"  # the server stops when this closes
  timeout 300 "$build/bench/page_server" --pages "$workdir/pages" \
    --identify "$fixtures/identify-seconds.xml" \
    --list-metadata-formats "$fixtures/list-metadata-formats.xml" \
    --list-sets "$fixtures/no-set-hierarchy.xml" --max-seconds 240 \
    <"$workdir/server$host.stdin" >"$workdir/server$host.port" &
  pids+=("$!")
  port=""
  for _ in $(seq 200); do
    port=$(awk '/^PORT / { print $2 }' "$workdir/server$host.port" 2>/dev/null || true)
    [[ -n $port ]] && break
    sleep 0.05
  done
  [[ -n $port ]] || fail "page_server $host did not start"
  ports+=("$port")
done

# Twelve sources: a and b on each host. A short lease, so that the killed
# worker's host is taken over within seconds; a politeness delay, so that a
# source takes a second or two and the kill falls inside one.
{
  echo "store = \"$store\""
  echo "[harvest]"
  echo "politeness_delay = 0.04"
  echo "lease_seconds = 3"
  for host in 1 2 3 4 5 6; do
    for part in a b; do
      echo "[[source]]"
      echo "name = \"host$host-$part\""
      echo "url = \"http://127.0.0.1:${ports[host - 1]}/oai/$part\""
    done
  done
} >"$workdir/workers.toml"

# The reference: one source harvested alone into SQLite.
cat >"$workdir/reference.toml" <<EOT
store = "$workdir/reference.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "reference"
url = "http://127.0.0.1:${ports[0]}/oai/a"
EOT
timeout 120 "$oaipmh" harvest --quiet --config "$workdir/reference.toml" >"$workdir/reference.log" 2>&1 ||
  { cat "$workdir/reference.log" >&2; fail "the reference harvest failed"; }

t=$EPOCHREALTIME
for w in 1 2 3; do
  timeout 240 "$oaipmh" harvest --worker --worker-name "worker$w" --config "$workdir/workers.toml" \
    >"$workdir/worker$w.out" 2>"$workdir/worker$w.err" &
  worker_pids[w]=$!
  pids+=("$!")
done

# Kill worker 1 (the oaipmh process itself, under timeout(1)) once it has
# written a few pages of a source.
victim=${worker_pids[1]}
killed=""
for _ in $(seq 1500); do
  pages=$(psql_on "$store" -c "SELECT coalesce(max(r.pages), 0) FROM harvest_runs r
      JOIN worker_sources w ON w.source_id = r.source_id JOIN host_leases l ON l.host = w.host
      WHERE r.result = 'running' AND l.worker = 'worker1'" 2>/dev/null || echo 0)
  if ((pages >= 5)); then
    child=$(cat "/proc/$victim/task/$victim/children")
    [[ $child =~ ^[0-9]+\ ?$ ]] || fail "no oaipmh process under timeout pid $victim"
    killed=$(psql_on "$store" -c "SELECT s.name FROM harvest_runs r JOIN sources s ON s.id = r.source_id
        JOIN worker_sources w ON w.source_id = r.source_id JOIN host_leases l ON l.host = w.host
        WHERE r.result = 'running' AND l.worker = 'worker1'")
    kill -KILL "${child% }"
    say "worker1 killed (SIGKILL) after $pages pages of $killed ($(since "$t") s in)"
    break
  fi
  kill -0 "$victim" 2>/dev/null || break
  sleep 0.02
done
[[ -n $killed ]] || fail "worker1 never had 5 pages of a source written: nothing was killed midway"
for w in 1 2 3; do
  status=0
  wait "${worker_pids[w]}" || status=$?
  if ((w == 1)); then
    ((status != 0)) || fail "worker1 exited 0 after SIGKILL"
  elif ((status != 0)); then
    cat "$workdir/worker$w.err" >&2
    fail "worker$w exited $status"
  fi
done
pids=("${pids[@]:0:6}")
say "workers 2 and 3 exit 0 after $(since "$t") s; by worker: $(for w in 2 3; do
  printf 'worker%s %s sources; ' "$w" "$(grep -c ': ok,' "$workdir/worker$w.out" || true)"; done)"

# Exactly once: one ok run a source; the killed run interrupted.
psql_on "$store" -c "SELECT s.name, count(*) FILTER (WHERE r.result = 'ok'),
    count(*) FILTER (WHERE r.result = 'interrupted'), count(*) FILTER (WHERE r.result = 'running'),
    count(*) FILTER (WHERE r.result = 'failed')
    FROM sources s LEFT JOIN harvest_runs r ON r.source_id = s.id GROUP BY s.name ORDER BY s.name" \
  >"$workdir/runs.txt"
(($(wc -l <"$workdir/runs.txt") == 12)) || fail "$(wc -l <"$workdir/runs.txt") sources in the store, not 12"
while IFS='|' read -r name ok interrupted running failed; do
  ((ok == 1)) || fail "$name completed $ok times"
  ((running == 0 && failed == 0)) || fail "$name: $running running, $failed failed runs"
  if [[ $name == "$killed" ]]; then
    ((interrupted == 1)) || fail "$name, the killed worker's source, has $interrupted interrupted runs"
  else
    ((interrupted == 0)) || fail "$name: $interrupted interrupted runs"
  fi
done <"$workdir/runs.txt"
say "every source completed exactly once; $killed: 1 interrupted run (the killed worker's), resumed"
resumed=$(psql_on "$store" -c "SELECT r.pages FROM harvest_runs r JOIN sources s ON s.id = r.source_id
    WHERE s.name = '$killed' AND r.result = 'ok'")
total_pages=$(((records + 9) / 10))
((resumed < total_pages)) || fail "$killed was harvested again from the start ($resumed pages), not resumed"
say "  the run that finished $killed wrote $resumed of its $total_pages pages: it resumed from the checkpoint"

# No checkpoint left, every list with its watermark, nothing due.
left=$(psql_on "$store" -c "SELECT (SELECT count(*) FROM checkpoints),
    (SELECT count(*) FROM harvest_lists WHERE next_from IS NULL),
    (SELECT count(*) FROM worker_sources WHERE finished_at IS NULL),
    (SELECT count(*) FROM host_leases WHERE worker IS NOT NULL)")
[[ $left == "0|0|0|0" ]] || fail "checkpoints|lists without watermark|unfinished|held leases: $left"

# Every source holds exactly the reference's records.
sqlite3 "file:$workdir/reference.sqlite?mode=ro" "SELECT r.upstream_identifier || '|' ||
    r.upstream_datestamp || '|' || r.deleted || '|' || r.metadata_prefix || '|' ||
    coalesce((SELECT group_concat(set_spec, ',') FROM (SELECT set_spec FROM record_sets
      WHERE record_id = r.id ORDER BY set_spec)), '') || '|' || coalesce(r.metadata, '')
    FROM records r ORDER BY r.metadata_prefix, r.upstream_identifier" >"$workdir/reference.txt"
[[ -s $workdir/reference.txt ]] || fail "the reference store is empty"
while IFS='|' read -r name _; do
  psql_on "$store" -c "SELECT r.upstream_identifier || '|' ||
      r.upstream_datestamp || '|' || (CASE WHEN r.deleted THEN 1 ELSE 0 END) || '|' ||
      r.metadata_prefix || '|' || coalesce((SELECT string_agg(set_spec, ',' ORDER BY set_spec)
        FROM record_sets WHERE record_id = r.id), '') || '|' || coalesce(r.metadata, '')
      FROM records r JOIN sources s ON s.id = r.source_id WHERE s.name = '$name'
      ORDER BY r.metadata_prefix, r.upstream_identifier" >"$workdir/$name.txt"
  cmp -s "$workdir/reference.txt" "$workdir/$name.txt" ||
    { diff "$workdir/reference.txt" "$workdir/$name.txt" | head -5 >&2; fail "$name differs from the reference"; }
done <"$workdir/runs.txt"
say "every source holds exactly the reference's $(grep -c '' "$workdir/reference.txt") records" \
    "(identifiers, datestamps, deletions, setSpecs, metadata)"

# One host, one worker at a time: runs of a host's two sources never overlap.
overlaps=$(psql_on "$store" -c "SELECT count(*) FROM harvest_runs a JOIN harvest_runs b
    ON a.id < b.id JOIN worker_sources wa ON wa.source_id = a.source_id
    JOIN worker_sources wb ON wb.source_id = b.source_id AND wb.host = wa.host
    WHERE a.started_at < b.ended_at AND b.started_at < a.ended_at AND a.source_id <> b.source_id")
((overlaps == 0)) || fail "$overlaps pairs of runs of one host overlap"
say "no two runs of one host overlap; all checks held in $(since "$started") s"
