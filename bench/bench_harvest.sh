# shellcheck shell=bash
# Harvest benchmark of scripts/bench.sh (sourced; defines functions only).
# Uses: $root, $work, $build, $oaipmh, result, step (bench/bench_lib.sh).

# harvest_bench KEY RECORDS PER_PAGE [keep-store]: `oaipmh harvest` of
# RECORDS synthetic records (PER_PAGE a page) from bench/page_server into a
# new store, beside `xmllint --stream --noout` over the same page files.
# Results: KEY.{records,pages,page_bytes,record_bytes,largest_page_bytes,
# seconds,records_per_s,rss_mb,xmllint_seconds,xmllint_records_per_s,ratio,
# store_bytes}. Removes the pages, and the store unless keep-store.
harvest_bench() {
  local key=$1 records=$2 per_page=$3 keep_store=${4:-}
  local dir=$work/$key
  local fixtures=$root/tests/fixtures/harvest
  rm -rf "$dir"
  mkdir -p "$dir"
  step "$key: making $records records, $per_page a page"
  "$build/bench/make_page_chain" "$records" "$per_page" "$dir/pages" >"$dir/chain.txt"
  local name
  for name in records pages page_bytes record_bytes largest_page_bytes; do
    result "$key.$name" "$(field "$name" "$dir/chain.txt")"
  done

  # The server ends when its stdin closes (or after an hour).
  coproc PAGE_SERVER {
    exec "$build/bench/page_server" --pages "$dir/pages" --identify "$fixtures/identify-seconds.xml" \
      --list-metadata-formats "$fixtures/list-metadata-formats.xml" \
      --list-sets "$fixtures/no-set-hierarchy.xml" --max-seconds 3600
  }
  page_server_pid=$PAGE_SERVER_PID
  local port
  read -r _ port <&"${PAGE_SERVER[0]}" || { echo "bench: page_server did not start" >&2; return 1; }
  cat >"$dir/oaipmh.toml" <<EOT
store = "$dir/store.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "bench"
url = "http://127.0.0.1:$port/oai"
EOT

  step "$key: oaipmh harvest"
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$dir/rss.txt" "$oaipmh" harvest --config "$dir/oaipmh.toml" \
    >"$dir/harvest.txt" 2>&1 || { cat "$dir/harvest.txt" >&2; return 1; }
  local seconds
  seconds=$(elapsed "$start")
  eval "exec ${PAGE_SERVER[1]}>&-"
  wait "$page_server_pid" 2>/dev/null || true
  page_server_pid=""

  local stored
  stored=$("$oaipmh" status --store "$dir/store.sqlite" | awk '$1 == "records:" { print $2; exit }')
  if [[ $stored != "$records" ]]; then
    echo "bench: $key: the store holds $stored records, not $records" >&2
    return 1
  fi
  result "$key.seconds" "$seconds"
  result "$key.records_per_s" "$(calc "$records / $seconds" 0)"
  result "$key.rss_mb" "$(calc "$(tail -1 "$dir/rss.txt") * 1024 / 1e6" 1)"
  local store_bytes=0 file
  for file in "$dir/store.sqlite" "$dir/store.sqlite-wal"; do
    [[ -e $file ]] && store_bytes=$((store_bytes + $(stat -c %s "$file")))
  done
  result "$key.store_bytes" "$store_bytes"

  step "$key: xmllint --stream --noout over the same pages"
  start=$EPOCHREALTIME
  xmllint --stream --noout "$dir"/pages/page-*.xml
  seconds=$(elapsed "$start")
  result "$key.xmllint_seconds" "$seconds"
  result "$key.xmllint_records_per_s" "$(calc "$records / $seconds" 0)"
  result "$key.ratio" "$(calc "${R[$key.records_per_s]} / ${R[$key.xmllint_records_per_s]}")"

  rm -rf "$dir/pages"
  [[ -n $keep_store ]] || rm -f "$dir"/store.sqlite*
}
