"""``scrapy serve [--port 8000] [--bind 127.0.0.1]``: serve the public folder for local use.

A small HTTP/1.1 server (the standard library's ``http.server``) that serves only what publishing
writes: files of the known types (Atom, OPML, HTML, the XSLT stylesheet, JSON, the gzipped dumps,
``SHA256SUMS``), never a dotfile (``.publish-state.json``, the temporary files of a write) nor a
folder listing. GET and HEAD only. It follows RFC 9110:

- §13 conditional requests: If-Match and If-Unmodified-Since (412), If-None-Match with weak
  comparison and ``*`` (304 for GET and HEAD, 412 otherwise), If-Modified-Since only for GET and
  HEAD and only without If-None-Match (§13.2.2 gives the order);
- §12.5.3 content codings: gzip when the client accepts it, with ``Vary: Accept-Encoding`` and an
  ETag of its own (§8.8.3: a strong validator names one representation);
- §12.5.1 a feed is ``application/atom+xml``, except for a browser (a client that ranks text/html
  above it), which gets the same bytes as ``application/xml`` so that it applies the feed's XSLT
  stylesheet (Chromium shows Atom as plain text), with ``Vary: Accept`` and its own ETag;
- a request target that is not a clean path (NUL or control characters, ``..``, an encoded ``/``
  or ``\\``, a bad %-escape, bytes that are not UTF-8) answers 400; a path that names no
  published file answers 404.

Bound to localhost unless told otherwise (``--bind``). A bad ``--port`` or ``--bind``, a port in
use, or a missing public folder is one line on stderr and exit code 2.
"""

from __future__ import annotations

import errno
import gzip
import os
import re
import socket
import stat
import sys
from datetime import UTC
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import unquote_to_bytes, urlsplit

from scrapy.commands import ScrapyCommand

from crawler.commands import EXIT_USAGE, one_line_usage_errors

if TYPE_CHECKING:
    import argparse

#: Media types by file suffix; a file of any other kind is not served.
TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xsl": "application/xslt+xml; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/jsonl; charset=utf-8",
    ".gz": "application/gzip",
    ".txt": "text/plain; charset=utf-8",
}
#: Media types of published files known by name.
NAMED_TYPES = {"SHA256SUMS": "text/plain; charset=utf-8"}
#: What a feed is served as to a browser (see wants_page).
FEED_PAGE_TYPE = "application/xml; charset=utf-8"
#: Types sent gzip-encoded to clients that accept it (not what is compressed already).
COMPRESSIBLE = {suffix for suffix in TYPES if suffix != ".gz"}
INDEX = "index.html"
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadPath(ValueError):
    """A request target that is not a clean path (answered 400)."""


def media_type(name: str) -> str | None:
    """The Content-Type a published file is served with, None for files that are not served."""
    if name in NAMED_TYPES:
        return NAMED_TYPES[name]
    return TYPES.get(os.path.splitext(name)[1])


def path_segments(target: str) -> list[str]:
    """The decoded segments of a request target's path; BadPath for anything but a clean path.

    Segments are split before %-decoding, so ``%2F`` cannot make a separator; ``.``, ``..``, an
    encoded ``/`` or ``\\``, control characters and non-UTF-8 bytes are refused."""
    if target.startswith(("http://", "https://")):  # absolute-form (RFC 9112 §3.2.2)
        target = urlsplit(target).path or "/"
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        raise BadPath("not an absolute path")
    if _CONTROL.search(path) or _BAD_ESCAPE.search(path):
        raise BadPath("control character or bad %-escape")
    segments = []
    for raw in path[1:].split("/"):
        try:
            segment = unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise BadPath("not UTF-8") from None
        if segment in (".", "..") or "/" in segment or "\\" in segment or _CONTROL.search(segment):
            raise BadPath(f"bad segment {raw!r}")
        segments.append(segment)
    return segments


def published_file(root: Path, target: str) -> Path | None:
    """The published file a request target names (``/`` and ``…/`` name ``index.html``), or None.
    BadPath for a target that is not a clean path."""
    segments = path_segments(target)
    if segments[-1] == "":
        segments[-1] = INDEX
    if any(segment == "" or segment.startswith(".") for segment in segments):
        return None  # empty segments, dotfiles and temporary files are never served
    if media_type(segments[-1]) is None:
        return None
    path = root.joinpath(*segments)
    try:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root) or not stat.S_ISREG(real.stat().st_mode):
            return None
    except OSError:
        return None
    return real


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding value (RFC 9110 §12.5.3) prefers gzip to no coding."""
    if not header:
        return False
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name] = weight
    star = weights.get("*")
    gzip_weight = weights.get("gzip", weights.get("x-gzip", star if star is not None else 0.0))
    identity_weight = weights.get("identity", star if star is not None else 1.0)
    return gzip_weight > 0 and gzip_weight >= identity_weight


def _weight(accept: str, media: str) -> float:
    """The q-value an Accept header (RFC 9110 §12.5.1) gives a media type: its most specific
    matching range counts (``type/subtype``, then ``type/*``, then ``*/*``); 0 when none matches."""
    kind = media.split("/", 1)[0]
    found: dict[int, float] = {}
    for item in accept.split(","):
        parts = [part.strip() for part in item.split(";")]
        media_range = parts[0].lower()
        rank = {media: 3, f"{kind}/*": 2, "*/*": 1}.get(media_range)
        if rank is None:
            continue
        weight = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        found[rank] = max(weight, found.get(rank, 0.0))
    return found[max(found)] if found else 0.0


def wants_page(accept: str | None) -> bool:
    """Whether a client asking for a feed is a browser that wants a page (it ranks text/html
    above application/atom+xml). Chromium shows application/atom+xml as plain text and applies
    a feed's stylesheet only to an XML type, so browsers get the same bytes as application/xml."""
    if not accept:
        return False
    return _weight(accept, "text/html") > _weight(accept, "application/atom+xml")


def http_date(value: str | None) -> float | None:
    """Seconds since the epoch of an HTTP-date (RFC 9110 §5.6.7, the obsolete forms too), None
    when the value is not one (the header is then ignored)."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # asctime form: GMT by definition
        return moment.replace(tzinfo=UTC).timestamp()
    return moment.timestamp()


def entity_tags(header: str) -> list[tuple[bool, str]]:
    """(weak, opaque tag) of each entity tag in an If-Match / If-None-Match list."""
    return [(tag.startswith("W/"), tag.removeprefix("W/")) for tag in re.findall(r'(?:W/)?"[^"]*"', header)]


@lru_cache(maxsize=32)
def _gzipped(data: bytes) -> bytes:
    """The gzip representation of a file's bytes: no name, no time, so the same bytes always."""
    return gzip.compress(data, compresslevel=6, mtime=0)


class PublicFolderHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the public folder; see the module's docstring for the rules."""

    protocol_version = "HTTP/1.1"
    server_version = "ministry-feeds"
    root: ClassVar[Path]

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _not_allowed(self) -> None:
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD", {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a local server for one person; errors are answered, not logged."""

    def _plain(self, status: HTTPStatus, text: str, headers: dict[str, str] | None = None,
               send_body: bool = True) -> None:
        body = f"{status.value} {status.phrase}: {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body and self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, send_body: bool) -> None:
        try:
            path = published_file(self.root, self.path)
        except BadPath as error:
            self._plain(HTTPStatus.BAD_REQUEST, f"not a clean path ({error})")
            return
        if path is None:
            self._plain(HTTPStatus.NOT_FOUND, "no such file (is it published?)")
            return
        try:
            with open(path, "rb") as handle:  # bytes and their stat from one open file
                info = os.fstat(handle.fileno())
                data = handle.read()
        except OSError:
            self._plain(HTTPStatus.NOT_FOUND, "no such file")
            return
        suffix = os.path.splitext(path.name)[1]
        content_type = media_type(path.name) or "application/octet-stream"
        vary = []
        variant = ""  # each representation has its own strong ETag (RFC 9110 §8.8.3)
        if suffix == ".atom":
            vary.append("Accept")
            if wants_page(self.headers.get("Accept")):
                content_type, variant = FEED_PAGE_TYPE, "-xml"
        coded = False
        if suffix in COMPRESSIBLE:
            vary.append("Accept-Encoding")
            coded = accepts_gzip(self.headers.get("Accept-Encoding"))
            variant += "-gzip" if coded else ""
        etag = f'"{info.st_size:x}-{info.st_mtime_ns:x}{variant}"'
        modified = int(info.st_mtime)
        headers = {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True), "Cache-Control": "no-cache"}
        if vary:
            headers["Vary"] = ", ".join(vary)
        status = self._precondition(etag, modified)
        if status == HTTPStatus.PRECONDITION_FAILED:
            self._plain(status, "precondition failed", headers)
            return
        if status == HTTPStatus.NOT_MODIFIED:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        if coded:
            data = _gzipped(data)
            headers["Content-Encoding"] = "gzip"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _precondition(self, etag: str, modified: int) -> HTTPStatus | None:
        """RFC 9110 §13.2.2: 412, 304 or None (go on), evaluated in the order it gives."""
        if_match = self.headers.get("If-Match")
        if if_match is not None:
            strong = [tag for weak, tag in entity_tags(if_match) if not weak]
            if if_match.strip() != "*" and etag not in strong:  # strong comparison (§8.8.3.2)
                return HTTPStatus.PRECONDITION_FAILED
        else:
            since = http_date(self.headers.get("If-Unmodified-Since"))
            if since is not None and modified > since:
                return HTTPStatus.PRECONDITION_FAILED
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            # Weak comparison (§13.1.2): W/"x" matches "x"; "*" matches any current representation.
            if if_none_match.strip() == "*" or etag in [tag for _, tag in entity_tags(if_none_match)]:
                return HTTPStatus.NOT_MODIFIED if self.command in ("GET", "HEAD") else HTTPStatus.PRECONDITION_FAILED
            return None
        if self.command in ("GET", "HEAD"):
            since = http_date(self.headers.get("If-Modified-Since"))
            if since is not None and modified <= since:
                return HTTPStatus.NOT_MODIFIED
        return None


def address_family(host: str, port: int) -> socket.AddressFamily:
    """The address family to listen on ``host`` with; socket.gaierror when it is no address."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0][0]


def make_server(folder: Path, host: str, port: int) -> ThreadingHTTPServer:
    """A threaded server for the folder, listening; OSError (or socket.gaierror) when it cannot."""
    family = address_family(host, port)
    handler = type("Handler", (PublicFolderHandler,), {"root": Path(os.path.realpath(folder))})
    server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family, "daemon_threads": True})
    return server_class((host, port), handler)


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--port 8000] [--bind 127.0.0.1]"

    def short_desc(self) -> str:
        return "Serve the public folder for local use"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        one_line_usage_errors(parser, "serve")
        parser.add_argument("--port", default="8000", help="port to listen on, 0 for any free one (default: 8000)")
        parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default: localhost only)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            self._usage(f"unexpected arguments: {' '.join(args)}")
            return
        if not opts.port.isascii() or not opts.port.isdigit() or int(opts.port) > 65535:
            self._usage(f"--port {opts.port}: not a port number (0 to 65535)")
            return
        try:
            address_family(opts.bind, int(opts.port))
        except socket.gaierror as error:
            self._usage(f"--bind {opts.bind}: not an address to listen on ({error.strerror})")
            return
        folder = Path(self.settings.get("MF_PUBLIC_DIR"))
        if not folder.is_dir():
            self._usage(f"{folder}: no such folder (MF_PUBLIC_DIR; run `scrapy publish` first)")
            return
        if not (folder / INDEX).is_file():
            self._usage(f"{folder}: nothing published yet (run `scrapy publish`)")
            return
        try:
            server = make_server(folder, opts.bind, int(opts.port))
        except socket.gaierror as error:
            self._usage(f"--bind {opts.bind}: not an address to listen on ({error.strerror})")
            return
        except OSError as error:
            reason = "already in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
            self._usage(f"--bind {opts.bind} --port {opts.port}: cannot listen ({reason})")
            return
        host, port = server.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"serving {folder} at http://{shown}:{port}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _usage(self, message: str) -> None:
        print(f"scrapy serve: {message}", file=sys.stderr)
        self.exitcode = EXIT_USAGE
