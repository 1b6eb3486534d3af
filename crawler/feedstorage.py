"""Scrapy's feed exports (``scrapy crawl SPIDER -O items.jsonl``) to a local file, with a write
that fails (a full disk, ``/dev/full``) said once, on one line, and counted as the failure it is.

Scrapy's own :class:`~scrapy.extensions.feedexport.FileFeedStorage` lets each failed write raise
from its item handler (a traceback per item in the log) and the final one from storing the feed
(another traceback), and the crawl still ends with exit code 0. Here the file remembers the first
error and writes nothing more; storing the feed raises :class:`FeedWriteError`, which Scrapy
counts as a failed feed (``feedexport/failed_count/…``, what ``scrapy crawl`` exits 1 for: see
crawler.commands.crawl) and logs in one line (:class:`OneLineStoreErrors`).
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from scrapy.extensions.feedexport import FileFeedStorage

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: The stat listing the feeds that could not be written, ``PATH: reason`` each.
FAILED = "mf/feed_export/failed"


class FeedWriteError(OSError):
    """A feed file could not be written; the message names it and says why."""


class _FeedFile(io.RawIOBase):
    """The feed's file, as the exporters write it: the first OSError is kept (and logged once),
    and what comes after it is dropped instead of failing again for every item."""

    def __init__(self, path: str, handle: io.BufferedWriter) -> None:
        super().__init__()
        self.path, self.handle = path, handle
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def _failed(self, error: OSError) -> None:
        if self.error is None:
            self.error = error
            logger.error("Feed %s: cannot write (%s); the rest of its items are not written", self.path,
                         error.strerror or error)

    def write(self, data: Any) -> int:
        if self.error is None:
            try:
                self.handle.write(data)
            except OSError as error:
                self._failed(error)
        return len(data)

    def flush(self) -> None:
        if self.error is None and not self.handle.closed:
            try:
                self.handle.flush()
            except OSError as error:
                self._failed(error)

    def close(self) -> None:
        if not self.closed:
            try:
                self.handle.close()  # (flushes what is buffered: where a full disk shows)
            except OSError as error:
                self._failed(error)
        super().close()


class LocalFeedStorage(FileFeedStorage):
    """A feed written to a local file (no scheme, or ``file:``), its write failures said once."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, uri: str, *, feed_options: dict[str, Any] | None = None
                     ) -> LocalFeedStorage:
        OneLineStoreErrors.install()
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        return storage

    crawler: Crawler | None = None

    def open(self, spider: Spider) -> _FeedFile:
        return _FeedFile(self.path, super().open(spider))  # type: ignore[arg-type]

    def store(self, file: Any) -> None:
        file.close()
        error = getattr(file, "error", None)
        if error is not None:
            failure = f"{self.path}: {error.strerror or error}"
            if self.crawler is not None and self.crawler.stats is not None:  # (what `scrapy crawl` says last)
                self.crawler.stats.set_value(FAILED, [*(self.crawler.stats.get_value(FAILED) or []), failure])
            raise FeedWriteError(failure)


class OneLineStoreErrors(logging.Filter):
    """Scrapy logs a feed that could not be stored with the exception's traceback: for a
    :class:`FeedWriteError` (a reason already said in words) the line ends with the reason
    instead."""

    LOGGER = "scrapy.extensions.feedexport"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FeedWriteError):
            reason = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} ({reason})", ()
            record.exc_info, record.exc_text = None, None
        return True

    @classmethod
    def install(cls) -> None:
        target = logging.getLogger(cls.LOGGER)
        if not any(isinstance(existing, cls) for existing in target.filters):
            target.addFilter(cls())
