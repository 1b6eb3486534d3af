"""A loopback HTTP server that serves the bundled mirror, with faults and changes scripted per path.

It answers by path and query only, so a crawl pointed at ``http://127.0.0.1:PORT`` reads
the pages saved for one host of the mirror (``mid.ru`` unless told otherwise).

- Every 200 answer carries an ETag (a hash of the body) and honours If-None-Match with 304.
- ``faults`` maps a path to one-shot answers given in turn before the page itself:
  ``(status, headers, body)``, ``SLEEP(seconds)`` (then the page), ``RESET`` (the connection is
  dropped with a TCP reset) or ``TRUNCATE`` (half the body, then the connection closes).
- ``set(path, body)``, ``remove(path)`` (404) and ``restore(path)`` change the site between runs.
- ``block(status, body)`` makes the whole site answer every request so (a WAF refusing the
  crawler), robots.txt included; ``unblock()`` ends it.
- ``delay`` slows every answer, to make runs long enough to interrupt.
- ``requests`` records each request: (time, path, User-Agent, Cookie header).

Accepted sockets set TCP_NODELAY: the handler writes the headers and the body in two sends, and
with Nagle's algorithm on, the body waits for the client's delayed ACK of the headers (about
40 ms on Linux) on every answer after a connection's first.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from crawler.replay import Mirror


@dataclass(frozen=True)
class SLEEP:
    seconds: float


RESET = "reset"
TRUNCATE = "truncate"


class LoopbackSite:
    """``with LoopbackSite(mirror_dir) as site: site.base_url …``"""

    def __init__(self, mirror_dir, faults: dict[str, list] | None = None, host: str = "mid.ru",
                 delay: float = 0.0) -> None:
        self.mirror = Mirror(mirror_dir)
        self.by_path = {}
        for key in self.mirror.entries:
            parts = urlsplit(key)
            if parts.netloc != host.lower().removeprefix("www."):  # mirror keys drop "www."
                continue
            self.by_path[parts.path + (f"?{parts.query}" if parts.query else "")] = key
        self.faults = defaultdict(list, {k: list(v) for k, v in (faults or {}).items()})
        self.overrides: dict[str, tuple[int, dict, bytes]] = {}
        self.blocked: tuple[int, dict, bytes] | None = None
        self.requests: list[tuple[float, str, str | None, str | None]] = []
        self.delay = delay
        self.hits: Counter[str] = Counter()
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.lock = threading.Lock()
        #: TCP_NODELAY as read back from each accepted socket (for the test that it is set).
        self.nodelay: list[bool] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # StreamRequestHandler.setup() sets TCP_NODELAY

            def setup(self):
                super().setup()
                with site.lock:
                    site.nodelay.append(bool(self.request.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

            def do_GET(self):
                with site.lock:
                    site.hits[self.path] += 1
                    site.requests.append((time.monotonic(), self.path, self.headers.get("User-Agent"),
                                          self.headers.get("Cookie")))
                    fault = site.faults[self.path].pop(0) if site.faults[self.path] else None
                    if site.blocked is not None:
                        fault = site.blocked
                if site.delay:
                    time.sleep(site.delay)
                if isinstance(fault, SLEEP):
                    time.sleep(fault.seconds)
                    fault = None
                if fault == RESET:
                    self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.request.close()
                    return
                status, headers, body = fault if isinstance(fault, tuple) else site.page(self.path)
                headers = dict(headers)
                if status == 200 and fault is None:
                    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                    headers["ETag"] = etag
                    if self.headers.get("If-None-Match") == etag:
                        status, body = 304, b""
                with site.lock:
                    site.statuses[(self.path, status)] += 1
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                if fault == TRUNCATE or status in (301, 302):
                    self.send_header("Connection", "close")
                self.end_headers()
                if fault == TRUNCATE:
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # serve_forever looks for a shutdown every poll_interval: 0.5 s by default, a wait on every exit.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def page(self, path: str) -> tuple[int, dict, bytes]:
        """What the site serves at a path now."""
        if path in self.overrides:
            return self.overrides[path]
        key = self.by_path.get(path)
        found = self.mirror.lookup(key) if key else None
        return found or (404, {"Content-Type": "text/plain"}, b"not found\n")

    def set(self, path: str, body: bytes, status: int = 200, headers: dict | None = None) -> None:
        self.overrides[path] = (status, headers or {"Content-Type": "text/html; charset=utf-8"}, body)

    def block(self, status: int = 403, body: bytes = b"<h1>Forbidden</h1>", headers: dict | None = None) -> None:
        self.blocked = (status, headers or {"Content-Type": "text/html; charset=utf-8"}, body)

    def unblock(self) -> None:
        self.blocked = None

    def remove(self, path: str) -> None:
        self.overrides[path] = (404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404</h1>")

    def restore(self, path: str) -> None:
        self.overrides.pop(path, None)

    def original(self, path: str) -> bytes:
        """The mirror's page at a path, whatever overrides say."""
        return self.mirror.lookup(self.by_path[path])[2]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LoopbackSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
