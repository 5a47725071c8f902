#!/usr/bin/env python3
"""Deliberately broken OAI-PMH 2.0 repositories for the `oaipmh validate` tests.

Serves, on loopback, one conformant repository (`clean`) and many copies of
it that each break exactly one rule of docs/protocol.md, plus the captured
responses of tests/fixtures/real-responses/.  Standard library only.

Usage:
    broken_repositories.py --port-file FILE [--lifetime SECONDS]
    broken_repositories.py --list-json

Serving: binds 127.0.0.1 on an ephemeral port, writes the port number to FILE
(to a temporary file beside it first, then renamed, so a reader never sees
half a number), logs one line per request to stderr, and exits by itself when
the lifetime (default 300 s) ends, or on SIGTERM/SIGINT.

Every repository answers at http://127.0.0.1:PORT/<name>/oai (GET, and POST
with an application/x-www-form-urlencoded body); a captured response at
http://127.0.0.1:PORT/real/<path relative to real-responses>/oai.  Anything
else is a 404 text/plain.

A captured response is sent byte for byte for every request of its verb (taken
from its <request verb=...>, else from MANIFEST.md, else from the file name);
every other request gets the answer of `clean`, with the captured response's
own URL as base URL.  A captured Identify response (pyoai/fake3, fake4) is
therefore sent for Identify.

--list-json prints the FAULTS table below (the tests' expectations) and the
captured responses ("real": {path: verb}), then exits.
"""

import argparse
import base64
import binascii
import datetime
import http.server
import json
import os
import pathlib
import re
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from xml.sax.saxutils import escape

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
from loopback_server import LoopbackServer, compress  # noqa: E402

# --------------------------------------------------------------------------
# The repositories and what `oaipmh validate` must say about each.
#
# "fault": the one thing that differs from `clean`.
# "fails": exactly the validator checks that must fail.
# "warns": warnings that must appear (other warnings may appear too, except
#          for `clean`, which must have none).
# "exit":  0 no failure, 1 failures, 2 not OAI-PMH at all / unreachable.
#
# Where a fault necessarily breaks two rules of docs/protocol.md, the comment
# says so and both checks are listed.

FAULTS = {
    # Fully conformant: no failure, no warning.
    "clean": {
        "fault": "None: a conformant OAI-PMH 2.0 repository.",
        "fails": [], "warns": [], "exit": 0},

    # ---- HTTP ------------------------------------------------------------
    # H-7: OAI errors travel with status 200.
    "not-found-for-errors": {
        "fault": "Every OAI-PMH error response is sent with HTTP status 404 (body unchanged).",
        "fails": ["http.status-200"], "warns": [], "exit": 1},
    # H-6: no Content-Type header on any response.
    "no-content-type": {
        "fault": "Responses have no Content-Type header at all.",
        "fails": ["http.content-type"], "warns": [], "exit": 1},
    # H-1: the base URL must answer POST as well as GET.
    "post-refused": {
        "fault": "POST requests are answered with 405 Method Not Allowed.",
        "fails": ["http.post"], "warns": [], "exit": 1},
    # H-8: Identify advertises gzip and deflate, but no body is ever
    # compressed, whatever Accept-Encoding says.
    "gzip-not-honoured": {
        "fault": "Identify lists gzip and deflate but bodies are never compressed.",
        "fails": ["http.compression"], "warns": [], "exit": 1},
    # H-7, HV-7: a 503 must say when to come back.  The first request of each
    # of the first three distinct query strings (for POST: form body) gets 503
    # without Retry-After; repeating it gets the normal answer.
    "unavailable-no-retry-after": {
        "fault": "The first request of each of the first three distinct query strings gets 503 without Retry-After.",
        "fails": ["http.retry-after"], "warns": [], "exit": 1},
    # Same with Retry-After: 1, which is correct behaviour: each of those three
    # requests costs the validator two requests and one second.
    "unavailable-with-retry-after": {
        "fault": "None really: the first request of each of the first three distinct query strings gets 503 with Retry-After: 1.",
        "fails": [], "warns": [], "exit": 0},
    # H-9, HV-8: /redirecting/oai answers 302 (307 for POST) to
    # /redirecting-target/oai, query string kept.  The target (not listed
    # here, it is `clean` under another name) gives its own URL as baseURL.
    "redirecting": {
        "fault": "None really: the base URL redirects (302, POST 307) to /redirecting-target/oai.",
        "fails": [], "warns": ["http.redirects"], "exit": 0},
    # Every request, whatever it is, gets an HTML page (200, text/html):
    # not an OAI-PMH repository at all.
    "html-everywhere": {
        "fault": "Every request is answered with an HTML page, status 200, Content-Type text/html.",
        "fails": [], "warns": [], "exit": 2},
    # E-5, V-LMF-3: an unknown identifier (GetRecord, ListMetadataFormats)
    # gets "<html><body><h1>Not found</h1></body></html>", 200, text/html,
    # instead of idDoesNotExist.  The page also breaks H-6 (and,
    # X-6), but an HTML page is no OAI-PMH response at all: it counts
    # against the checks that asked, not against http.content-type or the
    # xml.* checks (as with html-everywhere).
    "html-error-page": {
        "fault": "An unknown identifier is answered with an HTML 'Not found' page (200, text/html).",
        "fails": ["errors.id-does-not-exist", "formats.for-identifier"],
        "warns": [], "exit": 1},

    # ---- XML envelope ------------------------------------------------------
    # responses start directly with the root element.
    "no-xml-declaration": {
        "fault": "Responses have no XML declaration.",
        "fails": ["xml.declaration"], "warns": [], "exit": 1},
    # the root keeps its namespaces but loses xsi:schemaLocation.
    "no-schema-location": {
        "fault": "The OAI-PMH root element has no xsi:schemaLocation.",
        "fails": ["xml.namespace"], "warns": [], "exit": 1},
    # responseDate is the right instant, written with a +02:00 offset.
    "local-response-date": {
        "fault": "responseDate is written in local time with a +02:00 offset.",
        "fails": ["xml.response-date"], "warns": [], "exit": 1},
    # D-14 (SHOULD): responseDate two days behind the clock, as from a stale
    # cache; well-formed, so a warning only.
    "stale-response-date": {
        "fault": "responseDate is two days old.",
        "fails": [], "warns": ["xml.response-date"], "exit": 0},
    # <request> names another URL (Identify's baseURL stays right).
    "wrong-request-url": {
        "fault": "<request> carries http://example.org/elsewhere instead of the base URL.",
        "fails": ["xml.request-url"], "warns": [], "exit": 1},
    # in every header, datestamp comes before identifier.
    "header-order": {
        "fault": "In record headers, datestamp comes before identifier.",
        "fails": ["xml.schema"], "warns": [], "exit": 1},
    # X-1: a raw U+000B in record 7's dc:title (oai_dc, wherever it
    # appears).  U+000B is no XML Char, so strictly the document is not
    # well-formed; xml.characters is the part of X-1 that reports exactly
    # this, so xml.well-formed is not expected to fail as well.
    "illegal-character": {
        "fault": "Record 7's dc:title contains a raw U+000B character.",
        "fails": ["xml.characters"], "warns": [], "exit": 1},

    # ---- Identify ------------------------------------------------------------
    # V-ID-3, H-9: baseURL is another URL; <request> stays right.
    # V-ID-2: adminEmail written as a mailto: URL (the schema's pattern lets
    # it through; the protocol wants an address).
    "mailto-admin-email": {
        "fault": "adminEmail is mailto:admin@example.org.",
        "fails": ["identify.admin-email"], "warns": [], "exit": 1},
    # X-13 (HQ-7): the right error codes, each without a message for people.
    "silent-errors": {
        "fault": "Every <error> is empty: the code alone.",
        "fails": [], "warns": ["harvest.error-messages"], "exit": 0},
    "wrong-base-url": {
        "fault": "Identify's baseURL is http://example.org/oai.",
        "fails": ["identify.base-url"], "warns": [], "exit": 1},
    # DR-1, DR-2: policy "no" although deleted headers are shown.
    "deleted-record-no": {
        "fault": "Identify says deletedRecord 'no' but deleted headers are still shown.",
        "fails": ["identify.deleted-record"], "warns": [], "exit": 1},
    # D-11: earliestDatestamp is later than every record (all are in 2020).
    "earliest-too-late": {
        "fault": "earliestDatestamp is 2021-06-01T00:00:00Z, later than the records.",
        "fails": ["identify.earliest-datestamp"], "warns": [], "exit": 1},
    # OI-5: the oai-identifier description names example.com, while every
    # identifier is oai:example.org:...
    "oai-identifier-mismatch": {
        "fault": "The oai-identifier description says repositoryIdentifier example.com (sample oai:example.com:rec-1).",
        "fails": ["identify.oai-identifier"], "warns": [], "exit": 1},
    # X-16, V-ID-7: the oai-identifier description has delimiter before
    # repositoryIdentifier, which oai-identifier.xsd does not allow (the
    # values are unchanged and still match the identifiers).
    "invalid-description": {
        "fault": "The oai-identifier description is invalid: delimiter comes before repositoryIdentifier.",
        "fails": ["identify.descriptions"], "warns": [], "exit": 1},

    # ---- ListMetadataFormats, ListSets -------------------------------------
    # G-3, V-LMF-2: ListMetadataFormats without identifier lists only
    # test_fmt; oai_dc is still served, and still listed for an identifier
    # (leaving it out there would leave even items with no format at all).
    # So the two lists disagree, which V-LMF-3 forbids: both checks fail.
    "no-oai-dc-format": {
        "fault": "ListMetadataFormats (without identifier) omits oai_dc, which is still served.",
        "fails": ["formats.oai-dc", "formats.for-identifier"], "warns": [], "exit": 1},
    # S-2: ListSets lists math:algebra and physics but not their parent
    # math; headers still name math.
    "missing-parent-set": {
        "fault": "ListSets omits the set math (math:algebra and physics listed; headers unchanged).",
        "fails": ["sets.parents"], "warns": [], "exit": 1},

    # ---- Lists and flow control ------------------------------------------------
    # D-10: granularity stays seconds, header datestamps are written
    # YYYY-MM-DD (lists and GetRecord).  To keep the fault single, the
    # items' datestamps are at 00:00:00 here (selection, earliestDatestamp
    # 2020-01-02T00:00:00Z), so what is written is only a shorter form.
    "day-datestamps": {
        "fault": "Granularity is seconds but every header datestamp is written in day form.",
        "fails": ["lists.granularity"], "warns": [], "exit": 1},
    # cursor on pages 2 and 3 is the page index (1, 2), not the offset.
    "inconsistent-cursor": {
        "fault": "The cursor on pages 2 and 3 is the page index (1, 2) instead of 10 and 20.",
        "fails": ["lists.cursor"], "warns": [], "exit": 1},
    # Each page after the first begins with the last item of the page before
    # (then goes on normally: 11 items on such a page).  completeListSize is
    # that of the list without the repeats (23); cursor counts the items sent
    # before the page, repeats included (0, 10, 21), so it stays right.
    "duplicate-identifiers": {
        "fault": "Every page after the first begins with the last item of the page before.",
        "fails": ["lists.unique"], "warns": [], "exit": 1},
    # the last page of a multi-page list carries a non-empty token, and
    # that token is answered with badResumptionToken.
    "token-never-ends": {
        "fault": "The last page carries a non-empty token, which then gets badResumptionToken.",
        "fails": ["lists.tokens"], "warns": [], "exit": 1},
    # expirationDate is an hour in the past (the tokens still work).
    "expired-tokens": {
        "fault": "Token expirationDate is one hour in the past.",
        "fails": ["lists.expiration"], "warns": [], "exit": 1},
    # D-8: from is exclusive.
    "from-exclusive": {
        "fault": "from is exclusive: only datestamps strictly later are returned.",
        "fails": ["lists.from-until"], "warns": [], "exit": 1},
    # D-8: until is exclusive; a day-form until ends before that day.
    "until-exclusive": {
        "fault": "until is exclusive: only datestamps strictly earlier (day form: before its 00:00:00).",
        "fails": ["lists.from-until"], "warns": [], "exit": 1},
    # S-3: set is accepted (and echoed) but selects nothing.
    "set-ignored": {
        "fault": "The set argument is accepted and ignored.",
        "fails": ["lists.set"], "warns": [], "exit": 1},
    # ListIdentifiers says every datestamp is one second later than
    # ListRecords (and selects by those later datestamps, so it is
    # consistent in itself).
    "identifiers-differ": {
        "fault": "ListIdentifiers datestamps are one second later than those of ListRecords.",
        "fails": ["lists.identifiers-match-records"], "warns": [], "exit": 1},
    # Pages of 2 items: legal, but wasteful.
    "tiny-pages": {
        "fault": "None really: lists come in pages of 2.",
        "fails": [], "warns": ["harvest.page-size"], "exit": 0},
    # R-7, RG 5.4: tokens live for two minutes only.
    "short-token-lifetime": {
        "fault": "None really: token expirationDate is now + 2 minutes.",
        "fails": [], "warns": ["harvest.token-lifetime"], "exit": 0},

    # ---- Records -------------------------------------------------------------
    # DC-1: every oai_dc payload has <dc:shelf>A1</dc:shelf>, which
    # simpledc does not declare.  Through the strict wildcard this also
    # makes the whole response invalid, but xml.schema judges the
    # envelope and leaves payloads to records.*, so only records.oai-dc.
    "invalid-oai-dc": {
        "fault": "Every oai_dc payload has an extra <dc:shelf>A1</dc:shelf> element.",
        "fails": ["records.oai-dc"], "warns": [], "exit": 1},
    # DR-6: deleted records (5 and 17) carry metadata besides
    # status="deleted".
    "deleted-with-metadata": {
        "fault": "Deleted records carry their metadata.",
        "fails": ["records.deleted"], "warns": [], "exit": 1},
    # V-LR-5: record 8 (not deleted) has no metadata part, in ListRecords
    # and GetRecord.
    "record-without-metadata": {
        "fault": "Record 8, not deleted, comes without metadata.",
        "fails": ["records.metadata"], "warns": [], "exit": 1},
    # V-LR-9, X-14: test_fmt payloads are in http://example.org/other/.
    "wrong-format-namespace": {
        "fault": "test_fmt payloads use the namespace http://example.org/other/.",
        "fails": ["records.format-namespace"], "warns": [], "exit": 1},
    # V-GR-4: GetRecord refuses test_fmt for items that list it.
    "format-refused": {
        "fault": "GetRecord with test_fmt answers cannotDisseminateFormat though the item lists it.",
        "fails": ["getrecord.formats"], "warns": [], "exit": 1},
    # GetRecord headers say one second later than the lists.
    "getrecord-header-differs": {
        "fault": "GetRecord header datestamps are one second later than in the lists.",
        "fails": ["getrecord.header"], "warns": [], "exit": 1},

    # ---- Errors -----------------------------------------------------------------
    # H-4, E-3: no verb is answered as Identify (echoing verb="Identify":
    # an exact echo of nothing cannot be an Identify response).
    "missing-verb-accepted": {
        "fault": "A request without verb is answered as Identify.",
        "fails": ["errors.verb-missing"], "warns": [], "exit": 1},
    # H-4: an unknown verb is answered as Identify (echoed as "Identify":
    # the unknown name would not be schema-valid).
    "unknown-verb-accepted": {
        "fault": "An unknown verb is answered as Identify.",
        "fails": ["errors.verb-unknown"], "warns": [], "exit": 1},
    # H-4: a repeated verb is accepted, the first one used.
    "repeated-verb-accepted": {
        "fault": "A repeated verb is accepted (the first value used).",
        "fails": ["errors.verb-repeated"], "warns": [], "exit": 1},
    # H-5: arguments the verb does not define are ignored (and not
    # echoed) for every verb but Identify, which still gives badArgument.
    "illegal-argument-accepted": {
        "fault": "Arguments the verb does not define are ignored (except with Identify).",
        "fails": ["errors.argument-illegal"], "warns": [], "exit": 1},
    # H-5: a missing metadataPrefix means oai_dc, a missing identifier
    # (GetRecord) means oai:example.org:rec-1.
    "missing-argument-accepted": {
        "fault": "Missing required arguments get defaults (metadataPrefix oai_dc, identifier rec-1).",
        "fails": ["errors.argument-missing"], "warns": [], "exit": 1},
    # H-5: a repeated argument (not verb) is accepted, the first value used.
    "repeated-argument-accepted": {
        "fault": "A repeated argument (not verb) is accepted (the first value used).",
        "fails": ["errors.argument-repeated"], "warns": [], "exit": 1},
    # V-ID-1: Identify ignores any argument.
    "identify-argument-accepted": {
        "fault": "Identify with arguments is answered normally.",
        "fails": ["errors.identify-argument"], "warns": [], "exit": 1},
    # D-7: a from/until that is no date in either form is ignored, as if
    # absent.  (A seconds date with a fraction of a second still gets
    # badArgument, so that errors.finer-granularity is unaffected.)
    "bad-date-accepted": {
        "fault": "A malformed or impossible from/until is ignored as if absent.",
        "fails": ["errors.bad-date"], "warns": [], "exit": 1},
    # D-5: from and until in different forms are accepted (and echoed).
    "mixed-granularity-accepted": {
        "fault": "from and until in different forms are accepted.",
        "fails": ["errors.mixed-granularity"], "warns": [], "exit": 1},
    # D-4: like day-granularity (below), but a seconds-form from/until is
    # accepted (compared with the items' 00:00:00 datestamps).
    "finer-granularity-accepted": {
        "fault": "A day-granularity repository accepts seconds-form from/until.",
        "fails": ["errors.finer-granularity"], "warns": [], "exit": 1},
    # D-6: from later than until gives noRecordsMatch.
    "from-after-until-no-records": {
        "fault": "from later than until gives noRecordsMatch instead of badArgument.",
        "fails": ["errors.from-after-until"], "warns": [], "exit": 1},
    # an unknown token starts the list again (ListIdentifiers and
    # ListRecords: oai_dc, no selection; ListSets: the sets).
    "bad-token-restarts": {
        "fault": "An unknown resumptionToken restarts the list from the beginning, without error.",
        "fails": ["errors.bad-token"], "warns": [], "exit": 1},
    # E-6: a valid from later than every datestamp gives badArgument.
    "future-from-bad-argument": {
        "fault": "A valid from later than every datestamp gives badArgument instead of noRecordsMatch.",
        "fails": ["errors.no-records-match"], "warns": [], "exit": 1},
    # on badVerb and badArgument, <request> echoes the request's
    # arguments (those whose name and value fit the schema, so that the
    # response stays schema-valid).
    "attributes-on-bad-verb": {
        "fault": "<request> echoes the arguments on badVerb and badArgument too.",
        "fails": ["errors.request-attributes"], "warns": [], "exit": 1},
    # E-4: an unknown metadataPrefix gives badArgument.
    "unknown-prefix-bad-argument": {
        "fault": "An unknown metadataPrefix gives badArgument instead of cannotDisseminateFormat.",
        "fails": ["errors.cannot-disseminate"], "warns": [], "exit": 1},

    # ---- Granularity -------------------------------------------------------------
    # Conformant with day granularity: Identify says YYYY-MM-DD, datestamps
    # (at 00:00:00) and earliestDatestamp are written as days, and a
    # seconds-form from/until gets badArgument (D-4).
    "day-granularity": {
        "fault": "None: a conformant repository with day granularity.",
        "fails": [], "warns": [], "exit": 0},
}

# --------------------------------------------------------------------------
# Constants

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
TEST_NS = "http://example.org/test_fmt/"
TEST_SCHEMA = "http://example.org/test_fmt.xsd"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
HTML_CONTENT_TYPE = "text/html; charset=UTF-8"
PLAIN_CONTENT_TYPE = "text/plain; charset=UTF-8"
NOT_FOUND_PAGE = "<html><body><h1>Not found</h1></body></html>"
WELCOME_PAGE = ("<html><head><title>Welcome</title></head><body><h1>Welcome</h1>"
                "<p>Nothing to see here.</p></body></html>")

ITEM_COUNT = 23
DELETED_ITEMS = frozenset({5, 17})
DEFAULT_PAGE_SIZE = 10
BASE_TIME = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
ONE_SECOND = datetime.timedelta(seconds=1)
ONE_DAY = datetime.timedelta(days=1)

FORMATS = {  # prefix -> (schema, namespace)
    "oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS),
    "test_fmt": (TEST_SCHEMA, TEST_NS),
}
SETS = [("math", "Mathematics"), ("math:algebra", "Algebra"), ("physics", "Physics")]

VERBS = ("Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers",
         "ListRecords", "GetRecord")
LIST_ARGS = ("metadataPrefix", "from", "until", "set", "resumptionToken")
ALLOWED = {
    "Identify": (),
    "ListMetadataFormats": ("identifier",),
    "ListSets": ("resumptionToken",),
    "ListIdentifiers": LIST_ARGS,
    "ListRecords": LIST_ARGS,
    "GetRecord": ("identifier", "metadataPrefix"),
}
REQUIRED = {
    "ListIdentifiers": ("metadataPrefix",),
    "ListRecords": ("metadataPrefix",),
    "GetRecord": ("identifier", "metadataPrefix"),
}
ALL_ARGUMENTS = ("verb", "identifier", "metadataPrefix", "from", "until", "set",
                 "resumptionToken")

PREFIX_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")
SET_SPEC_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*\Z")
DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
SECONDS_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
FRACTION_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+Z\Z")
IDENTIFIER_RE = re.compile(r"oai:example\.org:rec-([1-9][0-9]*)\Z")

# Repositories served under /<name>/oai that are not in FAULTS.
EXTRA_REPOSITORIES = {"redirecting-target": "clean"}
DAY_GRANULARITY = frozenset({"day-granularity", "finer-granularity-accepted"})

REAL_DIR = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "real-responses"))

# Set when the server must exit.
STOP = threading.Event()


# --------------------------------------------------------------------------
# Dates


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def seconds_form(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def day_form(moment):
    return moment.strftime("%Y-%m-%d")


def parse_date(value):
    """("day"|"seconds", datetime at the start of what it names) or None."""
    try:
        if DAY_RE.match(value):
            day = datetime.datetime.strptime(value, "%Y-%m-%d")
            return "day", day.replace(tzinfo=datetime.timezone.utc)
        if SECONDS_RE.match(value):
            moment = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return "seconds", moment.replace(tzinfo=datetime.timezone.utc)
    except ValueError:  # 2020-13-45, 2020-02-30, 25:00:00 ...
        pass
    return None


def last_second(form, start):
    """The last second a bound in `form` starting at `start` covers."""
    return start + ONE_DAY - ONE_SECOND if form == "day" else start


# --------------------------------------------------------------------------
# Items


def item_sets(n):
    """The setSpecs item n is directly in, in header order."""
    specs = []
    if n % 3 == 0:
        specs.append("math:algebra")
    if n % 3 == 1:
        specs.append("math")
    if n % 2 == 0:
        specs.append("physics")
    return specs


def item_formats(n):
    return ["oai_dc", "test_fmt"] if n % 2 == 1 else ["oai_dc"]


def item_identifier(n):
    return f"oai:example.org:rec-{n}"


def item_number(identifier):
    match = IDENTIFIER_RE.match(identifier)
    if match and 1 <= int(match.group(1)) <= ITEM_COUNT:
        return int(match.group(1))
    return None


def in_set(n, spec):
    """S-3: set=a selects items in a and in its descendants a:..."""
    return any(s == spec or s.startswith(spec + ":") for s in item_sets(n))


def attr(value):
    return escape(value, {'"': "&quot;"})


XML_ILLEGAL_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value):
    """True if `value` can be written in an XML document at all."""
    return not XML_ILLEGAL_RE.search(value)


class Response:
    def __init__(self, status, body, content_type=XML_CONTENT_TYPE, headers=None,
                 is_error=False, compressible=True):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.is_error = is_error
        self.compressible = compressible


# --------------------------------------------------------------------------
# One repository: `clean` plus the fault its name says


class Repository:
    def __init__(self, fault, base_url):
        self.fault = fault
        self.base_url = base_url
        self.day = fault in DAY_GRANULARITY
        self.page_size = 2 if fault == "tiny-pages" else DEFAULT_PAGE_SIZE
        self.now = utc_now()

    # -- datestamps ----------------------------------------------------------

    def stamp(self, n):
        moment = BASE_TIME + datetime.timedelta(days=n, hours=n, minutes=n)
        if self.day or self.fault == "day-datestamps":
            moment = moment.replace(hour=0, minute=0, second=0)
        return moment

    def list_stamp(self, n, verb):
        """Item n's datestamp as a list of `verb` reports and selects it."""
        moment = self.stamp(n)
        if self.fault == "identifiers-differ" and verb == "ListIdentifiers":
            moment += ONE_SECOND
        return moment

    def write_stamp(self, moment):
        if self.day or self.fault == "day-datestamps":
            return day_form(moment)
        return seconds_form(moment)

    def earliest(self):
        if self.fault == "earliest-too-late":
            return "2021-06-01T00:00:00Z"
        moment = min(self.stamp(n) for n in range(1, ITEM_COUNT + 1))
        return day_form(moment) if self.day else seconds_form(moment)

    def latest(self):
        return max(self.stamp(n) for n in range(1, ITEM_COUNT + 1))

    # -- XML pieces ------------------------------------------------------------

    def envelope(self, request_attrs, inner):
        parts = []
        if self.fault != "no-xml-declaration":
            parts.append('<?xml version="1.0" encoding="UTF-8"?>\n')
        root = f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}"'
        if self.fault != "no-schema-location":
            root += f' xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}"'
        parts.append(root + ">\n")
        if self.fault == "local-response-date":
            local = self.now.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
            date = local.strftime("%Y-%m-%dT%H:%M:%S+02:00")
        elif self.fault == "stale-response-date":
            date = seconds_form(self.now - datetime.timedelta(days=2))
        else:
            date = seconds_form(self.now)
        parts.append(f"  <responseDate>{date}</responseDate>\n")
        url = "http://example.org/elsewhere" if self.fault == "wrong-request-url" else self.base_url
        attrs = "".join(f' {k}="{attr(v)}"' for k, v in request_attrs)
        parts.append(f"  <request{attrs}>{escape(url)}</request>\n")
        parts.append(inner)
        parts.append("</OAI-PMH>\n")
        return "".join(parts)

    def xml_response(self, request_attrs, inner, is_error=False):
        text = self.envelope(request_attrs, inner)
        return Response(200, text.encode("utf-8"), is_error=is_error)

    def header(self, n, moment):
        status = ' status="deleted"' if n in DELETED_ITEMS else ""
        ident = f"<identifier>{item_identifier(n)}</identifier>"
        stamp = f"<datestamp>{self.write_stamp(moment)}</datestamp>"
        first, second = (stamp, ident) if self.fault == "header-order" else (ident, stamp)
        specs = "".join(f"<setSpec>{s}</setSpec>" for s in item_sets(n))
        return f"<header{status}>{first}{second}{specs}</header>"

    def payload(self, n, prefix):
        if prefix == "oai_dc":
            title = f"Record {n}"
            if n == 7 and self.fault == "illegal-character":
                title += "\x0b"
            shelf = "<dc:shelf>A1</dc:shelf>" if self.fault == "invalid-oai-dc" else ""
            return (f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
                    f'xmlns:xsi="{XSI_NS}" '
                    f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">'
                    f"<dc:title>{title}</dc:title>"
                    f"<dc:creator>Author {n}</dc:creator>"
                    f"<dc:date>2020</dc:date>"
                    f"<dc:type>Text</dc:type>"
                    f"<dc:language>en</dc:language>"
                    f"<dc:identifier>https://example.org/records/{n}</dc:identifier>"
                    f"{shelf}</oai_dc:dc>")
        namespace = "http://example.org/other/" if self.fault == "wrong-format-namespace" else TEST_NS
        return (f'<t:item xmlns:t="{namespace}" xmlns:xsi="{XSI_NS}" '
                f'xsi:schemaLocation="{namespace} {TEST_SCHEMA}">'
                f"<t:title>Record {n}</t:title></t:item>")

    def record(self, n, prefix, moment):
        header = self.header(n, moment)
        deleted = n in DELETED_ITEMS
        if (deleted and self.fault != "deleted-with-metadata") or \
                (n == 8 and self.fault == "record-without-metadata"):
            return f"<record>{header}</record>"
        return f"<record>{header}<metadata>{self.payload(n, prefix)}</metadata></record>"

    # -- request handling ------------------------------------------------------

    def handle(self, pairs):
        """Answers the decoded (name, value) pairs of one request."""
        verbs = [v for k, v in pairs if k == "verb"]
        verb = None
        problem = None
        if not verbs:
            if self.fault == "missing-verb-accepted":
                verb = "Identify"
            else:
                problem = "The request has no verb."
        elif len(verbs) > 1 and self.fault != "repeated-verb-accepted":
            problem = "The verb argument is repeated."
        elif verbs[0] not in VERBS:
            if self.fault == "unknown-verb-accepted":
                verb = "Identify"
            else:
                problem = f"Illegal verb {verbs[0]!r}."
        else:
            verb = verbs[0]
        if problem:
            return self.error_response(self.bad_attrs(pairs), [("badVerb", problem)])

        args = [(k, v) for k, v in pairs if k != "verb"]
        if verb == "Identify" and self.fault == "identify-argument-accepted":
            args = []
        if verb != "Identify" and self.fault == "illegal-argument-accepted":
            args = [(k, v) for k, v in args if k in ALLOWED[verb]]
        return self.handle_verb(verb, args, pairs)

    def bad_attrs(self, pairs):
        """<request> attributes on badVerb/badArgument: none, unless the
        fault attributes-on-bad-verb echoes those that fit the schema."""
        if self.fault != "attributes-on-bad-verb":
            return []
        echoed = []
        seen = set()
        for k, v in pairs:
            if k in seen or k not in ALL_ARGUMENTS or not v or not xml_safe(v):
                continue
            if k == "verb" and v not in VERBS:
                continue
            if k in ("from", "until") and parse_date(v) is None:
                continue
            if k == "metadataPrefix" and not PREFIX_RE.match(v):
                continue
            if k == "set" and not SET_SPEC_RE.match(v):
                continue
            seen.add(k)
            echoed.append((k, v))
        return echoed

    def error_response(self, request_attrs, errors):
        if self.fault == "silent-errors":
            errors = [(code, "") for code, _ in errors]
        inner = "".join(f'  <error code="{code}">{escape(message)}</error>\n'
                        for code, message in errors)
        return self.xml_response(request_attrs, inner, is_error=True)

    def handle_verb(self, verb, args, pairs):
        bad = []        # badArgument messages
        errors = []     # other error (code, message)
        values = {}
        for k, v in args:
            if k in values:
                if self.fault != "repeated-argument-accepted":
                    bad.append(f"The argument {k} is repeated.")
                continue
            values[k] = v
        for k, v in values.items():
            if k not in ALLOWED[verb]:
                bad.append(f"{verb} does not take the argument {k}.")
            elif v == "":
                bad.append(f"The argument {k} is empty.")
        legal = {k: v for k, v in values.items() if k in ALLOWED[verb] and v != ""}

        token = legal.get("resumptionToken")
        exclusive_broken = token is not None and len(legal) > 1
        if exclusive_broken:
            bad.append("resumptionToken is exclusive: no other argument may come with it.")
        if token is None:
            for name in REQUIRED.get(verb, ()):
                if name in values:
                    continue
                if self.fault == "missing-argument-accepted":
                    legal[name] = "oai_dc" if name == "metadataPrefix" else item_identifier(1)
                else:
                    bad.append(f"{verb} requires the argument {name}.")

        prefix = legal.get("metadataPrefix")
        if prefix is not None and not PREFIX_RE.match(prefix):
            bad.append(f"Illegal metadataPrefix {prefix!r}.")
            prefix = None
        set_spec = legal.get("set")
        if set_spec is not None and not SET_SPEC_RE.match(set_spec):
            bad.append(f"Illegal setSpec {set_spec!r}.")
            set_spec = None

        # What <request> echoes: each argument as sent, once.
        echo = list(dict.fromkeys((k, v) for k, v in args
                                  if legal.get(k) == v and xml_safe(v)))
        no_match = self.check_dates(legal, bad, echo)

        # Errors that depend on what the repository holds.
        selection = None
        if not exclusive_broken:
            if token is not None and verb in ("ListIdentifiers", "ListRecords"):
                selection = self.decode_token(verb, token)
                if selection is None:
                    if self.fault == "bad-token-restarts":
                        selection = {"metadataPrefix": "oai_dc", "from": None,
                                     "until": None, "set": None, "offset": 0}
                    else:
                        errors.append(("badResumptionToken",
                                       "The resumptionToken is unknown or expired."))
            if token is not None and verb == "ListSets" and self.fault != "bad-token-restarts":
                errors.append(("badResumptionToken", "The resumptionToken is unknown or expired."))
            if prefix is not None and prefix not in FORMATS:
                if self.fault == "unknown-prefix-bad-argument":
                    bad.append(f"Unknown metadataPrefix {prefix!r}.")
                else:
                    errors.append(("cannotDisseminateFormat",
                                   f"The metadataPrefix {prefix!r} is not supported."))
            identifier = legal.get("identifier")
            if identifier is not None and verb in ("GetRecord", "ListMetadataFormats"):
                n = item_number(identifier)
                if n is None:
                    if self.fault == "html-error-page":
                        return Response(200, NOT_FOUND_PAGE.encode("utf-8"),
                                        content_type=HTML_CONTENT_TYPE, compressible=False)
                    errors.append(("idDoesNotExist", f"No item {identifier!r}."))
                elif verb == "GetRecord" and prefix in FORMATS:
                    if prefix not in item_formats(n) or \
                            (prefix == "test_fmt" and self.fault == "format-refused"):
                        errors.append(("cannotDisseminateFormat",
                                       f"{identifier} is not available as {prefix}."))

        if bad or errors:
            all_errors = [("badArgument", m) for m in bad] + errors
            attrs = self.bad_attrs(pairs) if bad else [("verb", verb)] + echo
            return self.error_response(attrs, all_errors)

        request_attrs = [("verb", verb)] + echo
        if verb == "Identify":
            return self.identify(request_attrs)
        if verb == "ListMetadataFormats":
            return self.list_metadata_formats(request_attrs, legal.get("identifier"))
        if verb == "ListSets":
            return self.list_sets(request_attrs)
        if verb == "GetRecord":
            return self.get_record(request_attrs, item_number(legal["identifier"]), prefix)
        if selection is None:
            selection = {"metadataPrefix": prefix, "from": legal.get("from"),
                         "until": legal.get("until"), "set": set_spec, "offset": 0}
        if no_match:
            return self.error_response(request_attrs, [("noRecordsMatch",
                                                         "from is later than until.")])
        return self.list_items(verb, request_attrs, selection)

    def check_dates(self, legal, bad, echo):
        """Checks from/until, appending to `bad`.  bad-date-accepted drops an
        unparsable date from `legal` and `echo`.  True when the answer must
        be noRecordsMatch (from-after-until-no-records)."""
        parsed = {}
        for name in ("from", "until"):
            value = legal.get(name)
            if value is None:
                continue
            result = parse_date(value)
            if result is None:
                if self.fault == "bad-date-accepted" and not FRACTION_RE.match(value):
                    echo[:] = [(k, v) for k, v in echo if k != name]
                    del legal[name]
                    continue
                bad.append(f"The {name} value {value!r} is not a legal date.")
                continue
            if self.day and result[0] == "seconds" and self.fault != "finer-granularity-accepted":
                bad.append(f"The {name} value {value!r} is finer than the repository's "
                           "day granularity.")
                continue
            parsed[name] = result
        if "from" in parsed and "until" in parsed:
            (from_form, from_start), (until_form, until_start) = parsed["from"], parsed["until"]
            if from_form != until_form and self.fault != "mixed-granularity-accepted":
                bad.append("from and until have different granularities.")
            elif from_start > until_start:
                if self.fault == "from-after-until-no-records":
                    return True
                bad.append("from is later than until.")
        if "from" in parsed and self.fault == "future-from-bad-argument" and \
                parsed["from"][1] > self.latest():
            bad.append("from is later than every datestamp.")
        return False

    # -- tokens ------------------------------------------------------------------

    @staticmethod
    def encode_token(verb, selection, offset):
        state = {"v": verb, "m": selection["metadataPrefix"], "f": selection["from"],
                 "u": selection["until"], "s": selection["set"], "o": offset}
        raw = json.dumps(state, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def decode_token(self, verb, token):
        """The selection a token stands for, or None if it is no valid token."""
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_",
                                   validate=True)
            state = json.loads(raw.decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if not isinstance(state, dict) or set(state) != {"v", "m", "f", "u", "s", "o"}:
            return None
        if state["v"] != verb or state["m"] not in FORMATS:
            return None
        offset = state["o"]
        if not isinstance(offset, int) or isinstance(offset, bool) or offset <= 0:
            return None
        for key in ("f", "u"):
            if state[key] is not None and (not isinstance(state[key], str)
                                           or parse_date(state[key]) is None):
                return None
        if state["s"] is not None and (not isinstance(state["s"], str)
                                       or not SET_SPEC_RE.match(state["s"])):
            return None
        selection = {"metadataPrefix": state["m"], "from": state["f"], "until": state["u"],
                     "set": state["s"], "offset": offset}
        if offset >= len(self.select(verb, selection)):
            return None  # includes token-never-ends' final token
        return selection

    # -- the verbs -----------------------------------------------------------------

    def identify(self, request_attrs):
        base = "http://example.org/oai" if self.fault == "wrong-base-url" else self.base_url
        deleted = "no" if self.fault == "deleted-record-no" else "persistent"
        granularity = "YYYY-MM-DD" if self.day else "YYYY-MM-DDThh:mm:ssZ"
        domain = "example.com" if self.fault == "oai-identifier-mismatch" else "example.org"
        repository_identifier = f"<repositoryIdentifier>{domain}</repositoryIdentifier>\n"
        delimiter = "<delimiter>:</delimiter>\n"
        if self.fault == "invalid-description":
            repository_identifier, delimiter = delimiter, repository_identifier
        inner = (
            "  <Identify>\n"
            "    <repositoryName>Clean test repository</repositoryName>\n"
            f"    <baseURL>{escape(base)}</baseURL>\n"
            "    <protocolVersion>2.0</protocolVersion>\n"
            f"    <adminEmail>{'mailto:' if self.fault == 'mailto-admin-email' else ''}admin@example.org</adminEmail>\n"
            f"    <earliestDatestamp>{self.earliest()}</earliestDatestamp>\n"
            f"    <deletedRecord>{deleted}</deletedRecord>\n"
            f"    <granularity>{granularity}</granularity>\n"
            "    <compression>gzip</compression>\n"
            "    <compression>deflate</compression>\n"
            "    <description>\n"
            f'      <oai-identifier xmlns="{OAI_ID_NS}" xmlns:xsi="{XSI_NS}" '
            f'xsi:schemaLocation="{OAI_ID_NS} {OAI_ID_SCHEMA}">\n'
            "        <scheme>oai</scheme>\n"
            f"        {repository_identifier}"
            f"        {delimiter}"
            f"        <sampleIdentifier>oai:{domain}:rec-1</sampleIdentifier>\n"
            "      </oai-identifier>\n"
            "    </description>\n"
            "  </Identify>\n")
        return self.xml_response(request_attrs, inner)

    def list_metadata_formats(self, request_attrs, identifier):
        if identifier is None:
            prefixes = list(FORMATS)
            if self.fault == "no-oai-dc-format":
                prefixes.remove("oai_dc")
        else:
            prefixes = item_formats(item_number(identifier))
        body = "".join(
            "    <metadataFormat>"
            f"<metadataPrefix>{p}</metadataPrefix>"
            f"<schema>{FORMATS[p][0]}</schema>"
            f"<metadataNamespace>{FORMATS[p][1]}</metadataNamespace>"
            "</metadataFormat>\n" for p in prefixes)
        return self.xml_response(request_attrs,
                                 f"  <ListMetadataFormats>\n{body}  </ListMetadataFormats>\n")

    def list_sets(self, request_attrs):
        sets = [(s, name) for s, name in SETS
                if not (s == "math" and self.fault == "missing-parent-set")]
        body = "".join(f"    <set><setSpec>{s}</setSpec><setName>{name}</setName></set>\n"
                       for s, name in sets)
        return self.xml_response(request_attrs, f"  <ListSets>\n{body}  </ListSets>\n")

    def get_record(self, request_attrs, n, prefix):
        moment = self.stamp(n)
        if self.fault == "getrecord-header-differs":
            moment += ONE_SECOND
        inner = f"  <GetRecord>{self.record(n, prefix, moment)}</GetRecord>\n"
        return self.xml_response(request_attrs, inner)

    def select(self, verb, selection):
        """The items of a list, in datestamp order."""
        prefix = selection["metadataPrefix"]
        lower = upper = None
        if selection["from"] is not None:
            lower = parse_date(selection["from"])[1]
        if selection["until"] is not None:
            form, start = parse_date(selection["until"])
            upper = start if self.fault == "until-exclusive" else last_second(form, start)
        items = []
        for n in range(1, ITEM_COUNT + 1):
            if prefix not in item_formats(n):
                continue
            moment = self.list_stamp(n, verb)
            if lower is not None:
                if moment < lower or (moment == lower and self.fault == "from-exclusive"):
                    continue
            if upper is not None:
                if moment > upper or (moment == upper and self.fault == "until-exclusive"):
                    continue
            if selection["set"] is not None and self.fault != "set-ignored" and \
                    not in_set(n, selection["set"]):
                continue
            items.append(n)
        items.sort(key=lambda n: self.list_stamp(n, verb))
        return items

    def list_items(self, verb, request_attrs, selection):
        items = self.select(verb, selection)
        if not items:
            return self.error_response(request_attrs, [
                ("noRecordsMatch", "No record matches the arguments.")])
        size = self.page_size
        offset = selection["offset"]
        page = items[offset:offset + size]
        if self.fault == "duplicate-identifiers" and offset > 0:
            page = [items[offset - 1]] + page
        prefix = selection["metadataPrefix"]
        lines = []
        for n in page:
            moment = self.list_stamp(n, verb)
            if verb == "ListIdentifiers":
                lines.append("    " + self.header(n, moment) + "\n")
            else:
                lines.append("    " + self.record(n, prefix, moment) + "\n")
        total = len(items)
        if total > size:
            cursor = offset
            if self.fault == "inconsistent-cursor":
                cursor = offset // size  # the page index
            elif self.fault == "duplicate-identifiers" and offset > 0:
                cursor = offset + offset // size - 1  # the repeats sent before
            common = f'completeListSize="{total}" cursor="{cursor}"'
            more = offset + size < total
            if more or self.fault == "token-never-ends":
                if self.fault == "expired-tokens":
                    expires = self.now - datetime.timedelta(hours=1)
                elif self.fault == "short-token-lifetime":
                    expires = self.now + datetime.timedelta(minutes=2)
                else:
                    expires = self.now + ONE_DAY
                token = self.encode_token(verb, selection, offset + size if more else total)
                lines.append(f'    <resumptionToken expirationDate="{seconds_form(expires)}" '
                             f"{common}>{token}</resumptionToken>\n")
            else:
                lines.append(f"    <resumptionToken {common}/>\n")
        inner = f"  <{verb}>\n{''.join(lines)}  </{verb}>\n"
        return self.xml_response(request_attrs, inner)


# --------------------------------------------------------------------------
# Captured real responses


def read_manifest_verbs():
    """file (as in MANIFEST.md's table) -> first word of its verb column."""
    verbs = {}
    try:
        with open(os.path.join(REAL_DIR, "MANIFEST.md"), encoding="utf-8") as f:
            for line in f:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                if len(cells) >= 4 and cells[0].startswith("`") and cells[0].endswith("`"):
                    verbs[cells[0].strip("`")] = cells[3].split()[0] if cells[3] else ""
    except OSError:
        pass
    return verbs


REQUEST_VERB_RE = re.compile(rb"<(?:[A-Za-z0-9_.-]+:)?request\b[^>]*?\bverb\s*=\s*[\"']([A-Za-z]+)[\"']")


def fixture_verb(path, data, manifest):
    """The verb a captured response answers: from its <request verb=...>,
    else from MANIFEST.md (cassette bodies are listed under the cassette's
    name), else from the file name (sickle/ListRecordsBroken.xml)."""
    match = REQUEST_VERB_RE.search(data)
    if match and match.group(1).decode() in VERBS:
        return match.group(1).decode()
    candidates = [path]
    stem = re.sub(r"\.[0-9]+\.xml\Z", "", path)
    if stem != path:
        candidates.append(stem)
    for name in candidates:
        word = manifest.get(name, "")
        if word in VERBS:
            return word
    base = os.path.basename(path)
    for verb in sorted(VERBS, key=len, reverse=True):
        if base.startswith(verb):
            return verb
    return None


def load_real_responses():
    """relative path -> (verb, file path)."""
    real = {}
    if not os.path.isdir(REAL_DIR):
        return real
    manifest = read_manifest_verbs()
    for folder, _, files in os.walk(REAL_DIR):
        for name in files:
            if not name.endswith(".xml"):
                continue
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, REAL_DIR).replace(os.sep, "/")
            with open(full, "rb") as f:
                data = f.read()
            real[rel] = (fixture_verb(rel, data, manifest), full)
    return dict(sorted(real.items()))


# --------------------------------------------------------------------------
# HTTP


def accepted_encoding(header):
    """gzip or deflate if Accept-Encoding accepts it with q > 0, else None."""
    if not header:
        return None
    qualities = {}
    for part in header.split(","):
        name, *params = [p.strip() for p in part.split(";")]
        if not name:
            continue
        q = 1.0
        for param in params:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        qualities[name.lower()] = q
    wildcard = qualities.get("*", 0.0)
    best, best_q = None, 0.0
    for name in ("gzip", "deflate"):
        q = qualities.get(name, qualities.get("x-gzip", wildcard) if name == "gzip" else wildcard)
        if q > best_q:
            best, best_q = name, q
    return best


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "broken_repositories/1.0"

    def do_GET(self):
        self.dispatch(urllib.parse.urlsplit(self.path).query)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        self.dispatch(raw.decode("utf-8", errors="replace"))

    def log_message(self, format, *args):
        pass  # one line per request is written by dispatch

    def host_base(self):
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        return f"http://{host}"

    def dispatch(self, query):
        path = urllib.parse.urlsplit(self.path).path
        try:
            response = self.route(path, query)
        except Exception:  # a bug here must show, not hang the test
            traceback.print_exc(file=sys.stderr)
            response = Response(500, b"broken_repositories: internal error\n",
                                content_type=PLAIN_CONTENT_TYPE, compressible=False)
        try:
            sent = self.send(response)
        except OSError:  # the client went away
            self.close_connection = True
            sent = 0
        shown = f"{path}?{query}" if query else path
        print(f"broken_repositories: {self.command} {shown} -> {response.status} "
              f"({sent} bytes)", file=sys.stderr, flush=True)

    def route(self, path, query):
        match = re.fullmatch(r"/(.+)/oai", path)
        if not match:
            return self.plain(404, "broken_repositories: no repository here\n")
        name = match.group(1)
        if name.startswith("real/"):
            return self.route_real(name, query)
        fault = EXTRA_REPOSITORIES.get(name, name if name in FAULTS else None)
        if fault is None:
            return self.plain(404, f"broken_repositories: no repository {name!r}\n")
        base_url = f"{self.host_base()}/{name}/oai"

        if fault == "html-everywhere":
            return Response(200, WELCOME_PAGE.encode("utf-8"),
                            content_type=HTML_CONTENT_TYPE, compressible=False)
        if fault == "redirecting":
            target = f"{self.host_base()}/redirecting-target/oai"
            if self.command == "GET" and query:
                target += "?" + query
            status = 307 if self.command == "POST" else 302
            response = self.plain(status, f"Moved to {target}\n")
            response.headers["Location"] = target
            return response
        if fault == "post-refused" and self.command == "POST":
            response = self.plain(405, "POST is not allowed here\n")
            response.headers["Allow"] = "GET"
            return response
        if fault in ("unavailable-no-retry-after", "unavailable-with-retry-after"):
            with self.server.lock:
                key = (name, query)
                busy = sum(1 for seen_name, _ in self.server.seen if seen_name == name)
                first = key not in self.server.seen and busy < 3
                if first:
                    self.server.seen.add(key)
            if first:
                response = self.plain(503, "Busy, come back later\n")
                if fault == "unavailable-with-retry-after":
                    response.headers["Retry-After"] = "1"
                return response

        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, errors="replace")
        response = Repository(fault, base_url).handle(pairs)
        if fault == "not-found-for-errors" and response.is_error:
            response.status = 404
        if fault == "no-content-type":
            response.content_type = None
        if fault == "gzip-not-honoured":
            response.compressible = False
        return response

    def route_real(self, name, query):
        rel = name[len("real/"):]
        real = self.server.real
        if rel not in real:
            rel = urllib.parse.unquote(rel)
        if rel not in real:
            return self.plain(404, f"broken_repositories: no captured response {rel!r}\n")
        verb, full = real[rel]
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, errors="replace")
        verbs = [v for k, v in pairs if k == "verb"]
        if len(verbs) == 1 and verbs[0] == verb:
            with open(full, "rb") as f:
                return Response(200, f.read())
        return Repository("clean", f"{self.host_base()}/{name}/oai").handle(pairs)

    @staticmethod
    def plain(status, text):
        return Response(status, text.encode("utf-8"), content_type=PLAIN_CONTENT_TYPE,
                        compressible=False)

    def send(self, response):
        body = response.body
        encoding = None
        if response.compressible:
            encoding = accepted_encoding(self.headers.get("Accept-Encoding"))
            body = compress(body, encoding)
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if response.compressible:
            self.send_header("Vary", "Accept-Encoding")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return len(body)


class Server(LoopbackServer):
    def __init__(self):
        self.lock = threading.Lock()
        self.seen = set()  # (repository, query) pairs already answered 503
        self.real = load_real_responses()
        super().__init__(Handler)


# --------------------------------------------------------------------------
# Main


def list_json():
    table = {name: dict(entry) for name, entry in FAULTS.items()}
    table["real"] = {rel: verb for rel, (verb, _) in load_real_responses().items()}
    json.dump(table, sys.stdout, indent=2)
    sys.stdout.write("\n")


def write_port_file(path, port):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", help="write the port number here")
    parser.add_argument("--lifetime", type=float, default=300,
                        help="exit after this many seconds (default 300)")
    parser.add_argument("--list-json", action="store_true",
                        help="print the repositories and their expectations as JSON, then exit")
    args = parser.parse_args(argv)
    if not args.list_json and not args.port_file:
        parser.error("--port-file is required (or --list-json)")
    return args


def main(argv):
    args = parse_args(argv)
    if args.list_json:
        list_json()
        return 0
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: STOP.set())
    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    write_port_file(args.port_file, server.server_port)
    print(f"broken_repositories: serving {len(FAULTS)} repositories and "
          f"{len(server.real)} captured responses on 127.0.0.1:{server.server_port}",
          file=sys.stderr, flush=True)
    deadline = time.monotonic() + args.lifetime
    # Short waits keep the main thread responsive to signals.
    while not STOP.wait(0.2):
        if time.monotonic() >= deadline:
            print("broken_repositories: lifetime reached", file=sys.stderr, flush=True)
            break
    STOP.set()
    server.socket.close()
    sys.stderr.flush()
    # os._exit: do not wait for (or finalize under) handler threads.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
