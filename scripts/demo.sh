#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs oaipmh on the bundled default: a sample
# repository on 127.0.0.1 (the seed journal article and 300 synthetic records,
# played by the tests' fixture server) is harvested into build/demo/store.sqlite,
# twice (the second run is incremental), and then `oaipmh serve` publishes that
# store on 127.0.0.1:${OAIPMH_DEMO_PORT:-8080} until Ctrl-C.
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
cat >"$demo/oaipmh.toml" <<EOT
store = "store.sqlite"
[harvest]
politeness_delay = 0
[[source]]
name = "csto"
url = "http://127.0.0.1:$port/csto/oai"
[[source]]
name = "sample"
url = "http://127.0.0.1:$port/sample/oai"
EOT

echo "== oaipmh harvest --config $demo/oaipmh.toml"
build/cli/oaipmh harvest --config "$demo/oaipmh.toml"
echo "== again: incremental from the saved watermark (this sample server ignores from: every record comes back unchanged)"
build/cli/oaipmh harvest --config "$demo/oaipmh.toml"
eval "exec ${SERVER[1]}>&-"
wait "$SERVER_PID" 2>/dev/null || true

store=$demo/store.sqlite
echo "== oaipmh status --store $store"
build/cli/oaipmh status --store "$store"

port=${OAIPMH_DEMO_PORT:-8080}
base=http://127.0.0.1:$port/oai
cat <<EOT

== oaipmh serve --store $store --listen 127.0.0.1:$port   (Ctrl-C stops it)
Try, from another shell:
  curl '$base?verb=Identify'
  curl '$base?verb=ListRecords&metadataPrefix=oai_dc&set=csto'
  curl '$base?verb=ListIdentifiers&metadataPrefix=oai_dc&set=sample'
  build/cli/oaipmh harvest --store /tmp/mirror.sqlite --url $base --name demo
  sqlite3 $store "SELECT r.upstream_identifier FROM dc_fts JOIN records r ON r.id = dc_fts.rowid WHERE dc_fts MATCH 'kyrgyzstan'"
  build/cli/oaipmh --help
EOT
exec build/cli/oaipmh serve --store "$store" --listen "127.0.0.1:$port"
