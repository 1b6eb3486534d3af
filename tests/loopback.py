"""A loopback HTTP server that serves the bundled mirror, with faults scripted per path.

It answers by path and query only, so a crawl pointed at ``http://127.0.0.1:PORT`` reads
the pages saved for one host of the mirror (``mid.ru`` unless told otherwise). ``faults`` maps
a path (with query) to ``(status, headers, body)`` responses given in turn before the mirror's
own page.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from crawler.replay import Mirror


class LoopbackSite:
    """``with LoopbackSite(mirror_dir) as site: site.base_url …``"""

    def __init__(self, mirror_dir, faults: dict[str, list] | None = None, host: str = "mid.ru") -> None:
        self.mirror = Mirror(mirror_dir)
        self.by_path = {}
        for key in self.mirror.entries:
            parts = urlsplit(key)
            if parts.netloc != host:
                continue
            self.by_path[parts.path + (f"?{parts.query}" if parts.query else "")] = key
        self.faults = defaultdict(list, {k: list(v) for k, v in (faults or {}).items()})
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with site.lock:
                    site.hits[self.path] += 1
                    fault = site.faults[self.path].pop(0) if site.faults[self.path] else None
                if fault is not None:
                    status, headers, body = fault
                else:
                    key = site.by_path.get(self.path)
                    found = site.mirror.lookup(key) if key else None
                    status, headers, body = found or (404, {"Content-Type": "text/plain"}, b"not found\n")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LoopbackSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
