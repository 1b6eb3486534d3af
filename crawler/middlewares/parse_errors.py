"""Pages that do not parse: logged with URL and reason, counted, never turned into items."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.pages import ParseError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ParseErrorMiddleware:
    """Turns a :class:`ParseError` raised in a callback into a log line and stats counters."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable | None:
        if not isinstance(exception, ParseError):
            return None
        self.stats.inc_value("mf/pages/unparsed")
        self.stats.inc_value(f"mf/pages/unparsed/{exception.reason}")
        logger.error("Page not parsed: %s", exception)
        return []
