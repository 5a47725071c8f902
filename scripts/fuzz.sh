#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, -DOAIPMH_FUZZ=ON) in their own
# build directory and runs each for a fixed time on a temporary copy of its
# committed seed corpus, so the repository is never modified. Any crash,
# sanitizer report, leak, per-input timeout or out-of-memory fails the run and
# keeps the input that caused it. Needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all_targets=(response_reader request resumption_token datestamp configuration)

usage() {
  cat <<'EOT'
Usage: scripts/fuzz.sh [--seconds N] [--build DIR] [--jobs N] [TARGET...]

Configures DIR (default build-fuzz) with clang-14 and -DOAIPMH_FUZZ=ON unless it
is configured already, builds the fuzz targets with N parallel jobs (default:
the number of cores), then runs each TARGET (default: all of
  response_reader request resumption_token datestamp configuration)
for N seconds (default 30), one after the other, single-process, on a
temporary copy of fuzz/corpus/TARGET. Prints executions, exec/s and the final
coverage (cov = edges, ft = features) of each. Exits non-zero if any target
found a crash, leak, hang or out-of-memory; its input and log are kept and
their paths printed.
EOT
}

seconds=30
build=build-fuzz
jobs=$(nproc)
targets=()
while (($# > 0)); do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --build) build=$2; shift ;;
    --jobs) jobs=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds needs a positive whole number" >&2; exit 2; }

# Per target: the largest input tried (bytes) and the longest one input may
# take (seconds) before it counts as a hang. The response reader gets whole
# small responses (the seeds are real ones up to 20 kB); the other inputs are
# short texts, and longer ones only slow the search down.
max_len_of() {
  case $1 in
    response_reader) echo 32768 ;;
    configuration) echo 4096 ;;
    request) echo 4096 ;;
    resumption_token) echo 1024 ;;
    datestamp) echo 64 ;;
    *) return 1 ;;
  esac
}
timeout_of() {
  case $1 in
    response_reader | configuration) echo 10 ;;
    *) echo 5 ;;
  esac
}
for target in "${targets[@]}"; do
  if ! max_len_of "$target" >/dev/null; then
    echo "fuzz.sh: unknown target '$target' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

if [[ ! -f $build/CMakeCache.txt ]]; then
  command -v clang++-14 >/dev/null || {
    echo "fuzz.sh: clang++-14 is needed (apt-get install clang-14 libclang-rt-14-dev)" >&2
    exit 1
  }
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DOAIPMH_FUZZ=ON -DOAIPMH_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
build_targets=()
for target in "${targets[@]}"; do build_targets+=(--target "fuzz_$target"); done
cmake --build "$build" -j "$jobs" "${build_targets[@]}"

# Leaks count as failures; UBSan findings abort (they are built with
# -fno-sanitize-recover) and print where they happened.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for target in "${targets[@]}"; do
  work=$(mktemp -d "${TMPDIR:-/tmp}/oaipmh-fuzz-$target.XXXXXX")
  mkdir "$work/corpus" "$work/artifacts"
  cp -R "fuzz/corpus/$target/." "$work/corpus/"
  log=$work/fuzz.log
  # A dictionary of the input's tokens (XML, TOML) where the format has many.
  dict=()
  [[ -f fuzz/$target.dict ]] && dict=(-dict="fuzz/$target.dict")
  echo "fuzz.sh: $target for $seconds s (log $log)"
  status=0
  # `timeout` only guards against libFuzzer itself never stopping; hangs of
  # one input are libFuzzer's -timeout.
  timeout --kill-after=30 $((seconds + 300)) \
    "$build/fuzz/fuzz_$target" "$work/corpus" \
    -max_total_time="$seconds" -max_len="$(max_len_of "$target")" \
    -timeout="$(timeout_of "$target")" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -detect_leaks=1 -print_final_stats=1 -error_exitcode=77 -timeout_exitcode=78 \
    -artifact_prefix="$work/artifacts/" "${dict[@]}" >"$log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(sed -n 's/.*corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
  printf 'fuzz.sh: %-16s %s s, %s executions, %s exec/s, cov: %s ft: %s, corpus %s, peak RSS %s MB\n' \
    "$target" "$seconds" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}" "${rss:-?}"

  artifacts=("$work"/artifacts/*)
  if ((status != 0)) || [[ -e ${artifacts[0]} ]]; then
    echo "fuzz.sh: $target FAILED (exit status $status); kept in $work:" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|.*Test unit written)' "$log" | head -20 >&2 || true
    for artifact in "${artifacts[@]}"; do
      [[ -e $artifact ]] && echo "fuzz.sh:   input: $artifact" >&2
    done
    echo "fuzz.sh:   log: $log" >&2
    echo "fuzz.sh:   rerun: $build/fuzz/fuzz_$target <input>" >&2
    failed+=("$target")
  else
    rm -rf "$work"
  fi
done

if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets ran $seconds s each with no crash, leak or hang"
