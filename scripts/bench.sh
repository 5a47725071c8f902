#!/usr/bin/env bash
# The benchmark suite of issue 6, in one command: harvest, provider, query and
# store-size figures, each beside a reference measured in the same run
# (xmllint over the same bytes; nginx serving the same bytes), written into
# docs/benchmarks.md between its "bench.sh results" markers. Benchmarks are
# not tests: nothing here fails because a figure is slow, only when a figure
# could not be measured.
set -Eeuo pipefail
export LC_ALL=C
trap 'echo "bench: failed: ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
root=$PWD

usage() {
  cat <<'EOT'
Usage: scripts/bench.sh [--smoke] [--output FILE] [options]

Runs every benchmark of docs/benchmarks.md and writes its results block
(between the "bench.sh results" markers of FILE; a FILE without them gets the
block alone). Runs scripts/setup.sh first, as scripts/test.sh does.

  --smoke               tiny sizes (1,000 and 2,000 records, a 1 MB page,
                        1 s wrk runs): the same code paths in well under a
                        minute; the figures mean nothing. Writes to a new
                        temporary file unless --output is given
  --output FILE         where the results go (default docs/benchmarks.md)
  --no-setup            do not run scripts/setup.sh: the build must exist
  --build DIR           the build directory (default build)
  --sizes SMALL,LARGE   records of the two harvests (default 100000,1000000);
                        the LARGE store is then served and queried
  --big-page-records N  records in the one big page (default 31500, ~53 MB)
  --seconds S           length of each wrk run (default 10)
  --workdir DIR         where pages and stores go (default: a new temporary
                        directory, removed at the end); the default run needs
                        about 9 GB free there
  --keep                keep the work directory
EOT
}

smoke=""
output=""
setup=1
build=build
sizes=100000,1000000
big_page_records=31500
seconds=10
workdir=""
keep=""
while (($# > 0)); do
  case $1 in
    --smoke) smoke=1 sizes=1000,2000 big_page_records=600 seconds=1 ;;
    --output) output=$2; shift ;;
    --no-setup) setup="" ;;
    --build) build=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --big-page-records) big_page_records=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --workdir) workdir=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
small_records=${sizes%,*}
large_records=${sizes#*,}
[[ -z $output ]] && output=$([[ -n $smoke ]] && mktemp "${TMPDIR:-/tmp}/oaipmh-bench-smoke.XXXXXX.md" ||
  echo docs/benchmarks.md)

[[ -n $setup ]] && scripts/setup.sh
build=$(cd "$build" && pwd)
oaipmh=$build/cli/oaipmh
for tool in "$oaipmh" "$build/bench/make_page_chain" "$build/bench/page_server" "$build/bench/make_token"; do
  [[ -x $tool ]] || { echo "bench: $tool is missing: build first (scripts/setup.sh)" >&2; exit 2; }
done
for tool in wrk nginx xmllint curl python3 gzip /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run scripts/setup.sh" >&2; exit 2; }
done

if [[ -z $workdir ]]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/oaipmh-bench.XXXXXX")
  [[ -n $keep ]] || remove_work=1
else
  mkdir -p "$workdir"
  work=$(cd "$workdir" && pwd)
fi
# nginx's workers (user nobody when started by root) read files in here.
chmod 755 "$work"

page_server_pid="" serve_pid="" nginx_pid=""
cleanup() {
  local pid
  for pid in $page_server_pid $serve_pid $nginx_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  [[ -n ${remove_work:-} ]] && rm -rf "$work"
  return 0
}
trap cleanup EXIT

source bench/bench_lib.sh
source bench/bench_harvest.sh
source bench/bench_provider.sh
source bench/bench_query.sh
source bench/bench_report.sh

started=$EPOCHREALTIME
machine_facts
harvest_bench harvest_small "$small_records" 100
harvest_bench harvest_large "$large_records" 100 keep-store
harvest_bench harvest_bigpage "$big_page_records" "$big_page_records"
store=$work/harvest_large/store.sqlite
result store.ratio "$(calc "${R[harvest_large.store_bytes]} / ${R[harvest_large.record_bytes]}")"
provider_bench "$store" "$large_records"
query_bench "$store" "$large_records"
result total_seconds "$(calc "$EPOCHREALTIME - $started" 1)"

write_report "$output"
step "report in $output"
check_report "$output"
