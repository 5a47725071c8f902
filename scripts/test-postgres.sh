#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: listens only on a Unix socket
# in DIR (no TCP port to collide with), trusts local connections, and is
# removed by `stop`. The tests reach it as
#   postgresql:///postgres?host=DIR&user=oaipmh
# Usage: scripts/test-postgres.sh start|stop|url DIR [--bench]
# --bench (with start): a server for benchmarks instead: durable (fsync and
# synchronous commits on, as a production server), 2 GB of shared buffers,
# WAL up to 4 GB between checkpoints, 1 GB for index builds.
# As root the server runs as the `postgres` user (PostgreSQL refuses root).
set -euo pipefail
action=${1:?usage: test-postgres.sh start|stop|url DIR}
dir=${2:?usage: test-postgres.sh start|stop|url DIR}
dir=$(realpath -m "$dir")
mode=${3:-}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [[ -z $bin || ! -x $bin/pg_ctl ]]; then
  echo "test-postgres: PostgreSQL's server is not installed (scripts/setup.sh installs it)" >&2
  exit 2
fi

as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u postgres --); fi

case $action in
  url)
    echo "postgresql:///postgres?host=$dir&user=oaipmh"
    ;;
  start)
    if [[ -f $dir/data/postmaster.pid ]] && "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "test-postgres: already running in $dir"
      exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if ((${#as_owner[@]})); then chown postgres: "$dir"; fi
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U oaipmh --auth=trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # 200 connections: tests run two at a time, each with a few serve
    # threads. Durability is not what the tests check: fsync off makes their
    # many small transactions cheap.
    settings="-c listen_addresses='' -c unix_socket_directories='$dir' -c max_connections=200"
    if [[ $mode == --bench ]]; then
      settings+=" -c shared_buffers=2GB -c max_wal_size=4GB -c maintenance_work_mem=1GB"
    else
      settings+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$settings" start \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    # A run that dies before `stop` must not leave a server behind for
    # ever: a watchdog stops it after LIFETIME seconds (default 3 hours);
    # `stop` ends the watchdog first.
    lifetime=${OAIPMH_TEST_POSTGRES_LIFETIME:-10800}
    setsid bash -c "sleep $lifetime; ${as_owner[*]} '$bin/pg_ctl' -D '$dir/data' -m immediate stop" \
      </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/watchdog.pid"
    echo "test-postgres: running in $dir ($("$bin/postgres" --version)), for at most $lifetime s"
    ;;
  stop)
    if [[ -f $dir/watchdog.pid ]]; then
      kill -- "-$(cat "$dir/watchdog.pid")" 2>/dev/null || true  # its group: bash and sleep
    fi
    if [[ -d $dir/data ]]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    echo "test-postgres: stopped and removed $dir"
    ;;
  *)
    echo "usage: test-postgres.sh start|stop|url DIR" >&2
    exit 2
    ;;
esac
