"""A site that cannot be reached is one log line, not a traceback.

Scrapy's robots.txt middleware logs a robots.txt that could not be downloaded with the exception's
traceback ("Error downloading <GET …>: DNS lookup failed: …", then the traceback), where its retry
middleware says the same of any other request in one line. With the network down, the operator's
cron log filled with tracebacks for what is an ordinary, foreseen fault. For the exceptions Scrapy
itself counts as transient network failures (the ``RETRY_EXCEPTIONS`` setting: DNS lookups,
refused connections, timeouts, lost connections), the line stays and the traceback goes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: The loggers that log a network failure with its traceback.
LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)


class OneLineNetworkErrors(logging.Filter):
    """Drops the traceback of a record whose exception is one of ``exceptions`` (its message
    already names the failure); every other record passes as it is."""

    def __init__(self, exceptions: tuple[type[BaseException], ...]) -> None:
        super().__init__()
        self.exceptions = exceptions

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self.exceptions):
            record.exc_info, record.exc_text = None, None
        return True


class NetworkErrorsInOneLine:
    """A Scrapy extension: installs :class:`OneLineNetworkErrors` on :data:`LOGGERS` for the
    crawl's ``RETRY_EXCEPTIONS`` (once per process)."""

    def __init__(self, exceptions: tuple[type[BaseException], ...]) -> None:
        self.exceptions = exceptions
        for name in LOGGERS:
            target = logging.getLogger(name)
            for existing in [f for f in target.filters if isinstance(f, OneLineNetworkErrors)]:
                target.removeFilter(existing)
            target.addFilter(OneLineNetworkErrors(exceptions))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        names = crawler.settings.getlist("RETRY_EXCEPTIONS")
        return cls(tuple(load_object(name) if isinstance(name, str) else name for name in names))
