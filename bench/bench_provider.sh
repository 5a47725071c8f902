# shellcheck shell=bash
# Provider benchmark of scripts/bench.sh (sourced; defines functions only).
# Uses: $work, $build, $oaipmh, $seconds, result, step (bench/bench_lib.sh).

# The command of each wrk row, by row key (serve.getrecord_64, ...).
declare -A WRK_COMMAND=()

# wrk_row KEY CONNECTIONS URL [wrk options...]: one wrk run; results
# KEY.{rps,mean_ms,p99_ms,non2xx,errors}, where rps counts only the 2xx
# responses (a 503 is quick and would flatter the figure).
wrk_row() {
  local key=$1 connections=$2 url=$3
  shift 3
  local threads=$((connections < 2 ? 1 : 2))
  local out=$work/wrk-$key.txt
  step "wrk $key"
  [[ $key != serve.* ]] || serve_settle
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$@" "$url" >"$out"
  local shown="wrk -t$threads -c$connections -d${seconds}s --latency" option
  for option in "$@"; do
    [[ $option == *" "* ]] && shown+=" '$option'" || shown+=" $option"
  done
  WRK_COMMAND[$key]=$shown
  local figures
  figures=$(awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000
      if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000
      if (v ~ /s$/) return v * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    / requests in / { requests = $1 }
    $1 == "Latency" && $2 != "Distribution" { mean = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(/[^0-9 ]/, ""); for (i = 1; i <= NF; ++i) errors += $i }
    END {
      ok = requests > 0 ? rps * (requests - non2xx) / requests : 0
      printf "%.0f %.2f %.2f %d %d\n", ok, mean, p99, non2xx, errors
    }' "$out")
  local rps mean p99 non2xx errors
  read -r rps mean p99 non2xx errors <<<"$figures"
  result "$key.rps" "$rps"
  result "$key.mean_ms" "$mean"
  result "$key.p99_ms" "$p99"
  result "$key.non2xx" "$non2xx"
  result "$key.errors" "$errors"
}

# serve_settle: waits (up to 30 s) until `oaipmh serve` has answered the
# requests a previous wrk run left in flight, so they do not fill the next
# run's max_in_flight.
serve_settle() {
  local metrics=${serve_url%/oai}/metrics _
  for _ in $(seq 300); do
    curl -sf "$metrics" | awk '$1 == "oaipmh_requests_in_flight" && $2 == 0 { found = 1 } END { exit !found }' &&
      return 0
    sleep 0.1
  done
}

# fetch FILE URL [curl options...]: saves one response body; fails unless 200.
fetch() {
  local file=$1 url=$2
  shift 2
  curl -sf -o "$file" "$@" "$url" || { echo "bench: cannot fetch $url" >&2; return 1; }
}

# start_serve STORE: `oaipmh serve` on a free port; sets serve_pid, serve_url.
start_serve() {
  "$oaipmh" serve --store "$1" --listen 127.0.0.1:0 2>"$work/serve.log" &
  serve_pid=$!
  local _
  for _ in $(seq 300); do
    grep -q 'listening on' "$work/serve.log" && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  serve_url=$(grep -o 'listening on http://127.0.0.1:[0-9]*/oai' "$work/serve.log" | head -1 | cut -d' ' -f3)
  [[ -n $serve_url ]] || { echo "bench: oaipmh serve did not start:" >&2; cat "$work/serve.log" >&2; return 1; }
}

# start_nginx DOCROOT: nginx (not a daemon, $(nproc) workers) serving DOCROOT
# as static files on a free loopback port; /gzip/NAME is NAME.gz with
# Content-Encoding: gzip (gzip_static). Sets nginx_pid, nginx_url.
start_nginx() {
  local docroot=$1 dir=$work/nginx port attempt _
  mkdir -p "$dir/temp"
  chmod 755 "$dir"
  for attempt in 1 2 3; do
    port=$(free_port)
    cat >"$dir/nginx.conf" <<EOT
worker_processes $(nproc);
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/temp/body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { }
  default_type "text/xml; charset=UTF-8";
  server {
    listen 127.0.0.1:$port;
    root $docroot;
    location /gzip/ { gzip_static on; }
  }
}
EOT
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' &
    nginx_pid=$!
    nginx_url=http://127.0.0.1:$port
    for _ in $(seq 50); do
      curl -sf -o /dev/null "$nginx_url/getrecord.xml" && return 0
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    nginx_pid=""
  done
  echo "bench: nginx did not start:" >&2
  cat "$dir/error.log" >&2
  return 1
}

# provider_bench STORE RECORDS: `oaipmh serve` over STORE under wrk (GetRecord,
# the first ListRecords page, gzip, a page 90 % deep), its peak RSS, and
# nginx serving the same response bytes as static files.
provider_bench() {
  local store=$1 records=$2
  local identifier="oai:aggregator.example.org:bench/oai:bench.example.org:$((records / 2))"
  local deep=$((records * 9 / 10))
  result provider.records "$records"
  result provider.deep_position "$deep"
  start_serve "$store"
  local get_record="$serve_url?verb=GetRecord&metadataPrefix=oai_dc&identifier=${identifier//:/%3A}"
  local first_page="$serve_url?verb=ListRecords&metadataPrefix=oai_dc"
  local deep_page
  deep_page="$serve_url?verb=ListRecords&resumptionToken=$("$build/bench/make_token" "$store" "$deep")"

  # The response bytes, for nginx and to check each request works.
  local docroot=$work/www
  mkdir -p "$docroot/gzip"
  fetch "$docroot/getrecord.xml" "$get_record"
  fetch "$docroot/page.xml" "$first_page"
  fetch "$docroot/gzip/page.xml.gz" "$first_page" -H 'Accept-Encoding: gzip'
  cp "$docroot/page.xml" "$docroot/gzip/page.xml"
  gzip -t "$docroot/gzip/page.xml.gz"
  fetch "$work/deep.xml" "$deep_page"
  grep -q '<GetRecord>' "$docroot/getrecord.xml"
  grep -q '<ListRecords>' "$docroot/page.xml"
  grep -q '<ListRecords>' "$work/deep.xml"
  result provider.getrecord_bytes "$(stat -c %s "$docroot/getrecord.xml")"
  result provider.page_bytes "$(stat -c %s "$docroot/page.xml")"
  result provider.gzip_bytes "$(stat -c %s "$docroot/gzip/page.xml.gz")"

  wrk_row serve.getrecord_1 1 "$get_record"
  wrk_row serve.getrecord_64 64 "$get_record"
  wrk_row serve.page_1 1 "$first_page"
  wrk_row serve.page_64 64 "$first_page"
  wrk_row serve.gzip_64 64 "$first_page" -H 'Accept-Encoding: gzip'
  wrk_row serve.deep_1 1 "$deep_page"
  wrk_row serve.deep_64 64 "$deep_page"
  result serve.rss_mb "$(awk '/^VmHWM:/ { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$serve_pid/status")"
  result deep.ratio "$(calc "${R[serve.deep_1.mean_ms]} / ${R[serve.page_1.mean_ms]}")"
  kill "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""

  start_nginx "$docroot"
  wrk_row nginx.getrecord_64 64 "$nginx_url/getrecord.xml"
  wrk_row nginx.page_64 64 "$nginx_url/page.xml"
  curl -sf -D "$work/nginx-gzip-headers.txt" -o /dev/null -H 'Accept-Encoding: gzip' "$nginx_url/gzip/page.xml"
  grep -qi '^Content-Encoding: gzip' "$work/nginx-gzip-headers.txt"
  wrk_row nginx.gzip_64 64 "$nginx_url/gzip/page.xml" -H 'Accept-Encoding: gzip'
  kill "$nginx_pid"
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=""
  local server
  for server in getrecord page gzip; do
    result "$server.nginx_ratio" "$(calc "${R[serve.${server}_64.rps]} / ${R[nginx.${server}_64.rps]}" 3)"
  done
}
