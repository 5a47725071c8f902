#!/usr/bin/env python3
"""Scripted HTTP/1.1 fixture server for the oaipmh harvester tests.

Plays real or faulty OAI-PMH repositories on loopback, driven by a JSON
scenario file (see README.md in this directory).  Standard library only.

Usage:
    fixture_server.py --scenario FILE.json [--max-seconds N] [--log FILE]

On startup it binds 127.0.0.1 on an ephemeral port and prints exactly one
line "PORT <n>" to stdout.  It exits after --max-seconds, when its stdin
reaches EOF, or on SIGTERM/SIGINT.
"""

import argparse
import http.server
import json
import os
import pathlib
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import xml.sax.saxutils

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from loopback_server import LoopbackServer, compress  # noqa: E402

ACTIONS = ("reset", "stall", "trickle", "endless")
BODY_SOURCES = ("body", "body_file", "body_hex")
DEFAULT_CONTENT_TYPE = "text/xml; charset=UTF-8"
DEFAULT_FILLER = "<!-- endless -->" * 4096  # 64 KiB per repetition

# Set when the server must exit; handlers that "hang" wait on it.
STOP = threading.Event()


class ScenarioError(Exception):
    """The scenario file is malformed."""


# --------------------------------------------------------------------------
# Scenario


class Rule:
    """One scenario rule: a request matcher plus a sequence of responses."""

    def __init__(self, spec, index):
        self.match = spec.get("match", {})
        self.path = spec.get("path")
        self.responses = spec.get("responses", [])
        if not isinstance(self.match, dict):
            raise ScenarioError(f"rule {index}: 'match' must be an object")
        if not self.responses:
            raise ScenarioError(f"rule {index}: 'responses' must be non-empty")
        for n, response in enumerate(self.responses):
            _validate_response(response, f"rule {index} response {n}")
        self._count = 0
        self._lock = threading.Lock()

    def fits(self, path, params):
        """True if the request path and decoded params satisfy this rule."""
        if self.path is not None and self.path != path:
            return False
        for key, want in self.match.items():
            if want is None:
                if key in params:
                    return False
            elif params.get(key) != [str(want)]:
                return False
        return True

    def next_response(self):
        """The n-th call returns responses[n]; the last one then repeats."""
        with self._lock:
            index = min(self._count, len(self.responses) - 1)
            self._count += 1
        return self.responses[index]


def _validate_response(response, where):
    if not isinstance(response, dict):
        raise ScenarioError(f"{where}: must be an object")
    sources = [key for key in BODY_SOURCES if key in response]
    if len(sources) > 1:
        raise ScenarioError(f"{where}: more than one of {sources}")
    action = response.get("action")
    if action is not None and action not in ACTIONS:
        raise ScenarioError(f"{where}: unknown action {action!r}")
    encoding = response.get("encoding")
    if encoding is not None and encoding not in ("gzip", "deflate"):
        raise ScenarioError(f"{where}: unknown encoding {encoding!r}")


class Scenario:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        scenario_dir = os.path.dirname(os.path.abspath(path))
        # A relative base_dir is taken relative to the scenario file.
        self.base_dir = os.path.normpath(
            os.path.join(scenario_dir, spec.get("base_dir", ".")))
        self.rules = [Rule(r, i) for i, r in enumerate(spec.get("rules", []))]

    def find_rule(self, path, params):
        return next((r for r in self.rules if r.fits(path, params)), None)

    def resolve(self, file_path):
        return os.path.join(self.base_dir, file_path)


# --------------------------------------------------------------------------
# Request log


class RequestLog:
    """Appends one JSON line per request, flushed immediately."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8") if path else None
        self._lock = threading.Lock()

    def write(self, entry):
        if self._file is None:
            return
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()


# --------------------------------------------------------------------------
# Response bodies


def load_body(response, scenario, port, params):
    """Raw body bytes of a response: loaded, templated, then compressed."""
    if "body" in response:
        body = response["body"].encode("utf-8")
    elif "body_file" in response:
        with open(scenario.resolve(response["body_file"]), "rb") as f:
            body = f.read()
    elif "body_hex" in response:
        body = bytes.fromhex(response["body_hex"])
    else:
        body = b""
    if response.get("body_template"):
        # Byte-level replacement works for any ASCII-compatible charset.
        body = body.replace(b"{{PORT}}", str(port).encode())
        body = body.replace(b"{{BASE}}", f"http://127.0.0.1:{port}".encode())
        # {{param:NAME}}: the request's value of NAME, escaped for XML.
        for name, values in params.items():
            escaped = xml.sax.saxutils.escape(values[0], {'"': "&quot;"})
            body = body.replace(f"{{{{param:{name}}}}}".encode(), escaped.encode("utf-8"))
    return compress(body, response.get("encoding"))


# --------------------------------------------------------------------------
# HTTP handler


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # enables keep-alive

    def do_GET(self):
        self.serve(urllib.parse.urlsplit(self.path).query)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        self.serve(raw.decode("utf-8", errors="replace"))

    def log_message(self, format, *args):
        pass  # keep test output quiet; requests go to the --log file

    # -- dispatch ----------------------------------------------------------

    def serve(self, query):
        path = urllib.parse.urlsplit(self.path).path
        params = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.log_request_line(path, query, params)
        rule = self.server.scenario.find_rule(path, params)
        if rule is None:
            self.send_plain(404, "fixture_server: no rule matches this request\n")
            return
        self.respond(rule.next_response(), params)

    def respond(self, response, params):
        try:
            body = load_body(response, self.server.scenario, self.server.server_port, params)
        except OSError as e:  # e.g. a missing body_file: say so loudly
            print(f"fixture_server: {e}", file=sys.stderr, flush=True)
            self.send_plain(500, f"fixture_server: {e}\n")
            return
        try:
            self.send_scripted(response, body)
        except OSError:  # includes ConnectionError: the client went away
            self.close_connection = True

    def log_request_line(self, path, query, params):
        headers = {}
        for name, value in self.headers.items():
            name = name.lower()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.server.request_log.write({
            "time": time.time(),
            "method": self.command,
            "path": path,
            "query": query,
            "params": params,
            "headers": headers,
        })

    def send_plain(self, status, text):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_scripted(self, response, body):
        delay = response.get("delay_seconds")
        if delay:
            STOP.wait(delay)
        action = response.get("action")
        if action == "reset":
            self.reset_connection()
        elif action == "stall":
            self.send_stall(response, body)
        elif action == "trickle":
            self.send_trickle(response, body)
        elif action == "endless":
            self.send_endless(response, body)
        else:
            self.send_head(response, {"Content-Length": str(len(body))})
            self.wfile.write(body)

    # -- response pieces ---------------------------------------------------

    def send_head(self, response, defaults):
        """Status line plus headers; scripted headers override defaults."""
        headers = {"Content-Type": DEFAULT_CONTENT_TYPE, **defaults}
        encoding = response.get("encoding")
        if encoding:
            headers["Content-Encoding"] = encoding
        scripted = response.get("headers", {})
        scripted_names = {name.lower() for name in scripted}
        self.send_response(int(response.get("status", 200)))
        for name, value in headers.items():
            if name.lower() not in scripted_names:
                self.send_header(name, value)
        for name, value in scripted.items():
            self.send_header(name, str(value))  # "Connection: close" is honoured
        self.end_headers()

    def reset_connection(self):
        """Close abruptly: SO_LINGER(1, 0) makes close() send a TCP RST."""
        self.close_connection = True
        self.connection.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def send_stall(self, response, body):
        """Promise the whole body (at least 1 byte), send half, then hang."""
        self.close_connection = True
        self.send_head(response, {"Content-Length": str(max(len(body), 1))})
        self.wfile.write(body[: len(body) // 2])
        STOP.wait()

    def send_trickle(self, response, body):
        """Send the body one byte per trickle_interval seconds."""
        interval = float(response.get("trickle_interval", 1.0))
        self.send_head(response, {"Content-Length": str(len(body))})
        for i in range(len(body)):
            if STOP.wait(interval):
                return
            self.wfile.write(body[i:i + 1])

    def send_endless(self, response, body):
        """No Content-Length: body, then filler forever until disconnect."""
        self.close_connection = True
        self.send_head(response, {"Connection": "close"})
        self.wfile.write(body)
        filler = response.get("filler", DEFAULT_FILLER).encode("utf-8")
        while not STOP.is_set():
            self.wfile.write(filler)


class Server(LoopbackServer):
    def __init__(self, scenario, request_log):
        self.scenario = scenario
        self.request_log = request_log
        super().__init__(Handler)


# --------------------------------------------------------------------------
# Lifetime


def watch_stdin():
    """Stop when stdin reaches EOF (the test closed its end or died)."""
    try:
        # os.read on the raw fd: a buffered sys.stdin read in a daemon
        # thread can abort interpreter shutdown.
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    STOP.set()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", required=True, help="scenario JSON file")
    parser.add_argument("--max-seconds", type=float, default=300,
                        help="exit after this many seconds (default 300)")
    parser.add_argument("--log", help="append one JSON line per request here")
    return parser.parse_args(argv)


def serve_until_done(server, name, max_seconds):
    """Serves on threads, says `PORT <n>`, and exits the process when stdin
    reaches EOF, on SIGTERM/SIGINT, or after max_seconds. Shared with
    tests/hostile_upstream/hostile_upstream.py."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: STOP.set())
    threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PORT {server.server_port}", flush=True)

    deadline = time.monotonic() + max_seconds
    # Short waits keep the main thread responsive to signals.
    while not STOP.wait(0.2):
        if time.monotonic() >= deadline:
            print(f"{name}: --max-seconds reached", file=sys.stderr)
            break
    STOP.set()
    server.socket.close()
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: do not wait for (or finalize under) stalled daemon threads.
    os._exit(0)


def main(argv):
    args = parse_args(argv)
    try:
        scenario = Scenario(args.scenario)
    except (OSError, ValueError, ScenarioError) as e:
        print(f"fixture_server: bad scenario {args.scenario}: {e}", file=sys.stderr)
        return 2
    server = Server(scenario, RequestLog(args.log))
    serve_until_done(server, "fixture_server", args.max_seconds)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
