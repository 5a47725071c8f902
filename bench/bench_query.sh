# shellcheck shell=bash
# Query benchmark of scripts/bench.sh (sourced; defines functions only).
# Uses: $oaipmh, $build, result, step (bench/bench_lib.sh).

# The command of each query row, by key (query.author, ...).
declare -A QUERY_COMMAND=()
# How many times each query runs; the median is reported.
query_runs=21

# query_bench STORE RECORDS: the median wall time of `oaipmh query --limit 20`
# for FTS words of the synthetic records (bench/synthetic_records.cc): two
# words of the long-tail vocabulary, in about 1 % and 0.1 % of the records
# (the first is the target's "FTS word"), a surname (about 19 %), the most
# frequent long-tail word (most records) and a record number (one record).
query_bench() {
  local store=$1 records=$2
  # A record's number is in its identifiers; 2 % of records are deleted
  # (bench::is_deleted: n % 50 == 17) and not indexed.
  local rare=$((records * 2 / 3 + 1))
  ((rare % 50 != 17)) || rare=$((rare + 1))
  query_row query.word "$store" "$("$build/bench/make_page_chain" --word 300)"
  query_row query.rarer "$store" "$("$build/bench/make_page_chain" --word 3000)"
  query_row query.author "$store" Tanaka
  query_row query.common "$store" "$("$build/bench/make_page_chain" --word 0)"
  query_row query.rare "$store" "$rare"
}

# query_row KEY STORE WORD: results KEY.{word,matches,median_ms,min_ms,max_ms}.
query_row() {
  local key=$1 store=$2 word=$3
  step "$key: oaipmh query $word, $query_runs times"
  result "$key.word" "$word"
  result "$key.matches" "$("$oaipmh" query --store "$store" "$word" --count)"
  QUERY_COMMAND[$key]="oaipmh query --store STORE $word --limit 20 --format jsonl"
  local run start times=()
  for ((run = 0; run < query_runs; ++run)); do
    start=$EPOCHREALTIME
    "$oaipmh" query --store "$store" "$word" --limit 20 --format jsonl >/dev/null
    times+=("$(calc "($EPOCHREALTIME - $start) * 1000" 1)")
  done
  result "$key.median_ms" "$(printf '%s\n' "${times[@]}" | median)"
  result "$key.min_ms" "$(printf '%s\n' "${times[@]}" | sort -g | head -1)"
  result "$key.max_ms" "$(printf '%s\n' "${times[@]}" | sort -g | tail -1)"
}
