#!/usr/bin/env python3
"""A hostile OAI-PMH upstream for the oaipmh harvester's tests.

Plays one well-behaved repository (/good/oai) and one repository per attack
(/<attack>/oai) on loopback.  Standard library only.  See README.md.

Usage:
    hostile_upstream.py --good-page FILE [--log FILE] [--max-seconds N]
                        [--record-mb N] [--bomb-mb N] [--node-bomb-mb N]
                        [--big-page-mb N] [--trickle-interval S] [--secret-file PATH]

Binds 127.0.0.1 on an ephemeral port and prints exactly one line "PORT <n>".
Exits after --max-seconds, when stdin reaches EOF, or on SIGTERM/SIGINT.
"""

import argparse
import http.server
import json
import os
import pathlib
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixture_server"))
from fixture_server import STOP, serve_until_done  # noqa: E402  (the same stop and exit rules)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from loopback_server import LoopbackServer  # noqa: E402

OAI = "http://www.openarchives.org/OAI/2.0/"
RESPONSE_DATE = "2026-11-01T10:00:03Z"
DC_OPEN = ('<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/">')
CHUNK = 1 << 20

# The attacks, each served as the second ListRecords page of its repository
# (after a first page of two ordinary records). README.md describes each.
ATTACKS = (
    "xxe-file", "xxe-http", "xxe-parameter", "external-dtd", "billion-laughs",
    "gzip-bomb-zeros", "gzip-bomb-records", "deflate-bomb", "endless", "endless-slow",
    "trickle", "huge-record", "invalid-utf8", "invalid-utf16", "redirect-loop",
    "redirect-file", "redirect-ftp", "redirect-gopher", "redirect-dict", "node-bomb",
    "big-page",
)


# --------------------------------------------------------------------------
# Documents


def envelope_start(verb, base, declaration='<?xml version="1.0" encoding="UTF-8"?>\n',
                   doctype=""):
    return (f'{declaration}{doctype}<OAI-PMH xmlns="{OAI}"><responseDate>{RESPONSE_DATE}'
            f'</responseDate><request verb="{verb}">{base}</request><{verb}>')


def envelope_end(verb):
    return f"</{verb}></OAI-PMH>\n"


def record(identifier, title):
    return (f"<record><header><identifier>{identifier}</identifier>"
            f"<datestamp>2024-05-01T00:00:00Z</datestamp></header><metadata>{DC_OPEN}"
            f"<dc:title>{title}</dc:title></oai_dc:dc></metadata></record>")


def identify(base):
    return (envelope_start("Identify", base) +
            f"<repositoryName>Hostile {base}</repositoryName><baseURL>{base}</baseURL>"
            "<protocolVersion>2.0</protocolVersion><adminEmail>evil@example.org</adminEmail>"
            "<earliestDatestamp>2000-01-01T00:00:00Z</earliestDatestamp>"
            "<deletedRecord>persistent</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>" + envelope_end("Identify"))


def metadata_formats(base):
    return (envelope_start("ListMetadataFormats", base) +
            "<metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
            "<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>"
            "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
            "</metadataFormat>" + envelope_end("ListMetadataFormats"))


def no_sets(base):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="{OAI}"><responseDate>'
            f'{RESPONSE_DATE}</responseDate><request verb="ListSets">{base}</request>'
            '<error code="noSetHierarchy">no sets</error></OAI-PMH>\n')


def first_page(attack, base):
    """Two ordinary records and a token: what a harvest may keep."""
    return (envelope_start("ListRecords", base) +
            record(f"oai:{attack}:before-1", "Before the attack 1") +
            record(f"oai:{attack}:before-2", "Before the attack 2") +
            "<resumptionToken>attack</resumptionToken>" + envelope_end("ListRecords"))


def page_with_doctype(attack, base, doctype, title):
    return (envelope_start("ListRecords", base, doctype=doctype) +
            record(f"oai:{attack}:bad", title) + envelope_end("ListRecords"))


def billion_laughs():
    lines = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        lines.append(f'<!ENTITY lol{level} "' + f"&lol{level - 1};" * 10 + '">')
    return "<!DOCTYPE OAI-PMH [\n" + "\n".join(lines) + "\n]>\n"


# Byte sequences that are not UTF-8, each between two letters of a title.
INVALID_UTF8 = [
    b"\x80",                  # a continuation byte alone
    b"\xff",                  # never in UTF-8
    b"\xc0\xbc",              # '<' in two bytes (overlong): must not become markup
    b"\xc0\xa6",              # '&' overlong
    b"\xe0\x80\xbc",          # '<' in three bytes (overlong)
    b"\xed\xa0\x80",          # a UTF-16 surrogate encoded as UTF-8
    b"\xe2\x82",              # a truncated three-byte sequence
    b"\xf4\x90\x80\x80",      # above U+10FFFF
    b"\xf8\x88\x80\x80\x80",  # a five-byte form
]


def invalid_utf8_page(base):
    title = b"Bad" + b"x".join(INVALID_UTF8) + b"bytes"
    page = (envelope_start("ListRecords", base) + record("oai:invalid-utf8:bad", "TITLE") +
            envelope_end("ListRecords")).encode()
    return page.replace(b"TITLE", title)


def invalid_utf16_page(base):
    text = (envelope_start("ListRecords", base, '<?xml version="1.0" encoding="UTF-16"?>\n') +
            record("oai:invalid-utf16:bad", "SURROGATE") + envelope_end("ListRecords"))
    data = b"\xff\xfe" + text.encode("utf-16-le")
    # A high surrogate followed by a letter: no UTF-16 decoder may accept it.
    return data.replace("SURROGATE".encode("utf-16-le"), b"\x00\xd8A\x00")


# --------------------------------------------------------------------------
# Generated bodies: streamed, never held whole in memory


def huge_record_parts(base, size):
    """A page whose one record has a description of `size` bytes."""
    head = (envelope_start("ListRecords", base) +
            '<record><header><identifier>oai:huge-record:bad</identifier>'
            '<datestamp>2024-05-01T00:00:00Z</datestamp></header><metadata>' + DC_OPEN +
            "<dc:title>Huge</dc:title><dc:description>").encode()
    tail = ("</dc:description></oai_dc:dc></metadata></record>" +
            envelope_end("ListRecords")).encode()
    return head, size, tail


def node_bomb_parts(base, size):
    """A page whose one record holds `size` bytes of empty elements: tiny on
    the wire, a node of a parsed tree every four bytes."""
    head = (envelope_start("ListRecords", base) +
            '<record><header><identifier>oai:node-bomb:bad</identifier>'
            '<datestamp>2024-05-01T00:00:00Z</datestamp></header><metadata>' + DC_OPEN +
            "<dc:title>Nodes</dc:title>").encode()
    tail = ("</oai_dc:dc></metadata></record>" + envelope_end("ListRecords")).encode()
    return head, b"<a/>", size, tail


def big_page_records(size, part):
    """Distinct ordinary records, about `size` bytes of them: a legitimate
    page, only large. Each `part` has its own identifiers."""
    sent = 0
    n = part * 100_000_000
    batch = []
    while sent < size:
        text = record(f"oai:big-page:{n:09d}",
                      f"Record {n} of a large page, with a title long enough to matter")
        batch.append(text)
        sent += len(text)
        n += 1
        if len(batch) == 1000:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def repeated(unit, size):
    """`size` bytes of `unit` repeated, in chunks of about a MiB."""
    chunk = unit * max(1, CHUNK // len(unit))
    left = size
    while left > 0:
        piece = chunk[:left]
        left -= len(piece)
        yield piece


class BombCache:
    """Compressed bodies, computed once per kind: a small wire size, huge decoded."""

    def __init__(self):
        self._lock = threading.Lock()
        self._bodies = {}

    def get(self, kind, base, size):
        with self._lock:
            if kind not in self._bodies:
                self._bodies[kind] = self._build(kind, base, size)
            return self._bodies[kind]

    @staticmethod
    def _build(kind, base, size):
        """Raw deflate of the page, wrapped as gzip or zlib by hand: the
        middle is one compressed MiB repeated (a full flush between copies
        makes each copy's bytes the same), so a 10 GiB bomb takes seconds."""
        head = envelope_start("ListRecords", base).encode()
        tail = envelope_end("ListRecords").encode()
        if kind == "gzip-bomb-records":
            unit = record("oai:gzip-bomb-records:copy", "The same record again").encode()
        else:
            unit = b"\0"
        chunk = unit * max(1, CHUNK // len(unit))
        copies = max(1, size // len(chunk))
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        parts = [compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)]
        copy = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
        again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
        assert copy == again, "a flushed copy must compress the same every time"
        parts.append(copy * copies)
        parts.append(compressor.compress(tail) + compressor.flush(zlib.Z_FINISH))
        # The checksum of everything decoded, copy by copy.
        gzip_format = kind != "deflate-bomb"
        check = zlib.crc32(head) if gzip_format else zlib.adler32(head)
        for _ in range(copies):
            check = zlib.crc32(chunk, check) if gzip_format else zlib.adler32(chunk, check)
        check = zlib.crc32(tail, check) if gzip_format else zlib.adler32(tail, check)
        decoded = len(head) + copies * len(chunk) + len(tail)
        if gzip_format:
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # deflate, no name, no time
            trailer = struct.pack("<II", check, decoded & 0xFFFFFFFF)
        else:
            header = b"\x78\xda"  # zlib: deflate, 32 KiB window, best compression
            trailer = struct.pack(">I", check)
        return header + b"".join(parts) + trailer


# --------------------------------------------------------------------------
# HTTP


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        split = urllib.parse.urlsplit(self.path)
        params = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
        self.server.log({"event": "request", "path": split.path, "query": split.query})
        started = time.monotonic()
        self.sent = 0
        outcome = "complete"
        try:
            self.dispatch(split.path, params)
        except OSError:
            outcome = "client went away"
            self.close_connection = True
        self.server.log({"event": "sent", "path": split.path, "query": split.query,
                         "bytes": self.sent, "seconds": round(time.monotonic() - started, 3),
                         "outcome": outcome})

    def do_POST(self):  # the harvester never posts
        self.send_body(405, b"GET only\n", "text/plain")

    # -- writing ------------------------------------------------------------

    def write(self, data):
        self.wfile.write(data)
        self.sent += len(data)

    def send_head(self, status, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.end_headers()

    def send_body(self, status, body, content_type="text/xml; charset=UTF-8", extra=None):
        headers = {"Content-Type": content_type, "Content-Length": len(body)}
        headers.update(extra or {})
        self.send_head(status, headers)
        self.write(body)

    def send_xml(self, text):
        self.send_body(200, text.encode() if isinstance(text, str) else text)

    # -- routing ------------------------------------------------------------

    def dispatch(self, path, params):
        parts = path.strip("/").split("/")
        if parts[0] == "entity":
            # An entity or DTD URL: the harvester must never ask for one.
            self.send_body(200, b"SECRET-FROM-THE-NETWORK\n", "text/plain")
            return
        if len(parts) != 2 or parts[1] != "oai" or (parts[0] not in ATTACKS and
                                                    parts[0] != "good"):
            self.send_body(404, b"no such repository\n", "text/plain")
            return
        name = parts[0]
        base = f"http://127.0.0.1:{self.server.server_port}/{name}/oai"
        verb = params.get("verb")
        if verb == "Identify":
            self.send_xml(identify(base))
        elif verb == "ListMetadataFormats":
            self.send_xml(metadata_formats(base))
        elif verb == "ListSets":
            self.send_xml(no_sets(base))
        elif verb == "ListRecords" and name == "good":
            with open(self.server.args.good_page, "rb") as f:
                self.send_xml(f.read())
        elif verb == "ListRecords" and "resumptionToken" not in params:
            self.send_xml(first_page(name, base))
        elif verb == "ListRecords" and params["resumptionToken"] == "big-2":
            self.send_big_page(base, 1)
        elif verb == "ListRecords":
            self.attack(name, base)
        else:
            self.send_body(400, b"unexpected request\n", "text/plain")

    def attack(self, name, base):
        port = self.server.server_port
        network = f"http://127.0.0.1:{port}/entity"
        secret = self.server.args.secret_file
        if name == "xxe-file":
            doctype = (f'<!DOCTYPE OAI-PMH [\n<!ENTITY secret SYSTEM "file://{secret}">\n'
                       '<!ENTITY host SYSTEM "file:///etc/hostname">\n]>\n')
            self.send_xml(page_with_doctype(name, base, doctype, "&secret;&host;"))
        elif name == "xxe-http":
            doctype = f'<!DOCTYPE OAI-PMH [\n<!ENTITY net SYSTEM "{network}/xxe-http">\n]>\n'
            self.send_xml(page_with_doctype(name, base, doctype, "&net;"))
        elif name == "xxe-parameter":
            doctype = (f'<!DOCTYPE OAI-PMH [\n<!ENTITY % remote SYSTEM "{network}/param.dtd">\n'
                       f'%remote;\n<!ENTITY % file SYSTEM "file://{secret}">\n]>\n')
            self.send_xml(page_with_doctype(name, base, doctype, "parameter entities"))
        elif name == "external-dtd":
            doctype = f'<!DOCTYPE OAI-PMH SYSTEM "{network}/external.dtd">\n'
            self.send_xml(page_with_doctype(name, base, doctype, "external DTD"))
        elif name == "billion-laughs":
            self.send_xml(page_with_doctype(name, base, billion_laughs(), "&lol9;"))
        elif name in ("gzip-bomb-zeros", "gzip-bomb-records", "deflate-bomb"):
            body = self.server.bombs.get(name, base, self.server.args.bomb_mb << 20)
            encoding = "deflate" if name == "deflate-bomb" else "gzip"
            self.send_body(200, body, extra={"Content-Encoding": encoding})
        elif name == "endless":
            self.send_endless(base, delay=0)
        elif name == "endless-slow":
            # Fast enough for any low-speed limit, but it never ends.
            self.send_endless(base, delay=0.25, unit=b"<!-- slow -->" * 80)
        elif name == "trickle":
            self.send_trickle(first_page(name, base).encode())
        elif name == "huge-record":
            head, size, tail = huge_record_parts(base, self.server.args.record_mb << 20)
            self.send_head(200, {"Content-Type": "text/xml; charset=UTF-8",
                                 "Content-Length": len(head) + size + len(tail)})
            self.write(head)
            for piece in repeated(b"A", size):
                self.write(piece)
            self.write(tail)
        elif name == "node-bomb":
            head, unit, size, tail = node_bomb_parts(base, self.server.args.node_bomb_mb << 20)
            self.send_head(200, {"Content-Type": "text/xml; charset=UTF-8",
                                 "Content-Length": len(head) + size + len(tail)})
            self.write(head)
            for piece in repeated(unit, size):
                self.write(piece)
            self.write(tail)
        elif name == "big-page":
            self.send_big_page(base, 0)
        elif name == "invalid-utf8":
            self.send_xml(invalid_utf8_page(base))
        elif name == "invalid-utf16":
            self.send_xml(invalid_utf16_page(base))
        elif name == "redirect-loop":
            self.redirect(self.path)  # to itself, for ever
        elif name == "redirect-file":
            self.redirect("file:///etc/passwd")
        elif name == "redirect-ftp":
            self.redirect(f"ftp://127.0.0.1:{port}/entity/ftp")
        elif name == "redirect-gopher":
            self.redirect(f"gopher://127.0.0.1:{port}/_entity/gopher")
        elif name == "redirect-dict":
            self.redirect(f"dict://127.0.0.1:{port}/entity/dict")

    def redirect(self, location):
        self.send_body(302, b"moved\n", "text/plain", {"Location": location})

    def send_endless(self, base, delay, unit=None):
        """A page that never ends: no Content-Length, comments for ever."""
        self.close_connection = True
        self.send_head(200, {"Content-Type": "text/xml; charset=UTF-8", "Connection": "close"})
        self.write(envelope_start("ListRecords", base).encode())
        unit = unit or b"<!-- endless -->" * 4096
        while not STOP.is_set():
            self.write(unit)
            if delay:
                STOP.wait(delay)

    def send_big_page(self, base, part):
        """--big-page-mb of distinct records, with a Content-Length; part 0
        leads to part 1, so that one page is written while the next is read."""
        head = envelope_start("ListRecords", base).encode()
        token = "<resumptionToken>big-2</resumptionToken>" if part == 0 else ""
        tail = (token + envelope_end("ListRecords")).encode()
        size = self.server.args.big_page_mb << 20
        length = len(head) + len(tail) + sum(len(p) for p in big_page_records(size, part))
        self.send_head(200, {"Content-Type": "text/xml; charset=UTF-8", "Content-Length": length})
        self.write(head)
        for piece in big_page_records(size, part):
            self.write(piece)
        self.write(tail)

    def send_trickle(self, body):
        """The whole body promised, one byte a second."""
        self.send_head(200, {"Content-Type": "text/xml; charset=UTF-8",
                             "Content-Length": len(body)})
        interval = self.server.args.trickle_interval
        for i in range(len(body)):
            if STOP.wait(interval):
                return
            self.write(body[i:i + 1])
            self.wfile.flush()


class Server(LoopbackServer):
    def __init__(self, args):
        self.args = args
        self.bombs = BombCache()
        self._log_lock = threading.Lock()
        self._log_file = open(args.log, "a", encoding="utf-8") if args.log else None
        super().__init__(Handler)


    def log(self, entry):
        if self._log_file is None:
            return
        with self._log_lock:
            self._log_file.write(json.dumps(entry) + "\n")
            self._log_file.flush()


# --------------------------------------------------------------------------
# Lifetime


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--good-page", required=True,
                        help="the ListRecords page the good repository serves")
    parser.add_argument("--log", help="append one JSON line per request and per response")
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--record-mb", type=int, default=64,
                        help="size of the huge record's description, MiB (default 64)")
    parser.add_argument("--bomb-mb", type=int, default=64,
                        help="decoded size of the compression bombs, MiB (default 64)")
    parser.add_argument("--node-bomb-mb", type=int, default=7,
                        help="size of the node bomb's empty elements, MiB (default 7)")
    parser.add_argument("--big-page-mb", type=int, default=7,
                        help="size of the big (legitimate) page, MiB (default 7)")
    parser.add_argument("--trickle-interval", type=float, default=1.0,
                        help="seconds between two bytes of the trickle (default 1)")
    parser.add_argument("--secret-file", default="/etc/passwd",
                        help="the local file the file: entities name")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    server = Server(args)
    serve_until_done(server, "hostile_upstream", args.max_seconds)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
