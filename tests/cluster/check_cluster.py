#!/usr/bin/env python3
"""Checks for tests/cluster/serve_behind_nginx.sh (standard library only).

  check_cluster.py walk --via URL --direct URL,URL,... --prefixes P,P --out FILE
      Walks ListRecords and ListIdentifiers of every prefix through the load
      balancer (--via). Every page is also fetched, with the same arguments or
      resumption token, from each serve process directly (--direct), and its
      items must be byte-equal to the balancer's: a token made by one process
      is honoured by every other, and gives the same page. Each list must be
      complete: no identifier twice, cursor = items before the page, as many
      items as completeListSize, the last page with an empty token; and the
      headers of ListIdentifiers must be those of ListRecords, in order.
      Writes the records served (the truth) to FILE as JSON; prints one line
      a list and the last resumption token seen (for a later negative check).

  check_cluster.py compare-store --truth FILE --store SQLITE --source NAME
      The store a harvest wrote (source NAME) must hold exactly the records
      served: same identifiers, datestamps, deleted flags, setSpecs, and
      metadata byte for byte, in every prefix; nothing missing, nothing more.

  check_cluster.py access-log --log FILE [--from LINE] [--to LINE] [--dead ADDR]
      Counts the pages (requests with a resumptionToken) each upstream answered
      in nginx's access log (lines FROM..TO, 1-based, TO exclusive), from the
      format "$msec\\t$upstream_addr\\t$status\\t$upstream_status\\t$request_uri".
      Prints "ADDR PAGES" lines, the number of requests and of those nginx
      retried on another upstream, and how many pages came from another
      process than the page before (a harvester asks one at a time); fails if
      an answer was not 200, or if --dead ADDR answered any page of the range.

Exit status 0 when every check holds, 1 otherwise (the reason on stderr).
"""
import argparse
import json
import re
import sqlite3
import sys
import urllib.parse
import urllib.request

TIMEOUT = 20  # seconds for one request; every serve here answers in milliseconds


def fail(message):
    print(f"check_cluster: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def fetch(base, params):
    url = base + "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:  # HTTPError (not 200) and URLError are OSErrors
        fail(f"{url}: {error}")


TOKEN = re.compile(r"<resumptionToken([^>]*?)(?:/>|>([^<]*)</resumptionToken>)")
ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
ERROR = re.compile(r'<error code="([^"]+)"')


def split_page(body, verb):
    """(the items' text, byte for byte; token attributes; token) of a list page."""
    error = ERROR.search(body)
    if error:
        fail(f"{verb}: OAI-PMH error {error.group(1)}")
    start = body.find(f"<{verb}>")
    end = body.find(f"</{verb}>")
    if start < 0 or end < 0:
        fail(f"{verb}: not a {verb} response: {body[:300]!r}")
    inner = body[start + len(verb) + 2:end]
    match = TOKEN.search(inner)
    if not match:
        return inner, {}, ""
    return inner[:match.start()], dict(ATTRIBUTE.findall(match.group(1))), match.group(2) or ""


RECORD = re.compile(r"<record>(.*?)</record>", re.S)
HEADER = re.compile(r"<header( status=\"deleted\")?>(.*?)</header>", re.S)


def parse_header(text):
    match = HEADER.fullmatch(text) or HEADER.match(text)
    if not match:
        fail(f"not a header: {text[:200]!r}")
    inner = match.group(2)
    identifier = re.search(r"<identifier>([^<]*)</identifier>", inner).group(1)
    datestamp = re.search(r"<datestamp>([^<]*)</datestamp>", inner).group(1)
    sets = re.findall(r"<setSpec>([^<]*)</setSpec>", inner)
    return {"identifier": identifier, "datestamp": datestamp,
            "deleted": bool(match.group(1)), "sets": sets}


def parse_records(items):
    records = []
    for match in RECORD.finditer(items):
        text = match.group(1)
        header_end = text.index("</header>") + len("</header>")
        record = parse_header(text[:header_end])
        rest = text[header_end:]
        metadata = None
        if rest.startswith("<metadata>"):
            metadata = rest[len("<metadata>"):rest.index("</metadata>")]
        record["metadata"] = metadata
        records.append(record)
    return records


def parse_headers(items):
    return [parse_header(m.group(0)) for m in re.finditer(r"<header[ >].*?</header>", items, re.S)]


def walk_list(via, direct, verb, prefix):
    """Every item of one list, checking each page against every direct serve."""
    items_of = parse_records if verb == "ListRecords" else parse_headers
    params = {"verb": verb, "metadataPrefix": prefix}
    items, seen, pages, size, last_token = [], set(), 0, None, ""
    while True:
        page_items, attributes, token = split_page(fetch(via, params), verb)
        for base in direct:
            other_items, other_attributes, _ = split_page(fetch(base, params), verb)
            if other_items != page_items:
                fail(f"{verb} {prefix} page {pages + 1}: {base} answered other items than the balancer")
            for key in ("cursor", "completeListSize"):
                if other_attributes.get(key) != attributes.get(key):
                    fail(f"{verb} {prefix} page {pages + 1}: {base} has {key}="
                         f"{other_attributes.get(key)}, the balancer {attributes.get(key)}")
        parsed = items_of(page_items)
        if not parsed:
            fail(f"{verb} {prefix} page {pages + 1}: no items")
        if attributes:
            if int(attributes.get("cursor", "-1")) != len(items):
                fail(f"{verb} {prefix} page {pages + 1}: cursor {attributes.get('cursor')},"
                     f" {len(items)} items before it")
            page_size = int(attributes.get("completeListSize", "-1"))
            if size is None:
                size = page_size
            elif page_size != size:
                fail(f"{verb} {prefix}: completeListSize changed from {size} to {page_size}")
        for item in parsed:
            if item["identifier"] in seen:
                fail(f"{verb} {prefix}: {item['identifier']} served twice")
            seen.add(item["identifier"])
        items += parsed
        pages += 1
        if not token:
            break
        last_token = token
        params = {"verb": verb, "resumptionToken": token}
    if size is not None and len(items) != size:
        fail(f"{verb} {prefix}: {len(items)} items, completeListSize {size}")
    return items, pages, last_token


def walk(args):
    direct = [url for url in args.direct.split(",") if url]
    truth, last_token = {}, ""
    for prefix in args.prefixes.split(","):
        records, record_pages, last_token = walk_list(args.via, direct, "ListRecords", prefix)
        headers, header_pages, _ = walk_list(args.via, direct, "ListIdentifiers", prefix)
        bare = [{k: r[k] for k in ("identifier", "datestamp", "deleted", "sets")} for r in records]
        if bare != headers:
            fail(f"{prefix}: ListIdentifiers does not list the headers of ListRecords, in order")
        deleted = sum(r["deleted"] for r in records)
        print(f"{prefix}: ListRecords {len(records)} records ({deleted} deleted) in {record_pages} pages,"
              f" ListIdentifiers {len(headers)} in {header_pages} pages; every page the same"
              f" from the balancer and from each of {len(direct)} serve processes")
        truth[prefix] = records
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(truth, out)
    print(f"token {last_token}")


def difference(stored, served):
    """Where two values part, with a little context."""
    stored, served = str(stored), str(served)
    at = next((i for i, (a, b) in enumerate(zip(stored, served)) if a != b), min(len(stored), len(served)))
    start = max(0, at - 40)
    return f"at character {at}: stored {stored[start:at + 40]!r}, served {served[start:at + 40]!r}"


def compare_store(args):
    with open(args.truth, encoding="utf-8") as file:
        truth = json.load(file)
    db = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    rows = db.execute(
        """SELECT r.id, r.upstream_identifier, r.metadata_prefix, r.upstream_datestamp, r.deleted,
                  r.metadata
           FROM records r JOIN sources s ON s.id = r.source_id WHERE s.name = ?""",
        (args.source,)).fetchall()
    sets = {}
    for record_id, spec in db.execute("SELECT record_id, set_spec FROM record_sets"):
        sets.setdefault(record_id, []).append(spec)
    stored = {}
    for record_id, identifier, prefix, datestamp, deleted, metadata in rows:
        stored[(prefix, identifier)] = {"identifier": identifier, "datestamp": datestamp,
                                        "deleted": bool(deleted),
                                        "sets": sorted(sets.get(record_id, [])),
                                        "metadata": metadata}
    served = {}
    for prefix, records in truth.items():
        for record in records:
            served[(prefix, record["identifier"])] = dict(record, sets=sorted(record["sets"]))
    missing = served.keys() - stored.keys()
    extra = stored.keys() - served.keys()
    if missing:
        fail(f"{args.store}: {len(missing)} records served are missing, e.g. {sorted(missing)[:3]}")
    if extra:
        fail(f"{args.store}: {len(extra)} records were never served, e.g. {sorted(extra)[:3]}")
    for key, record in served.items():
        for field in ("datestamp", "deleted", "sets", "metadata"):
            if stored[key][field] != record[field]:
                fail(f"{args.store}: {key}: {field} differs: {difference(stored[key][field], record[field])}")
    by_prefix = {}
    for prefix, _ in served:
        by_prefix[prefix] = by_prefix.get(prefix, 0) + 1
    counts = ", ".join(f"{n} {p}" for p, n in sorted(by_prefix.items()))
    print(f"{args.store}: exactly the records served ({counts}): identifiers, datestamps,"
          f" deleted flags, setSpecs and metadata byte for byte")


def access_log(args):
    with open(args.log, encoding="utf-8") as file:
        lines = file.read().splitlines()
    lines = lines[args.from_line - 1:(args.to_line - 1) if args.to_line else None]
    pages, retried, requests, switches, previous = {}, 0, 0, 0, None
    for line in lines:
        fields = line.split("\t")
        if len(fields) != 5:
            fail(f"{args.log}: unexpected line {line!r}")
        _, upstreams, status, _, uri = fields
        requests += 1
        if status != "200":
            fail(f"{args.log}: status {status}: {line!r}")
        tried = [u.strip() for u in upstreams.split(",")]
        if len(tried) > 1:
            retried += 1
        if "resumptionToken=" not in uri:
            continue
        answered = tried[-1]
        if args.dead and answered == args.dead:
            fail(f"{args.log}: a page was answered by {args.dead}, which was stopped: {line!r}")
        pages[answered] = pages.get(answered, 0) + 1
        switches += previous is not None and answered != previous
        previous = answered
    for upstream in sorted(pages):
        print(f"{upstream} {pages[upstream]}")
    print(f"requests {requests} retried {retried}")
    print(f"pages {sum(pages.values())} switches {switches}")


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("walk")
    p.add_argument("--via", required=True)
    p.add_argument("--direct", required=True)
    p.add_argument("--prefixes", required=True)
    p.add_argument("--out", required=True)
    p = commands.add_parser("compare-store")
    p.add_argument("--truth", required=True)
    p.add_argument("--store", required=True)
    p.add_argument("--source", required=True)
    p = commands.add_parser("access-log")
    p.add_argument("--log", required=True)
    p.add_argument("--from", dest="from_line", type=int, default=1)
    p.add_argument("--to", dest="to_line", type=int, default=0)
    p.add_argument("--dead", default="")
    args = parser.parse_args()
    {"walk": walk, "compare-store": compare_store, "access-log": access_log}[args.command](args)


if __name__ == "__main__":
    main()
