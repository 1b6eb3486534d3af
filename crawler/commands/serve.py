"""``scrapy serve``: serve the public folder for local use, with ETag, Last-Modified, 304 and gzip.

Bound to localhost unless told otherwise (``--bind``); Twisted's static file server does the
work (Last-Modified and If-Modified-Since); we add a strong ETag from size and modification time.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from twisted.web import resource, server, static

if TYPE_CHECKING:
    import argparse

    from twisted.web.server import Request

TYPES = {".atom": "application/atom+xml; charset=utf-8", ".opml": "text/x-opml; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".json": "application/json",
         ".jsonl": "application/x-ndjson", ".gz": "application/gzip", ".txt": "text/plain; charset=utf-8"}


class PublicFolder(static.File):
    """Static files with an ETag (size and mtime) answered with 304 on If-None-Match."""

    contentTypes = {**static.File.contentTypes, **TYPES}  # noqa: RUF012 - Twisted's own class attribute

    def render_GET(self, request: Request) -> bytes | int:
        if self.isfile():
            stat = Path(self.path).stat()
            etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'.encode()
            request.setHeader(b"ETag", etag)
            request.setHeader(b"Cache-Control", b"no-cache")
            if etag in (request.getHeader(b"If-None-Match") or b"").replace(b" ", b"").split(b","):
                request.setResponseCode(304)
                return b""
        return super().render_GET(request)

    render_HEAD = render_GET

    def createSimilarFile(self, path: str) -> PublicFolder:
        similar = super().createSimilarFile(path)
        similar.indexNames = ["index.html"]
        return similar

    def getChild(self, path: bytes, request: Request) -> resource.Resource:
        # Every file below is gzip-encoded for clients that accept it, not only the root.
        return resource.EncodingResourceWrapper(super().getChild(path, request), [server.GzipEncoderFactory()])

    def directoryListing(self) -> resource.Resource:
        return resource.NoResource("No such feed.")


def site_for(folder: str | Path) -> server.Site:
    """A Twisted site serving the folder, gzip for clients that accept it."""
    root = PublicFolder(str(folder))
    root.indexNames = ["index.html"]
    return server.Site(resource.EncodingResourceWrapper(root, [server.GzipEncoderFactory()]))


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--port 8000] [--bind 127.0.0.1]"

    def short_desc(self) -> str:
        return "Serve the public folder for local use"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default: localhost only)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        folder = Path(self.settings.get("MF_PUBLIC_DIR"))
        if not (folder / "index.html").exists():
            print(f"scrapy serve: {folder}: nothing published yet (run `scrapy publish`)", file=sys.stderr)
            self.exitcode = 1
            return
        from twisted.internet import reactor

        port = reactor.listenTCP(opts.port, site_for(folder), interface=opts.bind)
        address = port.getHost()
        print(f"serving {folder} at http://{address.host}:{address.port}/ (Ctrl-C to stop)", file=sys.stderr,
              flush=True)
        reactor.run()
