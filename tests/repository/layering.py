#!/usr/bin/env python3
"""The layering of docs/architecture.md, checked on every #include of the tree.

    layering.py SOURCE_DIR

Modules and what each may include (its own headers and those of the modules
below it):  oai <- store <- harvester <- validator, provider <- cli.  Besides:
  - outside store/, nobody includes the store's engines or its internal
    headers (store/sqlite/, store/postgres/, backend.h, ...): callers use
    store.h, query.h, harvest_lock.h and host_leases.h;
  - the HTTP transport (provider_http: http_server, connection_table,
    http_framing, http_message, compression) includes nothing of OAI-PMH;
  - harvester and provider never include each other, nor validator and provider.
Exits 1 and names every include that breaks a rule."""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1]).resolve()
BELOW = {
    "oai": {"oai"},
    "store": {"oai", "store"},
    "harvester": {"oai", "store", "harvester"},
    "provider": {"oai", "store", "provider"},
    "validator": {"oai", "store", "harvester", "validator"},
    "cli": {"oai", "store", "harvester", "provider", "validator", "cli"},
}
STORE_PUBLIC = {"store/store.h", "store/query.h", "store/store_error.h", "store/migrations.h",
                "store/harvest_lock.h", "store/host_leases.h", "store/prepared_records.h"}
HTTP_TRANSPORT = {"http_server", "connection_table", "http_framing", "http_message", "compression"}
HTTP_ALLOWED = {f"provider/{name}.h" for name in HTTP_TRANSPORT} | {"provider/provider_error.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)

problems = []
for path in sorted(ROOT.rglob("*")):
    if path.suffix not in (".h", ".cc") or "build" in path.relative_to(ROOT).parts[0]:
        continue
    relative = path.relative_to(ROOT)
    module = relative.parts[0]
    for included in INCLUDE.findall(path.read_text(errors="replace")):
        target = included.split("/")[0]
        where = f"{relative}: #include \"{included}\""
        if module in BELOW and target in BELOW and target not in BELOW[module]:
            problems.append(f"{where}: {module}/ may not include {target}/ (docs/architecture.md)")
        if module != "store" and included.startswith("store/") and included not in STORE_PUBLIC \
                and module not in ("tests",):
            problems.append(f"{where}: the store's internals are for store/ only")
        if module == "tests" and (included.startswith("store/sqlite/") or
                                  included.startswith("store/postgres/")) \
                and relative.parts[1] != "store":
            problems.append(f"{where}: only tests/store/ test an engine's parts")
        if module == "provider" and path.stem in HTTP_TRANSPORT and included.startswith(("provider/", "oai/", "store/")) \
                and included not in HTTP_ALLOWED:
            problems.append(f"{where}: the HTTP transport knows nothing of OAI-PMH")

for problem in problems:
    print(f"layering: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print("layering: every include keeps to docs/architecture.md")
