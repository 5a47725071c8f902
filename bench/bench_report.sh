# shellcheck shell=bash
# The report of scripts/bench.sh (sourced; defines functions only): machine
# facts, and the results block of docs/benchmarks.md.
# Uses: $root, $build, $smoke, $seconds, R, WRK_COMMAND, QUERY_COMMAND, query_runs.

readonly begin_marker='<!-- bench.sh results: begin -->'
readonly end_marker='<!-- bench.sh results: end -->'

# package_version PACKAGE: the installed Debian package's version, or "?".
package_version() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"
}

machine_facts() {
  result machine.date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local commit
  if commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
    [[ -z $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] ||
      commit+=" with uncommitted changes"
  else
    commit="unknown (not a git checkout git can read)"
  fi
  result machine.commit "$commit"
  result machine.nproc "$(nproc)"
  result machine.cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  result machine.memory_gib "$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
  result machine.os "$(. /etc/os-release && echo "$PRETTY_NAME") ($(cat /etc/debian_version 2>/dev/null || echo '?'))"
  local compiler
  compiler=$(awk -F= '/^CMAKE_CXX_COMPILER:/ { print $2 }' "$build/CMakeCache.txt")
  result machine.compiler "$("$compiler" --version | head -1)"
  result machine.build_type "$(awk -F= '/^CMAKE_BUILD_TYPE:/ { print $2 }' "$build/CMakeCache.txt")"
  result machine.sqlite "$(package_version libsqlite3-0)"
  result machine.libxml2 "$(package_version libxml2)"
  result machine.libcurl "$(package_version libcurl4)"
  result machine.wrk "$(package_version wrk)"
  result machine.nginx "$(nginx -v 2>&1 | sed 's/.*nginx\///')"
  result machine.load "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# verdict EXPRESSION: "met" when the awk expression holds, "missed" when it
# does not, "not measured" when a figure in it is missing.
verdict() {
  local status=0
  awk "BEGIN { exit !($1) }" 2>/dev/null || status=$?
  case $status in
    0) echo met ;;
    1) echo missed ;;
    *) echo "not measured" ;;
  esac
}

# The rows of the targets table, one a line.
target_rows() {
  local key records
  for key in harvest_small harvest_large; do
    records=${R[$key.records]}
    echo "| harvest $(group "$records") records from loopback into the store" \
      "| ≥60,000 records/s and ≥0.6 of xmllint's" \
      "| $(group "${R[$key.records_per_s]}") records/s (${R[$key.seconds]} s)" \
      "| \`xmllint --stream --noout\` over the same $(megabytes "${R[$key.page_bytes]}") MB:" \
      "$(group "${R[$key.xmllint_records_per_s]}") records/s (${R[$key.xmllint_seconds]} s)" \
      "| ${R[$key.ratio]}" \
      "| $(verdict "${R[$key.records_per_s]} >= 60000 && ${R[$key.ratio]} >= 0.6") |"
  done
  for key in harvest_small harvest_large harvest_bigpage; do
    if [[ $key == harvest_bigpage ]]; then
      echo -n "| harvester peak RSS, one page of $(megabytes "${R[$key.largest_page_bytes]}") MB" \
        "($(group "${R[$key.records]}") records, harvested in ${R[$key.seconds]} s)"
    else
      echo -n "| harvester peak RSS, $(group "${R[$key.records]}") records"
    fi
    echo " | ≤40 MB | ${R[$key.rss_mb]} MB | | | $(verdict "${R[$key.rss_mb]} <= 40") |"
  done
  provider_target_row getrecord "GetRecord, 64 connections" "≥30,000 requests/s, ≥0.25 of nginx, p99 ≤10 ms" \
    "requests/s" "$(group "${R[provider.getrecord_bytes]}") bytes" 30000 0.25 10
  provider_target_row page "ListRecords page of 100 records, 64 connections" \
    "≥3,000 pages/s, ≥0.15 of nginx, p99 ≤50 ms" "pages/s" "$(group "${R[provider.page_bytes]}") bytes" 3000 0.15 50
  local gzip_bytes="$(group "${R[provider.gzip_bytes]}") gzip bytes (the page compresses"
  gzip_bytes+=" $(calc "${R[provider.page_bytes]} / ${R[provider.gzip_bytes]}" 0):1; \`gzip_static\`)"
  provider_target_row gzip "the same page, gzip, 64 connections" "≥800 pages/s, p99 ≤50 ms" "pages/s" \
    "$gzip_bytes" 800 0 50
  echo "| a page $(group "${R[provider.deep_position]}") records deep in a store of" \
    "$(group "${R[provider.records]}") (mean latency, 1 connection) | ≤1.2× the first page" \
    "| ${R[serve.deep_1.mean_ms]} ms | first page: ${R[serve.page_1.mean_ms]} ms | ${R[deep.ratio]}" \
    "| $(verdict "${R[deep.ratio]} <= 1.2") |"
  echo "| provider peak RSS under 64 connections (VmHWM after the runs) | ≤80 MB | ${R[serve.rss_mb]} MB" \
    "| | | $(verdict "${R[serve.rss_mb]} <= 80") |"
  echo "| \`oaipmh query\` over $(group "${R[provider.records]}") records, FTS word" \
    "\`${R[query.word.word]}\` ($(group "${R[query.word.matches]}") matches), \`--limit 20\`" \
    "| median ≤20 ms | ${R[query.word.median_ms]} ms (median of $query_runs) | | |" \
    "$(verdict "${R[query.word.median_ms]} <= 20") |"
  echo "| store size after the $(group "${R[harvest_large.records]}")-record harvest (file and WAL)" \
    "| ≤2.5× the raw XML of its records | $(megabytes "${R[harvest_large.store_bytes]}") MB" \
    "| \`<record>\` elements: $(megabytes "${R[harvest_large.record_bytes]}") MB | ${R[store.ratio]}" \
    "| $(verdict "${R[store.ratio]} <= 2.5") |"
}

# provider_target_row ROW NAME GOAL UNIT BYTES MIN_RPS MIN_RATIO MAX_P99_MS
provider_target_row() {
  local row=$1 serve=serve.$1_64 nginx=nginx.$1_64
  echo "| $2 | $3 | $(group "${R[$serve.rps]}") $4, p99 ${R[$serve.p99_ms]} ms" \
    "| nginx, the same $5 as a static file: $(group "${R[$nginx.rps]}") $4" \
    "| ${R[$row.nginx_ratio]}" \
    "| $(verdict "${R[$serve.rps]} >= $6 && ${R[$row.nginx_ratio]} >= $7 && ${R[$serve.p99_ms]} <= $8") |"
}

# The results block, markers included.
results_block() {
  local run="harvests of $(group "${R[harvest_small.records]}") and $(group "${R[harvest_large.records]}") records"
  run+=" and of one page of $(group "${R[harvest_bigpage.records]}"), wrk runs of $seconds s"
  [[ -z $smoke ]] || run="**a smoke run (\`--smoke\`) whose figures mean nothing**: $run"
  cat <<EOT
$begin_marker
<!-- Written by scripts/bench.sh; edit outside these markers. -->
## Latest run of \`scripts/bench.sh\`

${R[machine.date]}, commit ${R[machine.commit]}, $run, ${R[total_seconds]} s in all.
Machine: ${R[machine.nproc]} cores (\`nproc\`), ${R[machine.cpu]}, ${R[machine.memory_gib]} GiB,
${R[machine.os]}, ${R[machine.compiler]} (${R[machine.build_type]}); SQLite ${R[machine.sqlite]},
libxml2 ${R[machine.libxml2]}, libcurl ${R[machine.libcurl]}, wrk ${R[machine.wrk]},
nginx ${R[machine.nginx]}. Load average at the start: ${R[machine.load]}. Every client
and server of a figure share these cores.

### Targets of issue 6

| target | goal | measured | in-run reference | ratio | met? |
| --- | --- | --- | --- | --- | --- |
$(target_rows)

### How each figure was measured

Harvest: \`build/bench/make_page_chain RECORDS PER_PAGE DIR\` writes the synthetic
pages (\`bench/synthetic_records.cc\`), \`build/bench/page_server --pages DIR ...\`
serves them on 127.0.0.1, and
\`/usr/bin/time -f %M build/cli/oaipmh harvest --config oaipmh.toml\` harvests them
into a new store (\`politeness_delay = 0\`, every other key at its default); the
time is the harvest's wall time, the RSS \`/usr/bin/time\`'s maximum resident set.
The reference is \`xmllint --stream --noout DIR/page-*.xml\`, timed right after.

| run | records | pages | response bytes | harvest | records/s | peak RSS | xmllint | xmllint records/s | ratio |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
$(for key in harvest_small harvest_large harvest_bigpage; do
    echo "| $key | $(group "${R[$key.records]}") | $(group "${R[$key.pages]}") | $(group "${R[$key.page_bytes]}")" \
      "| ${R[$key.seconds]} s | $(group "${R[$key.records_per_s]}") | ${R[$key.rss_mb]} MB" \
      "| ${R[$key.xmllint_seconds]} s | $(group "${R[$key.xmllint_records_per_s]}") | ${R[$key.ratio]} |"
  done)

Provider: \`build/cli/oaipmh serve --store STORE --listen 127.0.0.1:0\` (defaults)
over the store of the $(group "${R[provider.records]}")-record harvest; GetRecord asks for
record $(group $((R[provider.records] / 2))); the deep page's token is made by
\`build/bench/make_token STORE ${R[provider.deep_position]}\`. nginx runs with
\`nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'\`, ${R[machine.nproc]} workers, sendfile,
access log on, serving the bytes \`oaipmh serve\` answered, saved as files (gzip:
the gzip response with \`gzip_static on\`). Each row is one wrk run:

| row | server | command | requests/s | mean latency | p99 | non-2xx | socket errors |
| --- | --- | --- | --- | --- | --- | --- | --- |
$(for key in serve.getrecord_1 serve.getrecord_64 serve.page_1 serve.page_64 serve.gzip_64 serve.deep_1 \
    serve.deep_64 nginx.getrecord_64 nginx.page_64 nginx.gzip_64; do
    echo "| ${key#*.} | ${key%%.*} | \`${WRK_COMMAND[$key]} URL\` | $(group "${R[$key.rps]}")" \
      "| ${R[$key.mean_ms]} ms | ${R[$key.p99_ms]} ms | ${R[$key.non2xx]} | ${R[$key.errors]} |"
  done)

Query: each command runs $query_runs times on the same store; wall time of the
whole process, output to /dev/null.

| command | matching records | median | fastest | slowest |
| --- | --- | --- | --- | --- |
$(for key in query.word query.rarer query.author query.common query.rare; do
    echo "| \`${QUERY_COMMAND[$key]}\` | $(group "${R[$key.matches]}") | ${R[$key.median_ms]} ms" \
      "| ${R[$key.min_ms]} ms | ${R[$key.max_ms]} ms |"
  done)

Every figure is also printed as a \`result KEY=VALUE\` line on the script's stdout.
$end_marker
EOT
}

# write_report FILE: replaces the block between the markers of FILE, or
# writes the block alone to a FILE without them.
write_report() {
  local file=$1 block=$work/results-block.md
  results_block >"$block"
  if [[ -f $file ]] && grep -qF "$begin_marker" "$file" && grep -qF "$end_marker" "$file"; then
    awk -v begin="$begin_marker" -v end="$end_marker" -v block="$block" '
      $0 == begin { while ((getline line < block) > 0) print line; skipping = 1; next }
      $0 == end { skipping = 0; next }
      !skipping' "$file" >"$file.new"
    mv "$file.new" "$file"
  else
    cp "$block" "$file"
  fi
}

# check_report FILE: fails unless every figure was measured and every target
# row is in FILE with its verdict. Never judges a figure.
check_report() {
  local file=$1 missing=0 key
  for key in "${!R[@]}"; do
    [[ -n ${R[$key]} ]] || { echo "bench: no value for $key" >&2; missing=1; }
  done
  for key in "${!R[@]}"; do
    if [[ $key == *.rps ]] && ! is "${R[$key]} > 0"; then
      echo "bench: $key is 0: wrk measured nothing" >&2
      missing=1
    fi
  done
  local rows expected=12  # the rows of target_rows
  rows=$(grep -cE '\| (met|missed) \|$' "$file" || true)
  if ((rows != expected)); then
    echo "bench: $file has $rows target rows with a verdict, not $expected" >&2
    missing=1
  fi
  ((missing == 0)) && step "all $expected target rows measured"
  return $missing
}
