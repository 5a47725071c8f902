#!/usr/bin/env bash
# Crash recovery of `oaipmh harvest` (issue 7, item 3), against real processes:
# bench/page_server plays a repository of RECORDS synthetic records on
# 127.0.0.1, and
#
# 1. kills: `oaipmh harvest` is killed with SIGKILL at KILLS random moments,
#    and run again each time (each run resumes from the last checkpoint), then
#    once more to the end. Each run is frozen (SIGSTOP) just before its
#    SIGKILL, so the harness can tell a kill inside a write transaction (the
#    process holds SQLite's WAL write lock) from the others, and the WAL is
#    read after each kill (wal_state.py) to count transactions that had
#    already written uncommitted frames. The store must then equal an uninterrupted harvest's
#    record for record, its full-text index term for term, with `PRAGMA
#    integrity_check` ok, the same watermark and no checkpoint left.
# 2. full disk (unless --no-full-disk): the store on a tmpfs too small for it.
#    The harvest must fail with a clear error, leave a store that passes the
#    integrity check, and, once the filesystem is made larger, a second run must
#    complete it to the same store as the uninterrupted harvest. Mounting needs
#    root, or an unprivileged user namespace (`unshare -rm`, tried when not
#    root).
#
#   crash_recovery.sh --build DIR [--records N] [--per-page N] [--kills N]
#                     [--seed N] [--disk-mb N] [--no-full-disk] [--workdir DIR]
#
# Defaults: 20,000 records, 100 a page, 20 kills, a 12 MB disk. Exits 0 when
# everything held; prints one `crash-recovery:` line per finding.
set -euo pipefail

records=20000 per_page=100 kills=20 seed=7 disk_mb=12 full_disk=1 build="" workdir=""
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --records) records=$2; shift 2 ;;
    --per-page) per_page=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --disk-mb) disk_mb=$2; shift 2 ;;
    --no-full-disk) full_disk=0; shift ;;
    --workdir) workdir=$2; shift 2 ;;
    *) echo "usage: $0 --build DIR [--records N] [--per-page N] [--kills N] [--seed N]" \
         "[--disk-mb N] [--no-full-disk] [--workdir DIR]" >&2; exit 2 ;;
  esac
done
[[ -n $build ]] || { echo "crash-recovery: --build DIR is required" >&2; exit 2; }
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
oaipmh=$build/cli/oaipmh

# Mounting a tmpfs needs root: without it, run in a user namespace of our own.
if ((full_disk)) && [[ $(id -u) -ne 0 && -z ${CRASH_RECOVERY_IN_NAMESPACE:-} ]]; then
  if unshare -rm true 2>/dev/null; then
    args=(--build "$build" --records "$records" --per-page "$per_page" --kills "$kills"
          --seed "$seed" --disk-mb "$disk_mb")
    [[ -z $workdir ]] || args+=(--workdir "$workdir")
    CRASH_RECOVERY_IN_NAMESPACE=1 exec unshare -rm "$0" "${args[@]}"
  fi
  echo "crash-recovery: the full-disk check needs root or unprivileged user namespaces" \
       "(unshare -rm); run as root, or pass --no-full-disk" >&2
  exit 2
fi

if [[ -z $workdir ]]; then
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/crash-recovery.XXXXXX")
  trap 'cleanup; rm -rf "$workdir"' EXIT
else
  mkdir -p "$workdir"
  trap cleanup EXIT
fi
server_pid="" harvest_pid="" mounted=""
cleanup() {
  [[ -z $harvest_pid ]] || kill -9 "$harvest_pid" 2>/dev/null || true
  [[ -z $server_pid ]] || kill "$server_pid" 2>/dev/null || true
  [[ -z $mounted ]] || umount "$mounted" 2>/dev/null || true
}
say() { echo "crash-recovery: $*"; }
fail() { echo "crash-recovery: FAILED: $*" >&2; exit 1; }

"$build/bench/make_page_chain" "$records" "$per_page" "$workdir/pages" >/dev/null
fixtures=$root/tests/fixtures/harvest
coproc PAGE_SERVER {
  exec "$build/bench/page_server" --pages "$workdir/pages" --identify "$fixtures/identify-seconds.xml" \
    --list-metadata-formats "$fixtures/list-metadata-formats.xml" \
    --list-sets "$fixtures/no-set-hierarchy.xml" --max-seconds 1800
}
server_pid=$PAGE_SERVER_PID
read -r _ port <&"${PAGE_SERVER[0]}" || fail "page_server did not start"

# write_config STORE: a configuration harvesting the page server into STORE.
write_config() {
  local config=$workdir/$(basename "$1").toml
  cat >"$config" <<EOT
store = "$1"
[harvest]
politeness_delay = 0
[[source]]
name = "chain"
url = "http://127.0.0.1:$port/oai"
EOT
  echo "$config"
}

# digest STORE: one checksum of every record's content (not our datestamp:
# that is the time of writing), its sets, and the full-text index's terms.
digest() {
  sqlite3 "$1" <<'EOSQL' | sha256sum | cut -c1-16
CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, dc_fts, 'row');
SELECT r.upstream_identifier, r.metadata_prefix, r.upstream_datestamp, r.deleted, r.metadata,
       r.about, r.dc, r.content_hash, r.harvest_date,
       (SELECT group_concat(set_spec) FROM (SELECT set_spec FROM record_sets
         WHERE record_id = r.id ORDER BY set_spec))
FROM records r ORDER BY r.upstream_identifier, r.metadata_prefix;
SELECT term, doc, cnt FROM temp.terms ORDER BY term;
EOSQL
}

# check_store STORE REFERENCE_DIGEST WHAT: the store is whole and equals the reference.
check_store() {
  local store=$1 expected=$2 what=$3
  local integrity fts_integrity count checkpoints watermark
  integrity=$(sqlite3 "$store" "PRAGMA integrity_check")
  [[ $integrity == ok ]] || fail "$what: integrity_check says: $integrity"
  fts_integrity=$(sqlite3 "$store" "INSERT INTO dc_fts(dc_fts, rank) VALUES ('integrity-check', 0); SELECT 'ok';" 2>&1)
  [[ $fts_integrity == ok ]] || fail "$what: the full-text index's integrity-check says: $fts_integrity"
  count=$(sqlite3 "$store" "SELECT count(*) FROM records")
  [[ $count == "$records" ]] || fail "$what: $count records, not $records"
  checkpoints=$(sqlite3 "$store" "SELECT count(*) FROM checkpoints")
  [[ $checkpoints == 0 ]] || fail "$what: $checkpoints checkpoints left"
  watermark=$(sqlite3 "$store" "SELECT next_from FROM harvest_lists")
  [[ $watermark == "$reference_watermark" ]] || fail "$what: watermark $watermark, not $reference_watermark"
  [[ $(digest "$store") == "$expected" ]] || fail "$what: records differ from the uninterrupted harvest"
  say "$what: $count records equal to the uninterrupted harvest's, integrity_check ok, full-text index ok, watermark $watermark"
}

# The uninterrupted harvest.
reference=$workdir/reference.sqlite
start=$EPOCHREALTIME
"$oaipmh" harvest --quiet --config "$(write_config "$reference")" >"$workdir/reference.log" 2>&1 ||
  { cat "$workdir/reference.log" >&2; fail "the uninterrupted harvest failed"; }
reference_ms=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
reference_digest=$(digest "$reference")
reference_watermark=$(sqlite3 "$reference" "SELECT next_from FROM harvest_lists")
say "uninterrupted harvest: $records records in $reference_ms ms, watermark $reference_watermark"

# holds_write_lock PID SHM: PID holds the WAL write lock of the store whose
# shared-memory file is SHM (/proc/locks: "POSIX ADVISORY WRITE pid dev:inode start end").
holds_write_lock() {
  local inode
  inode=$(stat -c %i "$2")
  awk -v pid="$1" -v inode="$inode" '
    $2 == "POSIX" && $4 == "WRITE" && $5 == pid && $7 == 120 {
      n = split($6, parts, ":"); if (parts[n] == inode) found = 1 }
    END { exit !found }' /proc/locks
}

# The killed harvests: each run is killed after a random wait, drawn so the
# kills spread over the whole list (a run also spends ~20 ms starting).
store=$workdir/killed.sqlite
config=$(write_config "$store")
RANDOM=$seed
spread_ms=$((2 * reference_ms / kills + 1))
inside=0 between=0 written=0 finished=0
# A run that commits nothing before its kill makes no progress (the first
# transaction after a restart can outlast the spread);
# each run in a row without progress doubles the spread.
held=0 stalled=0
for ((kill = 1; kill <= kills; kill++)); do
  wait_ms=$((10 + RANDOM % (spread_ms << (stalled < 6 ? stalled : 6))))
  "$oaipmh" harvest --quiet --config "$config" >>"$workdir/killed.log" 2>&1 &
  harvest_pid=$!
  sleep "$(awk -v ms="$wait_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  # Frozen first, so the moment can be told: a process in a write transaction
  # holds SQLite's WAL write lock, a POSIX lock on byte 120 of STORE-shm.
  if kill -STOP "$harvest_pid" 2>/dev/null; then
    in_transaction=0
    if [[ -e $store-shm ]] && holds_write_lock "$harvest_pid" "$store-shm"; then in_transaction=1; fi
    kill -9 "$harvest_pid"
    wait "$harvest_pid" 2>/dev/null || true
    state=$(python3 "$here/wal_state.py" "$store-wal")
    uncommitted=$(sed 's/.*uncommitted=\([0-9]*\).*/\1/' <<<"$state")
    ((uncommitted == 0)) || written=$((written + 1))
    if ((in_transaction)); then
      inside=$((inside + 1)); where="inside a transaction"
    else
      between=$((between + 1)); where="outside any transaction"
    fi
  else
    wait "$harvest_pid" 2>/dev/null || true
    finished=$((finished + 1)); where="after the run had ended" state="-"
  fi
  harvest_pid=""
  before=$held
  held=$(sqlite3 "$store" "SELECT count(*) FROM records" 2>/dev/null || echo 0)
  if ((held > before || held == records)); then stalled=0; else stalled=$((stalled + 1)); fi
  say "kill $kill at ${wait_ms} ms: $where ($state), $held records held"
done
"$oaipmh" harvest --quiet --config "$config" >>"$workdir/killed.log" 2>&1 ||
  { tail -20 "$workdir/killed.log" >&2; fail "the run after the kills failed"; }
say "$kills kills: $inside inside a write transaction ($written of them after it had written" \
    "uncommitted WAL frames), $between outside any, $finished after the run had ended"
check_store "$store" "$reference_digest" "after $kills kills and a last run"

((full_disk)) || exit 0

# The full disk.
disk=$workdir/disk
mkdir -p "$disk"
mount -t tmpfs -o "size=${disk_mb}m" tmpfs "$disk" || fail "cannot mount a tmpfs on $disk"
mounted=$disk
store=$disk/store.sqlite
config=$(write_config "$store")
status=0
"$oaipmh" harvest --config "$config" >"$workdir/full.log" 2>&1 || status=$?
((status != 0)) || fail "the harvest onto a full ${disk_mb} MB disk succeeded"
grep -qi "full" "$workdir/full.log" || { cat "$workdir/full.log" >&2; fail "no clear 'full' error"; }
say "full ${disk_mb} MB disk: exit $status, '$(grep -i -m1 "full" "$workdir/full.log")'"
integrity=$(sqlite3 "$store" "PRAGMA integrity_check")
[[ $integrity == ok ]] || fail "the store on the full disk: integrity_check says $integrity"
held=$(sqlite3 "$store" "SELECT count(*) FROM records")
say "the store on the full disk: integrity_check ok, $held whole records kept"
mount -t tmpfs -o remount,size=$((disk_mb * 20))m tmpfs "$disk"
"$oaipmh" harvest --quiet --config "$config" >>"$workdir/full.log" 2>&1 ||
  { tail -20 "$workdir/full.log" >&2; fail "the run with space failed"; }
check_store "$store" "$reference_digest" "the next run with space"
