#!/usr/bin/env bash
# The long forms of the hostile-upstream tests (issue 7, item 4).
#
# Harvests, with `oaipmh harvest --config` and the production limits of
# etc/oaipmh.toml, one good source (a real fixture page of 162 records) and
# one attacking source from tests/hostile_upstream/hostile_upstream.py on
# loopback: a 1 GiB record, 10 GiB gzip and deflate bombs, an endless body,
# a 1 byte/s trickle against the real 60 s low-speed window (an endless slow
# body meets a request_timeout of 120 s, not 900), a record of 15 million
# empty elements, entity attacks, invalid encodings and hostile redirects,
# and two legitimate pages of 60 MiB. For each attack it prints the exit
# status, the attacker's error, the wall time, the peak RSS of the harvest,
# whether the good source was harvested whole, what was kept of the attacker
# and whether a secret file reached the store.
#
#   scripts/hostile-upstreams.sh [--build DIR] [--only NAME[,NAME...]]
#                                [--record-mb N] [--bomb-mb N] [--node-bomb-mb N]
#                                [--big-page-mb N] [--quick]
#
# --quick runs the same with the test suite's small sizes (seconds, not
# minutes). The quick forms also run in CTest: build/tests/hostile_upstream_test.
# Needs python3 and sqlite3; takes about 8 minutes and 500 MiB of memory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
only=""
record_mb=1024
bomb_mb=10240
node_bomb_mb=60
big_page_mb=60
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --record-mb) record_mb=$2; shift 2 ;;
    --bomb-mb) bomb_mb=$2; shift 2 ;;
    --node-bomb-mb) node_bomb_mb=$2; shift 2 ;;
    --big-page-mb) big_page_mb=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hostile-upstreams.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
oaipmh="$build/cli/oaipmh"
[ -x "$oaipmh" ] || { echo "hostile-upstreams.sh: no $oaipmh; build first (scripts/setup.sh)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "hostile-upstreams.sh: needs sqlite3" >&2; exit 2; }

# The limits every attack meets: the defaults, but no politeness delay and
# two attempts (a retried attack only doubles the time).
limits="politeness_delay = 0
retry_base_delay = 1.0
max_attempts = 2"
if [ "$quick" = 1 ]; then
  record_mb=64; bomb_mb=64; node_bomb_mb=7; big_page_mb=7
  limits="$limits
low_speed_time = 2
request_timeout = 5
max_response_mb = 8"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hostile-upstreams.XXXXXX")
server_pid=""
cleanup() {
  exec 3>&- || true
  [ -n "$server_pid" ] && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

secret="SECRET-$RANDOM$RANDOM$RANDOM"
echo "$secret" > "$work/secret.txt"
good_page="$root/tests/fixtures/real-responses/phpoaipmh/GoodResponseSinglePage.xml"

# The server lives as long as our end of its stdin (fd 3) stays open.
mkfifo "$work/stdin"
python3 "$root/tests/hostile_upstream/hostile_upstream.py" --good-page "$good_page" \
  --log "$work/server.jsonl" --secret-file "$work/secret.txt" --max-seconds 7200 \
  --record-mb "$record_mb" --bomb-mb "$bomb_mb" --node-bomb-mb "$node_bomb_mb" \
  --big-page-mb "$big_page_mb" < "$work/stdin" > "$work/port" &
server_pid=$!
exec 3>"$work/stdin"
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(awk '/^PORT/ {print $2}' "$work/port")
[ -n "$port" ] || { echo "hostile-upstreams.sh: the server did not start" >&2; exit 1; }

# Runs a command, its output into the file $1, and prints
# "<exit status> <wall seconds> <peak RSS KiB>".
measure() {
  python3 - "$@" <<'EOF'
import resource, subprocess, sys, time
started = time.monotonic()
with open(sys.argv[1], "wb") as output:
    status = subprocess.call(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=output,
                             stderr=subprocess.STDOUT)
seconds = time.monotonic() - started
print(status, f"{seconds:.1f}", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
EOF
}

attacks="xxe-file xxe-http xxe-parameter external-dtd billion-laughs gzip-bomb-zeros
gzip-bomb-records deflate-bomb endless endless-slow trickle huge-record node-bomb big-page
invalid-utf8 invalid-utf16 redirect-loop redirect-file redirect-ftp redirect-gopher redirect-dict"
[ -n "$only" ] && attacks=${only//,/ }

good_records=$(grep -c '<record>' "$good_page")
failures=0
printf '%-18s %4s %8s %10s %6s %6s %-6s %-4s %s\n' attack exit seconds "peak RSS" good kept secret \
  held "the attacker's summary"
for attack in $attacks; do
  dir="$work/$attack"
  mkdir -p "$dir"
  extra=""
  # An endless body faster than the low-speed limit ends only at the request
  # timeout: 15 minutes by default, 2 minutes here (times two attempts).
  if [ "$attack" = endless-slow ] && [ "$quick" = 0 ]; then extra="request_timeout = 120"; fi
  cat > "$dir/oaipmh.toml" <<EOF
store = "$dir/store.sqlite"
[harvest]
$limits
$extra
[[source]]
name = "good"
url = "http://127.0.0.1:$port/good/oai"
[[source]]
name = "$attack"
url = "http://127.0.0.1:$port/$attack/oai"
EOF
  read -r status seconds rss < <(measure "$dir/output.txt" "$oaipmh" harvest --config \
                                   "$dir/oaipmh.toml")
  count() {
    sqlite3 "$dir/store.sqlite" "SELECT count(*) FROM records r JOIN sources s ON s.id = r.source_id
                                 WHERE s.name = '$1'"
  }
  secret_found=no
  if sqlite3 "$dir/store.sqlite" .dump | grep -q -e "$secret" -e SECRET-FROM-THE-NETWORK; then
    secret_found=YES
  fi
  if grep -q '"path": "/entity' "$work/server.jsonl"; then secret_found=FETCHED; fi
  # "NAME: FAILED, 2 new, ... 0.2 s[, 1 quarantined]: ERROR": keep FAILED and the error.
  summary=$(grep -m1 "^$attack: " "$dir/output.txt" | sed -e "s/^$attack: //" \
    -e 's/^\(FAILED\|ok\), .* retries, [0-9.]* s\(, [0-9]* quarantined\)\{0,1\}/\1\2/')
  warning=$(grep -m1 "warning: $attack: removed" "$dir/output.txt" | sed 's/ from http.*//' || true)
  [ -n "$warning" ] && summary="$summary (${warning#oaipmh harvest: })"
  good=$(count good)
  kept=$(count "$attack")
  # Held: the good source whole, no secret, and the attacker failed with its
  # first page kept (the harmless big pages: harvested, exit status 0).
  held=yes
  case "$attack" in
    big-page) [ "$status" = 0 ] || held=NO ;;
    *) { [ "$status" = 1 ] && [ "$kept" = 2 ]; } || held=NO ;;
  esac
  { [ "$good" = "$good_records" ] && [ "$secret_found" = no ]; } || held=NO
  [ "$held" = yes ] || failures=$((failures + 1))
  printf '%-18s %4s %8s %6s MiB %6s %6s %-6s %-4s %s\n' "$attack" "$status" "$seconds" \
    "$((rss / 1024))" "$good" "$kept" "$secret_found" "$held" "$summary"
done
echo
echo "good: records of the good source stored ($good_records expected); kept: the attacker's"
echo "records stored (2, its first page; all of them for the harmless big-page);"
echo "secret: whether the secret file, or anything from an entity URL, reached the store"
if [ "$failures" -gt 0 ]; then
  echo "hostile-upstreams.sh: $failures attack(s) did not hold" >&2
  exit 1
fi
