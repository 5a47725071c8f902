#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs oaipmh on the bundled default: creates
# the demo store in build/demo/ and shows what it holds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

store=build/demo/store.sqlite
mkdir -p build/demo
build/cli/oaipmh init --store "$store"
build/cli/oaipmh status --store "$store"

cat <<EOT

The demo store is $store. Try:
  build/cli/oaipmh --help
  build/cli/oaipmh status --store $store
  sqlite3 $store .schema          # the tables, documented in docs/store.md
EOT
