# shellcheck shell=bash
# Helpers of scripts/bench.sh (sourced; defines functions only).

# Every figure of the run, by key (harvest_small.records_per_s, ...).
declare -A R=()

# result KEY VALUE: keeps a figure and prints it as a machine-readable line.
result() {
  R[$1]=$2
  echo "result $1=$2"
}

# calc EXPRESSION [DECIMALS]: awk arithmetic (default two decimals).
calc() {
  awk "BEGIN { printf \"%.${2:-2}f\", $1 }"
}

# is EXPRESSION: succeeds when the awk comparison holds.
is() {
  awk "BEGIN { exit !($1) }"
}

# group NUMBER: the number rounded to an integer, with thousands separators.
group() {
  awk -v n="$1" 'BEGIN {
    s = sprintf("%.0f", n); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    print s out }'
}

# megabytes BYTES: "12.3" (10^6 bytes).
megabytes() {
  calc "$1 / 1e6" 1
}

# field KEY FILE: the value of KEY=VALUE in a line of KEY=VALUE words.
field() {
  tr ' ' '\n' <"$2" | awk -F= -v key="$1" '$1 == key { print $2 }'
}

# free_port: a TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# elapsed START: seconds since START (an $EPOCHREALTIME), three decimals.
elapsed() {
  calc "$EPOCHREALTIME - $1" 3
}

# median: the median of the numbers on stdin, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# step MESSAGE: progress on stderr, so stdout keeps only result lines.
step() {
  echo "bench: $*" >&2
}
