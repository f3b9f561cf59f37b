"""Loopback WHOIS and RDAP servers for the tests of the live lookups.

WhoisServer answers port-43 queries from a dict, and can be slow, never
answer, close or reset the connection after part of an answer, or start
throttling after a number of queries. RdapServer serves a bootstrap file
whose services point at itself, domain objects, 404, 429 with Retry-After and
redirects. Both listen on 127.0.0.1 only, record every query with its
monotonic arrival time, and stop when used as context managers."""

import http.server
import json
import socket
import socketserver
import struct
import threading
import time

LOOPBACK = "127.0.0.1"


class _ThreadingTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class WhoisServer:
    """A WHOIS server on 127.0.0.1.

    answers maps the query line, without its CRLF, to the bytes to send;
    default is sent for any other query (None: close without answering).
    mode is one of "answer", "silent" (read the query, never answer),
    "partial" (send the first `cut` bytes, then close), "reset" (send the
    first `cut` bytes, then reset the connection). delay is seconds to wait
    before sending. After throttle_after queries every response is
    throttle_text."""

    def __init__(self, answers=None, default=None, mode="answer", cut=0, delay=0.0,
                 throttle_after=None, throttle_text=b""):
        self.answers = dict(answers or {})
        self.default = default
        self.mode = mode
        self.cut = cut
        self.delay = delay
        self.throttle_after = throttle_after
        self.throttle_text = throttle_text
        self.queries = []  # (monotonic time of connection, query line as bytes)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                server._handle(self.request)

        self._server = _ThreadingTCPServer((LOOPBACK, 0), Handler)
        self.port = self._server.server_address[1]
        self.address = f"{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _read_line(self, sock):
        data = b""
        sock.settimeout(10)
        while not data.endswith(b"\n") and len(data) < 4096:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def _handle(self, sock):
        arrived = time.monotonic()
        line = self._read_line(sock)
        query = line.rstrip(b"\r\n")
        with self._lock:
            self.queries.append((arrived, line))
            count = len(self.queries)

        if self.mode == "silent":
            self._stop.wait(60)
            return
        if self.delay:
            time.sleep(self.delay)
        if self.throttle_after is not None and count > self.throttle_after:
            answer = self.throttle_text
        else:
            answer = self.answers.get(query.decode("latin-1"), self.default)
        if answer is None:
            return
        if self.mode == "partial":
            sock.sendall(answer[:self.cut])
            sock.shutdown(socket.SHUT_WR)
            return
        if self.mode == "reset":
            sock.sendall(answer[:self.cut])
            time.sleep(0.2)
            # SO_LINGER with a zero timeout turns close() into a reset.
            # socketserver would shut the socket down cleanly first, so close
            # it here.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        sock.sendall(answer)

    def query_lines(self):
        with self._lock:
            return [line for _, line in self.queries]

    def query_times(self):
        with self._lock:
            return [t for t, _ in self.queries]


class RdapServer:
    """An RDAP server on 127.0.0.1, with its own bootstrap file.

    services is a list of ([suffix, ...], [path or URL, ...]): a path such as
    "/a/" becomes this server's URL. routes maps a request path to
    (status, body bytes, headers dict); "/dns.json" is served from services.
    redirects maps a path to the Location to send with a 302. delay is
    seconds to wait before every response."""

    def __init__(self, services=(), routes=None, redirects=None, delay=0.0):
        self.routes = dict(routes or {})
        self.redirects = dict(redirects or {})
        self.delay = delay
        self.requests = []  # (monotonic time, path, Accept header)
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server._handle(self)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.bootstrap = {
            "version": "1.0",
            "publication": "2024-01-01T00:00:00Z",
            "description": "loopback test bootstrap",
            "services": [[list(suffixes), [self.url + u if u.startswith("/") else u
                                           for u in urls]]
                         for suffixes, urls in services],
        }
        self.routes["/dns.json"] = (200, json.dumps(self.bootstrap).encode(),
                                    {"Content-Type": "application/json"})
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler):
        with self._lock:
            self.requests.append((time.monotonic(), handler.path,
                                  handler.headers.get("Accept", "")))
        if self.delay:
            time.sleep(self.delay)
        if handler.path in self.redirects:
            status, body, headers = 302, b"", {"Location": self.redirects[handler.path]}
        else:
            status, body, headers = self.routes.get(
                handler.path,
                (404, b'{"errorCode":404,"title":"Not Found"}',
                 {"Content-Type": "application/rdap+json"}))
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def paths(self):
        with self._lock:
            return [path for _, path, _ in self.requests]

    def accepts(self):
        with self._lock:
            return [accept for _, _, accept in self.requests]

    def domain(self, name, body, status=200, headers=None, prefix="/a/"):
        """Serve body for GET PREFIXdomain/NAME."""
        self.routes[f"{prefix}domain/{name}"] = (
            status, body, {"Content-Type": "application/rdap+json", **(headers or {})})
