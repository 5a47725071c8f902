#!/usr/bin/env bash
# `oaipmh serve` on a PostgreSQL read replica (issue 8, item 2): a hot
# standby of the test cluster, made with pg_basebackup -R and streaming from
# it, served by `oaipmh serve`. Holds when:
#   - a harvest through the replica's serve stores every record of the
#     primary's store, identifiers as the primary has them;
#   - records written on the primary afterwards reach the replica and are
#     served from it (its list grows to the new completeListSize);
#   - a harvest into the replica is refused: it is read-only (exit 1, the
#     server's "read-only transaction").
#
#   serve_on_replica.sh --build DIR --postgres URL [--workdir DIR]
#
# URL is the primary's maintenance database (CTest: the throwaway cluster of
# Postgres.Start, a Unix socket); the test creates its own database there and
# drops it, and stops and removes the replica, at the end.
set -euo pipefail

build="" server=${OAIPMH_TEST_POSTGRES:-} workdir=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --postgres) server=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR --postgres URL [--workdir DIR]" >&2; exit 2 ;;
  esac
done
[[ -n $build && -n $server ]] || { echo "usage: $0 --build DIR --postgres URL" >&2; exit 2; }
build=$(cd "$build" && pwd)
oaipmh=$build/cli/oaipmh
say() { echo "replica: $*"; }
fail() { echo "replica: FAILED: $*" >&2; exit 1; }
psql_on() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
url_of() {  # url_of DATABASE SOCKET_DIR: a URL of DATABASE on the server at SOCKET_DIR
  python3 -c 'import re, sys
u = re.sub(r"^(postgres(?:ql)?://[^/]*/)[^?]*", lambda m: m.group(1) + sys.argv[2], sys.argv[1])
print(re.sub(r"host=[^&]*", "host=" + sys.argv[3], u))' "$server" "$1" "$2"
}
primary_socket=$(python3 -c 'import re, sys; print(re.search(r"host=([^&]*)", sys.argv[1]).group(1))' "$server")
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_owner=()
[[ $(id -u) -ne 0 ]] || as_owner=(runuser -u postgres --)

database=oaipmh_replica_$$_$RANDOM
serve_pid="" watchdog=""
cleanup() {
  [[ -z $serve_pid ]] || { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; } || true
  if [[ -f $workdir/replica/data/postmaster.pid ]]; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$workdir/replica/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ -z $watchdog ]] || kill -- "-$watchdog" 2>/dev/null || true
  psql_on "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
}
if [[ -z $workdir ]]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/replica.XXXXXX")
  trap 'cleanup; rm -rf "$workdir"' EXIT
else
  mkdir -p "$workdir"
  trap cleanup EXIT
fi
workdir=$(cd "$workdir" && pwd)
started=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# The primary's store: 300 synthetic records, through the page writer.
psql_on "$server" -c "CREATE DATABASE $database" >/dev/null
primary=$(url_of "$database" "$primary_socket")
"$build/bench/fill_store" "$primary" 300 bench >/dev/null

# The replica: a base backup that streams from the primary (-R), its own
# socket folder, as many connections as the primary allows (a standby must).
mkdir -p "$workdir/replica"
((${#as_owner[@]} == 0)) || chown postgres: "$workdir" "$workdir/replica"
"${as_owner[@]}" "$bin/pg_basebackup" -D "$workdir/replica/data" -R -X stream -c fast \
  -h "$primary_socket" -U oaipmh >"$workdir/basebackup.log" 2>&1 ||
  { cat "$workdir/basebackup.log" >&2; fail "pg_basebackup"; }
max_connections=$(psql_on "$server" -c "SHOW max_connections")
"${as_owner[@]}" "$bin/pg_ctl" -D "$workdir/replica/data" -l "$workdir/replica/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories='$workdir/replica' -c max_connections=$max_connections" \
  start >/dev/null || { cat "$workdir/replica/server.log" >&2; fail "the replica did not start"; }
# Stopped by the cleanup; by this watchdog if the script itself is killed.
setsid bash -c "sleep 300; ${as_owner[*]} '$bin/pg_ctl' -D '$workdir/replica/data' -m immediate stop" \
  </dev/null >/dev/null 2>&1 &
watchdog=$!
replica=$(url_of "$database" "$workdir/replica")
[[ $(psql_on "$replica" -c "SELECT pg_is_in_recovery()") == t ]] || fail "the replica is not in recovery"
say "hot standby of the test cluster streaming in $workdir/replica ($(since "$started") s)"

# serve on the replica.
"$oaipmh" serve --store "$replica" --listen 127.0.0.1:0 2>"$workdir/serve.log" &
serve_pid=$!
address=""
for _ in $(seq 200); do
  address=$(grep -o -m1 'listening on http://127\.0\.0\.1:[0-9]*' "$workdir/serve.log" | sed 's|.*//||') || true
  [[ -n $address ]] && break
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.05
done
[[ -n $address ]] || { cat "$workdir/serve.log" >&2; fail "serve on the replica did not start"; }

# harvest_replica NAME: harvests the replica's serve into NAME.sqlite; prints
# its upstream identifiers, sorted.
harvest_replica() {
  cat >"$workdir/$1.toml" <<EOT
store = "$workdir/$1.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "replica"
url = "http://$address/oai"
EOT
  timeout 120 "$oaipmh" harvest --quiet --config "$workdir/$1.toml" >"$workdir/$1.log" 2>&1 ||
    { cat "$workdir/$1.log" >&2; fail "the harvest of the replica's serve ($1)"; }
  sqlite3 "$workdir/$1.sqlite" "SELECT upstream_identifier FROM records ORDER BY 1"
}
# The identifiers serve gives the primary's records: oai:<ours>:<source>/<theirs>.
expected() {
  psql_on "$primary" -c "SELECT 'oai:aggregator.example.org:' || s.name || '/' || r.upstream_identifier
      FROM records r JOIN sources s ON s.id = r.source_id ORDER BY 1" | LC_ALL=C sort
}
harvest_replica first | LC_ALL=C sort >"$workdir/first.txt"
expected >"$workdir/expected-first.txt"
cmp -s "$workdir/first.txt" "$workdir/expected-first.txt" ||
  { diff "$workdir/expected-first.txt" "$workdir/first.txt" | head -5 >&2; fail "the replica's serve gave other records"; }
say "a harvest through serve on the replica stored the primary's $(grep -c '' "$workdir/first.txt") records"

# Written on the primary, served from the replica once replayed.
"$build/bench/fill_store" "$primary" 100 bench-later 300 >/dev/null
for _ in $(seq 300); do
  [[ $(psql_on "$replica" -c "SELECT count(*) FROM records") == 400 ]] && break
  sleep 0.1
done
size=$(curl -sf --max-time 10 "http://$address/oai?verb=ListRecords&metadataPrefix=oai_dc" |
  grep -o 'completeListSize="[0-9]*"' | grep -o '[0-9]*') || true
((size == 400)) || fail "the replica's serve lists $size records after 100 more were written on the primary"
harvest_replica second | LC_ALL=C sort >"$workdir/second.txt"
expected >"$workdir/expected-second.txt"
cmp -s "$workdir/second.txt" "$workdir/expected-second.txt" || fail "the second harvest of the replica's serve"
say "100 records written on the primary: served from the replica (completeListSize 400), harvested"

# The replica is read-only: a harvest into it fails and says why.
status=0
timeout 60 "$oaipmh" harvest --store "$replica" --url "http://$address/oai" --name again \
  >"$workdir/into-replica.log" 2>&1 || status=$?
((status == 1)) || { cat "$workdir/into-replica.log" >&2; fail "a harvest into the replica exited $status"; }
grep -q "read-only transaction" "$workdir/into-replica.log" ||
  { cat "$workdir/into-replica.log" >&2; fail "a harvest into the replica did not say it is read-only"; }
say "a harvest into the replica is refused: $(grep -m1 -o 'cannot execute [^"]*read-only transaction' "$workdir/into-replica.log")"
say "held in $(since "$started") s"
