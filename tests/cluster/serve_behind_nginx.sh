#!/usr/bin/env bash
# Many `serve` processes, one repository (issue 8, item 2): three
# `oaipmh serve` processes over one store, sharing one token key file, behind
# nginx (round-robin, loopback), harvested through nginx with the real
# `oaipmh harvest`. A resumption token carries the list's state and is signed
# with the shared key, so each page may come from another process. Holds when:
#   - every page of ListRecords and ListIdentifiers, in every format, is the
#     same through nginx and from each process directly, given the same token,
#     and each list is complete (check_cluster.py walk);
#   - a harvest through nginx exits 0 and its store holds exactly the records
#     served: none missing, none twice, headers and metadata byte-equal;
#   - nginx's access log shows pages answered by all three processes;
#   - a second harvest, during which one process is killed (SIGKILL), also
#     exits 0 with exactly the same records; no page after the kill came from
#     the dead process;
#   - a process with another key refuses the cluster's token
#     (badResumptionToken): the shared key is what makes the cluster work;
#   - with --validator, every verb and every error through nginx passes the
#     bundled schemas and the rules of one response (on either engine's store).
#
#   serve_behind_nginx.sh --build DIR [--store STORE | --postgres URL] [--records N]
#                         [--workdir DIR]
#
# --validator: the tests' validate_oai_response program (oai::check_response);
# every kind of response the cluster gives (each verb, each error) must pass it.
# --store: where the source store is harvested (default: a SQLite file in the
# work directory); --postgres: a PostgreSQL server's maintenance database, on
# which the test creates the source store's database (dropped at the end).
# The stores the checks harvest into are SQLite files in the work directory.
set -euo pipefail

records=1200 build="" store="" workdir="" server="" validator=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --postgres) server=$2; shift 2 ;;
    --validator) validator=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR [--store STORE | --postgres URL] [--records N] [--workdir DIR]" >&2
       exit 2 ;;
  esac
done
[[ -n $build ]] || { echo "cluster: --build DIR is required" >&2; exit 2; }
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
oaipmh=$build/cli/oaipmh
fixtures=$root/tests/fixtures/harvest
check=$here/check_cluster.py
nginx=${NGINX:-/usr/sbin/nginx}
[[ -x $nginx ]] || { echo "cluster: no nginx at $nginx (Debian: nginx-light)" >&2; exit 1; }

if [[ -z $workdir ]]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/cluster.XXXXXX")
  trap 'cleanup; rm -rf "$workdir"' EXIT
else
  mkdir -p "$workdir"
  trap cleanup EXIT
fi
workdir=$(cd "$workdir" && pwd)
if [[ -n $server ]]; then
  [[ -z $store ]] || { echo "cluster: --store or --postgres, not both" >&2; exit 2; }
  database=oaipmh_cluster_$$_$RANDOM
  psql -X -q -v ON_ERROR_STOP=1 "$server" -c "CREATE DATABASE $database" >/dev/null ||
    { echo "cluster: cannot create a database on $server" >&2; exit 1; }
  store=$(python3 -c 'import re, sys; print(re.sub(r"^(postgres(?:ql)?://[^/]*/)[^?]*", lambda m: m.group(1) + sys.argv[2], sys.argv[1]))' "$server" "$database")
fi
[[ -n $store ]] || store=$workdir/source.sqlite
# A path, not a URL: absolute, since a configuration file's relative paths
# are taken from its own folder.
[[ $store == *://* || $store == /* ]] || store=$PWD/$store
pids=()
database=""
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n $database ]]; then
    psql -X -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
# stop PID [SIGNAL]: stops one of our processes and forgets it, so that the
# cleanup never signals a number the system may have given to another.
stop() {
  kill "-${2:-TERM}" "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}
forget() {
  local kept=() pid
  for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  pids=("${kept[@]}")
}
say() { echo "cluster: $*"; }
fail() { echo "cluster: FAILED: $*" >&2; exit 1; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
started=$(now)

# 1. The source store: RECORDS synthetic records (every 50th deleted, two
# setSpecs each) in oai_dc and marc21, harvested from bench/page_server.
"$build/bench/make_page_chain" "$records" 100 "$workdir/pages" >/dev/null
mkfifo "$workdir/page_server.stdin"
exec {page_server_stdin}<>"$workdir/page_server.stdin"  # it stops when this closes
"$build/bench/page_server" --pages "$workdir/pages" --identify "$fixtures/identify-seconds.xml" \
  --list-metadata-formats "$fixtures/list-metadata-formats.xml" \
  --list-sets "$fixtures/no-set-hierarchy.xml" --max-seconds 120 \
  <"$workdir/page_server.stdin" >"$workdir/page_server.port" &
page_server_pid=$!
pids+=("$page_server_pid")
port=""
for _ in $(seq 200); do
  port=$(awk '/^PORT / { print $2 }' "$workdir/page_server.port")
  [[ -n $port ]] && break
  kill -0 "$page_server_pid" 2>/dev/null || break
  sleep 0.05
done
[[ -n $port ]] || fail "page_server did not start"
cat >"$workdir/source.toml" <<EOT
store = "$store"
[harvest]
politeness_delay = 0
[[source]]
name = "sample"
url = "http://127.0.0.1:$port/oai"
prefixes = ["marc21"]
EOT
timeout 120 "$oaipmh" harvest --quiet --config "$workdir/source.toml" >"$workdir/source-harvest.log" 2>&1 ||
  { cat "$workdir/source-harvest.log" >&2; fail "the harvest of the source store failed"; }
exec {page_server_stdin}>&-
stop "$page_server_pid"
say "source store $store: $records records in oai_dc and marc21 ($(since "$started") s)"

# 2. The cluster. One key file for all; small pages so that a list takes
# dozens of them.
head -c 32 /dev/urandom >"$workdir/token.key"
records_per_page=20 identifiers_per_page=50
serve_config() {  # serve_config FILE KEYFILE BASE_URL
  cat >"$1" <<EOT
[provider]
base_url = "$3"
repository_identifier = "cluster.example.org"
repository_name = "oaipmh cluster test"
token_key_file = "$2"
records_per_page = $records_per_page
identifiers_per_page = $identifiers_per_page
EOT
}
# Servers run under timeout(1), so that they stop by themselves even if this
# script is killed; $serve_pid and $nginx_pid are timeout's, which passes a
# SIGTERM on.
lifetime=240
# start_serve NAME CONFIG: an `oaipmh serve` on an ephemeral port of
# 127.0.0.1; sets $serve_pid and $serve_addr (127.0.0.1:PORT).
start_serve() {
  timeout "$lifetime" "$oaipmh" serve --config "$2" --store "$store" --listen 127.0.0.1:0 \
    2>"$workdir/$1.log" &
  serve_pid=$!
  pids+=("$serve_pid")
  serve_addr=""
  for _ in $(seq 200); do
    serve_addr=$(grep -o -m1 'listening on http://127\.0\.0\.1:[0-9]*' "$workdir/$1.log" | sed 's|.*//||') || true
    [[ -n $serve_addr ]] && return 0
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$workdir/$1.log" >&2
  fail "$1 did not start"
}
# start_nginx PORT: nginx in the foreground, one process, round-robin over
# ${serve_addrs[@]}; sets $nginx_pid; returns 1 if it could not listen.
start_nginx() {
  mkdir -p "$workdir/nginx"
  local upstreams="" addr
  for addr in "${serve_addrs[@]}"; do upstreams+="    server $addr;"$'\n'; done
  cat >"$workdir/nginx/nginx.conf" <<EOT
# One process, no master: it runs as whoever starts it (no switch to nobody,
# which could not read the work directory) and stops with one kill.
daemon off;
master_process off;
worker_processes 1;
pid $workdir/nginx/nginx.pid;
error_log $workdir/nginx/error.log notice;
events { worker_connections 256; }
http {
  log_format cluster '\$msec\t\$upstream_addr\t\$status\t\$upstream_status\t\$request_uri';
  access_log $workdir/nginx/access.log cluster;
  client_body_temp_path $workdir/nginx/client_body;
  proxy_temp_path $workdir/nginx/proxy;
  fastcgi_temp_path $workdir/nginx/fastcgi;
  uwsgi_temp_path $workdir/nginx/uwsgi;
  scgi_temp_path $workdir/nginx/scgi;
  upstream oaipmh {
$upstreams    keepalive 8;
  }
  server {
    listen 127.0.0.1:$1;
    location / {
      proxy_pass http://oaipmh;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # A GET may go to the next process when one cannot be reached.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
    }
  }
}
EOT
  timeout "$lifetime" "$nginx" -e "$workdir/nginx/error.log" -p "$workdir/nginx" \
    -c "$workdir/nginx/nginx.conf" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  for _ in $(seq 200); do
    curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
    kill -0 "$nginx_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# nginx's port goes into the serves' base URL (Identify's baseURL, HV-1), so
# it is chosen first; if another program takes it meanwhile, start over.
for attempt in 1 2 3; do
  nginx_port=$(free_port)
  via=http://127.0.0.1:$nginx_port/oai
  serve_config "$workdir/serve.toml" "$workdir/token.key" "$via"
  serve_pids=() serve_addrs=()
  for i in 1 2 3; do
    start_serve "serve$i" "$workdir/serve.toml"
    serve_pids+=("$serve_pid") serve_addrs+=("$serve_addr")
  done
  start_nginx "$nginx_port" && break
  say "nginx could not listen on 127.0.0.1:$nginx_port (attempt $attempt): $(tail -1 "$workdir/nginx/error.log")"
  for pid in "${serve_pids[@]}" "$nginx_pid"; do stop "$pid"; done
  ((attempt < 3)) || fail "nginx did not start"
done
say "three serve processes (${serve_addrs[*]}), one key file," \
    "$records_per_page records / $identifiers_per_page identifiers a page, behind nginx at $via"
direct=$(printf 'http://%s/oai,' "${serve_addrs[@]}")

# harvest_config NAME [POLITENESS]: $workdir/NAME.toml, which harvests the
# cluster through nginx (oai_dc and marc21) into $workdir/NAME.sqlite.
harvest_config() {
  cat >"$workdir/$1.toml" <<EOT
store = "$workdir/$1.sqlite"
[harvest]
politeness_delay = ${2:-0}
[[source]]
name = "cluster"
url = "$via"
prefixes = ["marc21"]
EOT
}

# 3. A harvest through nginx.
harvest_config copy
log_start=$(($(wc -l <"$workdir/nginx/access.log") + 1))
t=$(now)
timeout 120 "$oaipmh" harvest --config "$workdir/copy.toml" >"$workdir/copy.log" 2>&1 ||
  { cat "$workdir/copy.log" >&2; fail "the harvest through nginx failed"; }
copy_seconds=$(since "$t")
log_end=$(($(wc -l <"$workdir/nginx/access.log") + 1))
say "harvest through nginx: exit 0 in $copy_seconds s: $(grep -m1 'cluster:' "$workdir/copy.log")"
python3 "$check" access-log --log "$workdir/nginx/access.log" --from "$log_start" --to "$log_end" \
  >"$workdir/copy-pages.txt" || fail "nginx's access log"
for i in 0 1 2; do
  n=$(awk -v a="${serve_addrs[i]}" '$1 == a { print $2 }' "$workdir/copy-pages.txt")
  say "  pages answered by serve $((i + 1)) (${serve_addrs[i]}): ${n:-0}"
  ((${n:-0} > 0)) || fail "serve $((i + 1)) answered no page: round-robin did not spread the list"
done
say "  $(awk '/^pages/ { print $4 " of the " $2 - 1 }' "$workdir/copy-pages.txt") pages after the first came from" \
    "another process than the page before"

# 4. The lists, through nginx and from each process, page by page; the
# harvested store against them.
t=$(now)
python3 "$check" walk --via "$via" --direct "$direct" --prefixes oai_dc,marc21 \
  --out "$workdir/served.json" >"$workdir/walk.txt" || fail "the lists served"
sed -n '/^token /!s/^/cluster:   /p' "$workdir/walk.txt"
say "  (walked in $(since "$t") s)"
token=$(sed -n 's/^token //p' "$workdir/walk.txt")
python3 "$check" compare-store --truth "$workdir/served.json" --store "$workdir/copy.sqlite" \
  --source cluster | sed 's/^/cluster: /' || fail "the harvested store"
if [[ -f $store || -n $database ]]; then
  if [[ -n $database ]]; then
    held=$(psql -X -A -t "$store" -c "SELECT count(*) FROM records")
  else
    held=$(sqlite3 "file:$store?mode=ro" "SELECT count(*) FROM records")
  fi
  served=$(python3 -c 'import json, sys; print(sum(map(len, json.load(open(sys.argv[1])).values())))' \
    "$workdir/served.json")
  ((held == served)) || fail "the source store holds $held records, $served were served"
  say "the source store holds $held records (both formats), as many as were served"
fi

# 4b. Every kind of response, through the balancer, against the schemas and
# the protocol's rules.
if [[ -n $validator ]]; then
  mkdir -p "$workdir/responses"
  id=$(python3 -c 'import json, sys; print(sorted(json.load(open(sys.argv[1]))["oai_dc"])[0])' "$workdir/served.json" 2>/dev/null || true)
  [[ -n $id ]] || id=$(curl -sf "$via?verb=ListIdentifiers&metadataPrefix=oai_dc" | grep -o '<identifier>[^<]*' | head -1 | sed 's/<identifier>//')
  # (oai_dc only: the synthetic records are oai_dc payloads in both formats.)
  next=$(curl -sf "$via?verb=ListRecords&metadataPrefix=oai_dc" | grep -o '<resumptionToken[^>]*>[^<]*' |
    sed 's/.*>//')
  n=0
  for query in "verb=Identify" "verb=ListMetadataFormats" "verb=ListSets" \
      "verb=ListIdentifiers&metadataPrefix=oai_dc" "verb=ListRecords&metadataPrefix=oai_dc" \
      "verb=ListRecords&metadataPrefix=oai_dc&set=sample" "verb=GetRecord&metadataPrefix=oai_dc&identifier=$id" \
      "verb=ListRecords&resumptionToken=$next" \
      "verb=Frobnicate" "verb=ListRecords" "verb=GetRecord&metadataPrefix=nope&identifier=$id" \
      "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:none:x" \
      "verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01" "verb=ListRecords&resumptionToken=forged"; do
    n=$((n + 1))
    curl -sf --max-time 10 -o "$workdir/responses/$n.xml" "$via?$query" || fail "no answer to $query"
  done
  "$validator" "$workdir/responses/"*.xml >"$workdir/validate.txt" 2>&1 ||
    { cat "$workdir/validate.txt" >&2; fail "a response of the cluster is not valid"; }
  say "$n responses (every verb, every error) through the balancer: $(tail -1 "$workdir/validate.txt")"
fi

# 5. A process with another key refuses the cluster's token.
head -c 32 /dev/urandom >"$workdir/other.key"
serve_config "$workdir/other.toml" "$workdir/other.key" "$via"
start_serve other "$workdir/other.toml"
other_pid=$serve_pid
answer=$(curl -sf --max-time 10 "http://$serve_addr/oai?verb=ListRecords&resumptionToken=$token")
stop "$other_pid"
[[ $answer == *'code="badResumptionToken"'* ]] || fail "a process with another key accepted the token"
say "a serve process with another key answers the cluster's token with badResumptionToken"

# 6. Again, while one process dies: the harvest is slowed (politeness_delay)
# so that the kill falls in the middle of its lists.
harvest_config crash 0.03
victim=1  # the second process
log_start=$(($(wc -l <"$workdir/nginx/access.log") + 1))
t=$(now)
timeout 120 "$oaipmh" harvest --config "$workdir/crash.toml" >"$workdir/crash.log" 2>&1 &
harvest_pid=$!
pids+=("$harvest_pid")
killed=0
for _ in $(seq 1200); do
  pages=$(tail -n +"$log_start" "$workdir/nginx/access.log" | grep -c resumptionToken= || true)
  if ((pages >= 30)); then
    # The serve process itself, not timeout(1): a crash, no chance to finish.
    child=$(cat "/proc/${serve_pids[victim]}/task/${serve_pids[victim]}/children")
    [[ $child =~ ^[0-9]+\ ?$ ]] || fail "no serve process under timeout pid ${serve_pids[victim]}"
    kill -KILL "${child% }"
    stop "${serve_pids[victim]}"
    killed=$(wc -l <"$workdir/nginx/access.log")
    say "serve $((victim + 1)) (${serve_addrs[victim]}) killed (SIGKILL)" \
        "after $pages pages of the second harvest"
    break
  fi
  kill -0 "$harvest_pid" 2>/dev/null || break
  sleep 0.02
done
((killed > 0)) || fail "the second harvest ended before 30 pages: nothing was killed midway"
status=0
wait "$harvest_pid" || status=$?
forget "$harvest_pid"
crash_seconds=$(since "$t")
((status == 0)) || { cat "$workdir/crash.log" >&2; fail "the harvest during the kill exited $status"; }
say "harvest through nginx while a process died: exit 0 in $crash_seconds s: $(grep -m1 'cluster:' "$workdir/crash.log")"
python3 "$check" compare-store --truth "$workdir/served.json" --store "$workdir/crash.sqlite" \
  --source cluster | sed 's/^/cluster: /' || fail "the store harvested while a process died"
python3 "$check" access-log --log "$workdir/nginx/access.log" --from "$log_start" --to "$((killed + 1))" \
  >"$workdir/before-kill.txt" || fail "nginx's access log before the kill"
python3 "$check" access-log --log "$workdir/nginx/access.log" --from "$((killed + 1))" \
  --dead "${serve_addrs[victim]}" >"$workdir/after-kill.txt" || fail "nginx's access log after the kill"
for i in 0 1 2; do
  before=$(awk -v a="${serve_addrs[i]}" '$1 == a { print $2 }' "$workdir/before-kill.txt")
  after=$(awk -v a="${serve_addrs[i]}" '$1 == a { print $2 }' "$workdir/after-kill.txt")
  say "  pages answered by serve $((i + 1)): ${before:-0} before the kill, ${after:-0} after"
  if ((i != victim)); then ((${after:-0} > 0)) || fail "serve $((i + 1)) answered no page after the kill"; fi
done
say "  requests nginx sent on to another process: $(awk '/^requests/ { print $4 }' "$workdir/after-kill.txt")" \
    "of $(awk '/^requests/ { print $2 }' "$workdir/after-kill.txt") after the kill"

say "held: three processes, one key, pages from each, exact results, one process lost midway" \
    "($(since "$started") s in all)"
