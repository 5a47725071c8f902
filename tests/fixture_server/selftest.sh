#!/usr/bin/env bash
# Self-test for fixture_server.py: starts it on a tiny scenario and checks
# the behaviour with curl.  Every step is bounded by `timeout`/--max-time.
# Usage: tests/fixture_server/selftest.sh   (exit status 0 = all passed)
set -u

HERE="$(cd "$(dirname "$0")" && pwd)"
SERVER="$HERE/fixture_server.py"
WORK="$(mktemp -d)"
SERVER_PID=""
FAILURES=0

cleanup() {
    exec 3>&- 2>/dev/null
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "ok   $1"
    else
        echo "FAIL $1: expected [$2], got [$3]"
        FAILURES=$((FAILURES + 1))
    fi
}

c() {  # curl with a hard time bound; extra args are passed through
    timeout 20 curl -sS --max-time 10 "$@"
}

printf '<r>from file</r>' >"$WORK/body.xml"
cat >"$WORK/scenario.json" <<'EOF'
{
  "rules": [
    {"match": {"verb": "Identify"},
     "responses": [{"body": "<Identify/>"}]},
    {"match": {"verb": "ListRecords", "resumptionToken": null},
     "responses": [{"body": "first"}, {"body": "second"}, {"body": "last"}]},
    {"match": {"verb": "ListRecords", "resumptionToken": "t1"},
     "responses": [{"body": "token page"}]},
    {"match": {"verb": "ListSets"},
     "responses": [{"body": "<ListSets>compressed</ListSets>", "encoding": "gzip"}]},
    {"match": {"verb": "ListMetadataFormats"},
     "responses": [{"body": "zipped", "encoding": "deflate"}]},
    {"match": {"verb": "GetRecord"},
     "responses": [{"status": 503, "headers": {"Retry-After": "2"}, "body": "busy"},
                   {"body_file": "body.xml"}]},
    {"path": "/tmpl", "match": {},
     "responses": [{"body": "{{BASE}}/x?p={{PORT}}", "body_template": true}]},
    {"path": "/hex", "match": {},
     "responses": [{"body_hex": "41ff0142"}]},
    {"path": "/reset", "match": {}, "responses": [{"action": "reset"}]},
    {"path": "/stall", "match": {}, "responses": [{"action": "stall", "body": "0123456789"}]},
    {"path": "/trickle", "match": {},
     "responses": [{"action": "trickle", "trickle_interval": 0.05, "body": "abcd"}]},
    {"path": "/endless", "match": {}, "responses": [{"action": "endless", "body": "<x>"}]}
  ]
}
EOF

# Start the server with its stdin on a fifo we hold open through fd 3.
mkfifo "$WORK/stdin"
timeout 60 python3 "$SERVER" --scenario "$WORK/scenario.json" --max-seconds 50 \
    --log "$WORK/requests.log" <"$WORK/stdin" >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!
exec 3>"$WORK/stdin"

PORT=""
for _ in $(seq 100); do
    PORT="$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$WORK/stdout")"
    [ -n "$PORT" ] && break
    sleep 0.1
done
if [ -z "$PORT" ]; then
    echo "FAIL server did not print PORT"; cat "$WORK/stderr"; exit 1
fi
check "stdout is exactly one PORT line" "1" "$(wc -l <"$WORK/stdout" | tr -d ' ')"
BASE="http://127.0.0.1:$PORT"

check "matched rule" "<Identify/>" "$(c "$BASE/oai?verb=Identify")"
check "keep-alive reuses the connection" "1" \
    "$(c -v -o /dev/null -o /dev/null "$BASE/oai?verb=Identify" "$BASE/oai?verb=Identify" 2>&1 \
       | grep -ci 're-using existing connection')"
check "default content type" "text/xml; charset=UTF-8" \
    "$(c -o /dev/null -w '%{content_type}' "$BASE/oai?verb=Identify")"

seq_bodies=""
for _ in 1 2 3 4; do seq_bodies="$seq_bodies $(c "$BASE/oai?verb=ListRecords&metadataPrefix=oai_dc")"; done
check "sequential responses, last repeats" " first second last last" "$seq_bodies"
check "null match needs absent param" "token page" \
    "$(c "$BASE/oai?verb=ListRecords&resumptionToken=t1")"
check "POST form body" "token page" \
    "$(c -d 'verb=ListRecords&resumptionToken=t1' "$BASE/oai")"
check "no rule -> 404" "404" "$(c -o /dev/null -w '%{http_code}' "$BASE/oai?verb=Nope")"

check "gzip body" "<ListSets>compressed</ListSets>" \
    "$(c --compressed "$BASE/oai?verb=ListSets")"
check "gzip header" "1" \
    "$(c --compressed -D - -o /dev/null "$BASE/oai?verb=ListSets" | grep -ci '^content-encoding: gzip')"
check "deflate body" "zipped" "$(c --compressed "$BASE/oai?verb=ListMetadataFormats")"

HDRS="$(c -D - -o /dev/null "$BASE/oai?verb=GetRecord")"
check "503 status" "503" "$(printf '%s' "$HDRS" | head -1 | awk '{print $2}')"
check "Retry-After header" "2" \
    "$(printf '%s' "$HDRS" | tr -d '\r' | sed -n 's/^[Rr]etry-[Aa]fter: //p')"
check "body_file after 503" "<r>from file</r>" "$(c "$BASE/oai?verb=GetRecord")"

check "body_template" "$BASE/x?p=$PORT" "$(c "$BASE/tmpl")"
check "body_hex" "41ff0142" "$(c "$BASE/hex" | od -An -tx1 | tr -d ' \n')"

c "$BASE/reset" >/dev/null 2>&1
check "reset -> curl error 56 (recv failure)" "56" "$?"
timeout 20 curl -sS --max-time 1 "$BASE/stall" >/dev/null 2>&1
check "stall -> curl timeout 28" "28" "$?"
check "trickle delivers whole body" "abcd" "$(c "$BASE/trickle")"
check "endless streams until client quits" "1" \
    "$(timeout 20 curl -s --max-time 10 "$BASE/endless" | head -c 200000 | wc -c \
       | awk '{print ($1 == 200000)}')"

# Request log: one JSON line per request, with decoded params and headers.
check "log line count" "22" "$(wc -l <"$WORK/requests.log" | tr -d ' ')"
check "log first line" "GET /oai verb=Identify ['Identify'] curl" "$(head -1 "$WORK/requests.log" | python3 -c '
import json, sys
e = json.loads(sys.stdin.readline())
print(e["method"], e["path"], e["query"], e["params"]["verb"], e["headers"]["user-agent"].split("/")[0])')"
check "log POST body as query" "POST verb=ListRecords&resumptionToken=t1" \
    "$(grep '"POST"' "$WORK/requests.log" | python3 -c '
import json, sys
e = json.loads(sys.stdin.readline())
print(e["method"], e["query"])')"

# Closing our end of the fifo is stdin EOF: the server must exit promptly.
exec 3>&-
exited=0
for _ in $(seq 50); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then exited=1; break; fi
    sleep 0.1
done
check "exits on stdin EOF" "1" "$exited"
if [ "$exited" = 1 ]; then
    wait "$SERVER_PID"
    check "exit status 0" "0" "$?"
    SERVER_PID=""
fi

if [ -s "$WORK/stderr" ]; then
    echo "server stderr:"; cat "$WORK/stderr"
fi
if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed"; exit 1
fi
echo "all checks passed"
