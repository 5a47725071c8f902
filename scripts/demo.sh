#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs oaipmh on the bundled default:
#  1. the bundled records (the seed journal article, tests/fixtures/seed, and
#     300 synthetic records from bench/make_page_chain) become a sample store,
#     harvested from the tests' fixture server;
#  2. `oaipmh serve` publishes that sample store on 127.0.0.1 (a port of its own);
#  3. `oaipmh harvest` harvests it into build/demo/store.sqlite, twice (the
#     second run is incremental: nothing new);
#  4. `oaipmh serve` publishes the demo store on 127.0.0.1:${OAIPMH_DEMO_PORT:-8080}
#     until Ctrl-C. Running the script again starts from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

demo=build/demo
rm -rf "$demo"
mkdir -p "$demo/pages"
build/bench/make_page_chain 300 100 "$demo/pages" >/dev/null

# Each source's Identify declares its own base URL.
for source in csto sample; do
  sed "s|{{BASE}}/oai|{{BASE}}/$source/oai|g" tests/fixtures/harvest/identify-seconds.xml \
    >"$demo/identify-$source.xml"
done
python3 - "$demo" <<'PY'
import json, os, sys
demo = os.path.abspath(sys.argv[1])
fixtures = os.path.abspath("tests/fixtures")
def file(path, template=True):
    return {"body_file": path, "body_template": template}
rules = []
for source in ("csto", "sample"):
    path = f"/{source}/oai"
    rules += [
        {"path": path, "match": {"verb": "Identify"}, "responses": [file(f"{demo}/identify-{source}.xml")]},
        {"path": path, "match": {"verb": "ListMetadataFormats"},
         "responses": [file(f"{fixtures}/harvest/list-metadata-formats.xml")]},
        {"path": path, "match": {"verb": "ListSets"}, "responses": [file(f"{fixtures}/harvest/list-sets.xml")]},
    ]
rules.append({"path": "/csto/oai", "match": {"verb": "ListRecords"},
              "responses": [file(f"{fixtures}/seed/ListRecords-csto-kyrgyzstan.xml", False)]})
for rule in json.load(open(f"{demo}/pages/chain-rules.json")):
    rule["path"] = "/sample/oai"
    rules.append(rule)
json.dump({"rules": rules}, open(f"{demo}/scenario.json", "w"), indent=1)
PY

coproc SERVER { exec python3 tests/fixture_server/fixture_server.py \
  --scenario "$demo/scenario.json" --max-seconds 300; }
read -r _ port <&"${SERVER[0]}"
cat >"$demo/sample.toml" <<EOT
store = "sample.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "csto"
url = "http://127.0.0.1:$port/csto/oai"
[[source]]
name = "sample"
url = "http://127.0.0.1:$port/sample/oai"
EOT

echo "== the bundled records: oaipmh harvest --config $demo/sample.toml"
build/cli/oaipmh harvest --config "$demo/sample.toml"
eval "exec ${SERVER[1]}>&-"
wait "$SERVER_PID" 2>/dev/null || true

# The sample repository: our own provider over the sample store.
build/cli/oaipmh serve --store "$demo/sample.sqlite" --listen 127.0.0.1:0 \
  --repository-identifier sample.example.org --repository-name "oaipmh sample repository" \
  2>"$demo/sample-serve.log" &
sample_pid=$!
trap 'kill "$sample_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$demo/sample-serve.log" && break; sleep 0.1; done
sample_url=$(grep -o 'http://127.0.0.1:[0-9]*/oai' "$demo/sample-serve.log" | head -1)
cat >"$demo/oaipmh.toml" <<EOT
store = "store.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "sample"
url = "$sample_url"
EOT
echo "== oaipmh harvest --config $demo/oaipmh.toml   (from $sample_url)"
build/cli/oaipmh harvest --config "$demo/oaipmh.toml"
echo "== again: incremental, from the saved watermark"
build/cli/oaipmh harvest --config "$demo/oaipmh.toml"
kill "$sample_pid"
wait "$sample_pid" 2>/dev/null || true
trap - EXIT

store=$demo/store.sqlite
echo "== oaipmh status --store $store"
build/cli/oaipmh status --store "$store"

port=${OAIPMH_DEMO_PORT:-8080}
base=http://127.0.0.1:$port/oai
cat <<EOT

== oaipmh serve --store $store --listen 127.0.0.1:$port   (Ctrl-C stops it)
Try, from another shell:
  curl '$base?verb=Identify'
  curl '$base?verb=ListRecords&metadataPrefix=oai_dc&set=sample:csto'
  curl '$base?verb=ListIdentifiers&metadataPrefix=oai_dc&set=sample:sample'
  build/cli/oaipmh query --store $store Kyrgyzstan
  build/cli/oaipmh query --store $store --date-from 2024 --date-to 2024 --format jsonl
  build/cli/oaipmh status --store $store
  build/cli/oaipmh harvest --store /tmp/mirror.sqlite --url $base --name demo
  build/cli/oaipmh --help
EOT
exec build/cli/oaipmh serve --store "$store" --listen "127.0.0.1:$port"
