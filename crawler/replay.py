"""Offline replay: a download handler that answers every request from a saved mirror.

A mirror is a folder with ``manifest.json`` mapping absolute URLs to
``{"file": "relative/path", "status": 200, "headers": {...}}`` (status and headers optional).
It replaces the http and https download handlers, so replayed responses go through the whole
downloader path (robots.txt, retries, bot-wall detection, decompression) as fetched ones do, and
the download size limits (DOWNLOAD_MAXSIZE, DOWNLOAD_WARNSIZE) apply as on the network. A URL
the mirror does not hold answers 404.

A mirror's manifest is read once per process (:meth:`Mirror.open`), and every file it names is
checked then (a manifest that names a missing file is a :class:`MirrorError` naming the
manifest, the URL and the file, before anything is crawled): `scrapy update` runs every spider in
one process, and each has its download handler.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit, urlunsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import DownloadCancelledError, NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


logger = logging.getLogger(__name__)


class MirrorError(ValueError):
    """A mirror folder or manifest that cannot be used (the message names the file)."""


def _key(url: str) -> str:
    """URLs compared without fragment, host lower-cased and without ``www.``."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    return urlunsplit((parts.scheme, host, parts.path or "/", parts.query, ""))


class Mirror:
    """A saved mirror: URL → (status, headers, body path)."""

    #: Mirrors already read, by folder and the manifest's size and modification time.
    _opened: ClassVar[dict[tuple[str, int, int], Mirror]] = {}
    _OPENED_KEPT: ClassVar[int] = 4

    @classmethod
    def open(cls, folder: str | Path) -> Mirror:
        """The mirror in ``folder``, read once while its manifest does not change (raises
        :class:`MirrorError` as the constructor does)."""
        manifest = Path(folder).resolve() / "manifest.json"
        try:
            stat = manifest.stat()
        except OSError:
            return cls(folder)  # raises MirrorError naming the file
        key = (str(manifest), stat.st_size, stat.st_mtime_ns)
        if key not in cls._opened:
            if len(cls._opened) >= cls._OPENED_KEPT:
                cls._opened.pop(next(iter(cls._opened)))
            cls._opened[key] = cls(folder)
        return cls._opened[key]

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise MirrorError(f"{self.folder}: is not a folder (a mirror is a folder with manifest.json)")
        manifest = self.folder / "manifest.json"
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise MirrorError(f"{manifest}: no such file (a mirror needs manifest.json)") from None
        except OSError as error:
            raise MirrorError(f"{manifest}: cannot be read ({error.strerror})") from None
        except json.JSONDecodeError as error:
            raise MirrorError(f"{manifest}: not valid JSON ({error})") from None
        except UnicodeDecodeError as error:  # JSON is UTF-8 (RFC 8259): one saved as UTF-16, Latin-1…
            raise MirrorError(f"{manifest}: not UTF-8 text ({error.reason} at byte {error.start})") from None
        if not isinstance(entries, dict):
            raise MirrorError(f"{manifest}: must map URLs to entries")
        self.entries: dict[str, dict] = {}
        for url, entry in entries.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                raise MirrorError(f"{manifest}: entry for {url} needs a 'file'")
            status = entry.get("status", 200)  # a number, or a string of one ("200"), as int() reads it
            if isinstance(status, bool) or not isinstance(status, int | str) \
                    or not (str(status).strip().isdigit() and 100 <= int(status) <= 599):
                raise MirrorError(f"{manifest}: entry for {url}: status {status!r} is not an HTTP status (100 to 599)")
            headers = entry.get("headers", {})  # a value, or a list of values for a repeated header
            if not isinstance(headers, dict) or not all(
                    isinstance(name, str) and (isinstance(value, str) or (isinstance(value, list) and all(
                        isinstance(item, str) for item in value)))
                    for name, value in headers.items()):
                raise MirrorError(f"{manifest}: entry for {url}: headers must map names to strings "
                                  "(or lists of strings)")
            path = self.folder / entry["file"]
            try:
                is_file = path.is_file()
            except OSError as error:  # a name too long, say
                raise MirrorError(f"{manifest}: entry for {url}: {path} cannot be read ({error.strerror})") from None
            if not is_file:
                reason = "is not a file" if path.exists() else "does not exist"
                raise MirrorError(f"{manifest}: entry for {url}: {path} {reason}")
            self.entries[_key(url)] = entry

    def lookup(self, url: str) -> tuple[int, dict[str, str], bytes] | None:
        """Status, headers and body for a URL, or None when the mirror does not hold it."""
        found = self.size(url)
        if found is None:
            return None
        entry = self.entries[_key(url)]
        path = self.folder / entry["file"]
        try:
            body = path.read_bytes()
        except OSError as error:
            raise MirrorError(f"{path}: cannot read mirror file for {url} ({error})") from None
        return int(entry.get("status", 200)), dict(entry.get("headers", {})), body

    def size(self, url: str) -> int | None:
        """The size in bytes of the body the mirror holds for a URL (as a server's Content-Length
        says it before the body), or None when it holds none."""
        entry = self.entries.get(_key(url))
        if entry is None:
            return None
        path = self.folder / entry["file"]
        try:
            return path.stat().st_size
        except OSError as error:
            raise MirrorError(f"{path}: cannot read mirror file for {url} ({error})") from None


class ReplayDownloadHandler(BaseDownloadHandler):
    """Serves http(s) requests from the mirror named by the ``MF_REPLAY_DIR`` setting.

    Size limits apply as on the network (Scrapy's HTTP handlers): a body larger than
    ``DOWNLOAD_MAXSIZE`` (or the request's ``download_maxsize`` meta) is never read and the
    download fails with DownloadCancelledError; one larger than ``DOWNLOAD_WARNSIZE`` (or
    ``download_warnsize``) is logged as a warning. 0 means no limit."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        folder = crawler.settings.get("MF_REPLAY_DIR")
        if not folder:
            raise NotConfigured("MF_REPLAY_DIR is not set")
        self.mirror = Mirror.open(folder)
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.warnsize = crawler.settings.getint("DOWNLOAD_WARNSIZE")

    def _check_size(self, request: Request) -> None:
        size = self.mirror.size(request.url)
        if size is None:
            return
        maxsize = request.meta.get("download_maxsize", self.maxsize)
        warnsize = request.meta.get("download_warnsize", self.warnsize)
        if maxsize and size > maxsize:
            message = (f"Expected to receive {size} bytes which is larger than download max size ({maxsize}) "
                       f"in request {request}.")
            logger.warning(message)
            raise DownloadCancelledError(message)
        if warnsize and size > warnsize:
            logger.warning("Expected to receive %d bytes which is larger than download warn size (%d) in request %s.",
                           size, warnsize, request)

    async def download_request(self, request: Request) -> Response:
        self._check_size(request)
        found = self.mirror.lookup(request.url)
        if found is None:
            status, headers, body = 404, {"Content-Type": "text/plain"}, b"not in mirror\n"
        else:
            status, headers, body = found
        scrapy_headers = Headers(headers)
        respcls = responsetypes.from_args(headers=scrapy_headers, url=request.url, body=body)
        return respcls(url=request.url, status=status, headers=scrapy_headers, body=body,
                       request=request)


def enable_replay(settings, folder: str) -> None:
    """Point the http(s) download handlers at a mirror and drop the delays (no site to spare)."""
    Mirror.open(folder)  # fail early, with the file's name, on a bad mirror
    settings.set("MF_REPLAY_DIR", str(folder), priority="spider")
    handler = "crawler.replay.ReplayDownloadHandler"
    settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider")
    settings.set("DOWNLOAD_DELAY", 0, priority="spider")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
    settings.set("MF_RETRY_BACKOFF_BASE", 0, priority="spider")
