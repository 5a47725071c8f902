"""The HTTP server the tests' Python servers share: threaded, on 127.0.0.1
and a port of the system's choosing, quiet about clients that go away; and
the body encodings they send.

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "support"))
    from loopback_server import LoopbackServer
"""
import gzip
import http.server
import socketserver
import sys
import zlib


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a stalled handler never blocks exit
    block_on_close = False

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self):
        # Skip HTTPServer.server_bind: its getfqdn() can stall on bad DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        # A client that hangs up is expected (timeouts, kills); anything else
        # is a bug worth its traceback.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def compress(body: bytes, encoding) -> bytes:
    """`body` in the HTTP content coding `encoding` (gzip, deflate, or None)."""
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)  # zlib-wrapped, as HTTP "deflate" means
    return body
