#!/usr/bin/env python3
"""Tests of `oaipmh validate` against real HTTP servers on 127.0.0.1.

    validate_test.py OAIPMH MODE

MODE is one of:
  broken  every repository of broken_repositories.py: the checks that fail
          are exactly those its FAULTS entry names, the warnings it names
          appear, and the exit status is the one it names;
  serve   what cannot be checked at all exits 2 with one plain line; then
          `oaipmh harvest` takes the `clean` repository (records, deletions,
          sets, two formats) into a new store, `oaipmh serve` republishes it,
          and `oaipmh validate` finds nothing: no failure, no warning; the
          text and JUnit reports are checked too;
  real    the captured real responses, each served as its verb's answer of a
          repository (real/<file>/oai): the verdicts of the XML checks are
          those REAL_VERDICTS documents below.
Every server is started here, binds 127.0.0.1, and is stopped by PID."""
import concurrent.futures
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import xml.dom.minidom

HERE = pathlib.Path(__file__).resolve().parent
OAIPMH = sys.argv[1]
MODE = sys.argv[2]
TIMEOUT = 120  # seconds for one validate run

# The captured real responses, each served as the answer to its verb by a
# repository whose other answers are correct: the XML checks each capture
# fails, and why. Every capture also fails xml.request-url, because its
# <request> names the repository it was captured from, not ours; every other
# XML check passes or is skipped.
REAL_VERDICTS = {
    # no XML declaration
    "invenio-oaiharvester/sample_arxiv_response.xml": {"xml.declaration"},
    "invenio-oaiharvester/sample_inspire_response_listrecords.xml": {"xml.declaration"},
    "phpoaipmh/NamespacedSample.xml": {"xml.declaration"},
    # an xml-stylesheet instruction before the root and no declaration
    # (Zenodo's error pages and some of its list pages)
    "oaipmh-scythe/list_records.yaml.2.xml": {"xml.declaration"},
    "oaipmh-scythe/list_records.yaml.3.xml": {"xml.declaration"},
    "oaipmh-scythe/list_records.yaml.6.xml": {"xml.declaration"},
    "oaipmh-scythe/list_records.yaml.10.xml": {"xml.declaration"},
    # no declaration; root and payload in no namespace at all
    "invenio-oaiharvester/sample_arxiv_response_no_namespace.xml": {"xml.declaration", "xml.schema"},
    # completeListSize="ssss"
    "metis-framework/oaiListIdentifiersIncorrectCompleteListSize.xml": {"xml.schema"},
    # no declaration; expirationDate and datestamps with milliseconds
    "oai-pmh-client-js/01/response01.xml": {"xml.declaration", "xml.schema", "xml.date-forms",
                                            "xml.response-date"},
    # no declaration; bare text inside <metadata>
    "shell-oaiharvester/oaipage.xml": {"xml.declaration", "xml.schema"},
    # no encoding declaration; responseDate with a +05:45 offset
    "vufindharvest/subjectsplus.xml": {"xml.declaration", "xml.response-date"},
    # the ten bytes 'broken xml'
    "sickle/ListRecordsBroken.xml": {"xml.well-formed"},
    # Identify not well-formed: an unclosed <bogus>; an undefined entity
    "pyoai/fake3/00001.xml": {"xml.well-formed"},
    "pyoai/fake4/00001.xml": {"xml.well-formed"},
}
# Not XML at all, so there is no <request> to compare.
NO_REQUEST_ELEMENT = {"sickle/ListRecordsBroken.xml"}


def start_repositories(work: pathlib.Path):
    port_file = work / "port"
    log = open(work / "repositories.log", "w")
    server = subprocess.Popen(
        [sys.executable, str(HERE / "broken_repositories.py"), "--port-file", str(port_file),
         "--lifetime", "540"], stdout=log, stderr=log)
    for _ in range(100):
        if port_file.exists():
            return server, int(port_file.read_text())
        time.sleep(0.1)
    server.kill()
    raise SystemExit("broken_repositories.py did not start")


def validate(url: str, *extra: str):
    """Runs oaipmh validate; returns (exit status, parsed JSON or None, stderr)."""
    run = subprocess.run([OAIPMH, "validate", url, "--delay", "0", "--format", "json", *extra],
                         capture_output=True, text=True, timeout=TIMEOUT)
    report = json.loads(run.stdout) if run.stdout.strip() else None
    return run.returncode, report, run.stderr


def verdicts(report, verdict: str):
    return {check["name"] for check in report["checks"] if check["verdict"] == verdict}


def broken(port: int) -> list:
    table = json.loads(subprocess.check_output(
        [sys.executable, str(HERE / "broken_repositories.py"), "--list-json"]))
    table.pop("real", None)
    problems = []
    # Four validators at once: each keeps to one connection, the fixture
    # server answers many.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(table, pool.map(lambda name: validate(f"http://127.0.0.1:{port}/{name}/oai"), table)))
    for name, expected in table.items():
        status, report, stderr = runs[name]
        where = f"{name} ({expected['fault']})"
        if status != expected["exit"]:
            problems.append(f"{where}: exit {status}, expected {expected['exit']}: {stderr.strip()}")
        if report is None:
            if expected["exit"] != 2:
                problems.append(f"{where}: no report")
            continue
        failed = verdicts(report, "fail")
        if failed != set(expected["fails"]):
            details = "; ".join(f"{c['name']}: {c['message']}" for c in report["checks"]
                                if c["name"] in failed ^ set(expected["fails"]))
            problems.append(f"{where}: failed {sorted(failed)}, expected {sorted(expected['fails'])}: {details}")
        missing = set(expected["warns"]) - verdicts(report, "warning")
        if missing:
            problems.append(f"{where}: warnings {sorted(missing)} missing")
        print(f"{name}: exit {status}, failed {sorted(failed)}, warned {sorted(verdicts(report, 'warning'))}")
    return problems


def usage_errors(port: int) -> list:
    """Exit status 2, and one plain line, for what cannot be checked at all."""
    problems = []
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    for arguments, said in [
            (["ftp://127.0.0.1/oai"], "must begin with http:// or https://"),
            ([f"http://127.0.0.1:{port}/clean/oai?verb=Identify"], "without a query"),
            ([f"http://127.0.0.1:{port}/clean/oai", "--only", "nonsense"], "not a group"),
            ([f"http://127.0.0.1:{port}/clean/oai", "--format", "yaml"], "yaml"),
            ([f"http://127.0.0.1:{closed_port}/oai"], "cannot reach"),
            ([f"http://127.0.0.1:{port}/html-everywhere/oai"], "this URL answers an HTML page")]:
        run = subprocess.run([OAIPMH, "validate", *arguments, "--delay", "0"], capture_output=True,
                             text=True, timeout=TIMEOUT)
        if run.returncode != 2 or said not in run.stderr:
            problems.append(f"validate {arguments}: exit {run.returncode}, stderr {run.stderr!r}")
    return problems


def serve(port: int, work: pathlib.Path) -> list:
    problems = usage_errors(port)
    store = work / "clean.sqlite"
    harvest = subprocess.run(
        [OAIPMH, "harvest", "--store", str(store), "--url", f"http://127.0.0.1:{port}/clean/oai",
         "--name", "clean", "--prefix", "test_fmt", "--politeness-delay", "0", "-q"],
        capture_output=True, text=True, timeout=TIMEOUT)
    if harvest.returncode != 0:
        return problems + [f"harvest of clean failed: {harvest.stderr}"]
    # Pages of 10, so the 23 records and their deletions span pages with
    # resumption tokens, cursors and expiration dates.
    config = work / "serve.toml"
    config.write_text(f'store = "{store}"\n[provider]\nlisten = "127.0.0.1:0"\n'
                      'records_per_page = 10\nidentifiers_per_page = 10\n')
    # Our datestamps are the moment of the harvest (AG-1), so a validation
    # right after it sees datestamps that read "now": no warning unless
    # they move between requests (harvest.datestamps).
    log = open(work / "serve.log", "w")
    server = subprocess.Popen([OAIPMH, "serve", "--config", str(config)], stdout=log, stderr=log)
    try:
        url = None
        for _ in range(100):
            text = (work / "serve.log").read_text()
            if "listening on " in text:
                url = text.split("listening on ")[1].split()[0]
                break
            time.sleep(0.1)
        if url is None:
            return problems + ["oaipmh serve did not start"]
        status, report, stderr = validate(url)
        if status != 0:
            problems.append(f"validate of our serve: exit {status} {stderr}")
        for check in report["checks"]:
            if check["verdict"] in ("fail", "warning"):
                problems.append(f"our serve: {check['name']} {check['verdict']}: {check['message']}")
        skipped = verdicts(report, "skipped")
        if skipped - {"http.retry-after", "http.redirects", "errors.finer-granularity"}:
            problems.append(f"our serve: unexpected skips {sorted(skipped)}")
        print(f"our serve: {report['summary']} in {report['requests']} requests")
        # The other two formats of the same run.
        text = subprocess.run([OAIPMH, "validate", url, "--delay", "0"], capture_output=True,
                              text=True, timeout=TIMEOUT)
        if "Summary: " not in text.stdout or "0 failed" not in text.stdout or "\033[" in text.stdout:
            problems.append(f"text report: {text.stdout[-400:]}")
        junit = subprocess.run([OAIPMH, "validate", url, "--delay", "0", "--format", "junit"],
                               capture_output=True, text=True, timeout=TIMEOUT)
        cases = xml.dom.minidom.parseString(junit.stdout).getElementsByTagName("testcase")
        if len(cases) != len(report["checks"]):
            problems.append(f"junit: {len(cases)} test cases for {len(report['checks'])} checks")
        return problems
    finally:
        server.terminate()
        server.wait(timeout=30)


def real(port: int) -> list:
    table = json.loads(subprocess.check_output(
        [sys.executable, str(HERE / "broken_repositories.py"), "--list-json"]))["real"]
    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(table, pool.map(
            lambda path: validate(f"http://127.0.0.1:{port}/real/{path}/oai", "--only", "xml"),
            table)))
    for path, verb in sorted(table.items()):
        status, report, stderr = runs[path]
        if report is None:
            problems.append(f"{path}: no report, exit {status}: {stderr.strip()}")
            continue
        failed = verdicts(report, "fail")
        expected = set(REAL_VERDICTS.get(path, set()))
        if path not in NO_REQUEST_ELEMENT:
            expected.add("xml.request-url")
        print(f"{path} ({verb}): exit {status}, failed {sorted(failed)}")
        if failed != expected:
            problems.append(f"{path}: failed {sorted(failed)}, expected {sorted(expected)}")
        if status != 1:
            problems.append(f"{path}: exit {status}, expected 1")
    return problems


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="oaipmh-validate-test.") as directory:
        work = pathlib.Path(directory)
        server, port = start_repositories(work)
        try:
            problems = {"broken": broken, "serve": lambda p: serve(p, work), "real": real}[MODE](port)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
