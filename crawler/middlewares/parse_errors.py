"""Pages that do not parse: logged with URL and reason, counted, never turned into items.

A page object that fails in a way it does not foresee (any exception but Scrapy's own, which a
callback raises on purpose) is counted the same way, as ``extractor_error``, with the traceback in
the log: the page is reported and kept pending, never lost without a word."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest, StopDownload

from crawler.events import emit
from crawler.items import FetchFailed, ListingUnread
from crawler.normalise.statement import now_utc
from crawler.pages import ParseError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Scrapy's exceptions that a callback raises to steer the crawl: passed on as they are.
_SCRAPY_FLOW = (CloseSpider, DontCloseSpider, IgnoreRequest, StopDownload)


class ParseErrorMiddleware:
    """Turns a :class:`ParseError` raised in a callback into a log line and stats counters."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable | None:
        if isinstance(exception, ParseError):
            reason = exception.reason
            logger.error("Page not parsed: %s", exception)
        elif isinstance(exception, _SCRAPY_FLOW):
            return None
        else:
            reason = "extractor_error"
            logger.error("Page not parsed: %s: %s (%s: %s)", response.url, reason, type(exception).__name__,
                         exception, exc_info=exception)
        self.stats.inc_value("mf/pages/unparsed")
        self.stats.inc_value(f"mf/pages/unparsed/{reason}")
        self.stats.inc_value(f"mf/{response.meta.get('mf_kind', 'other')}/unparsed")
        spider = response.meta.get("mf_spider")
        if spider is not None:  # an article: pending, tried again next run (a listing is anyway)
            # Under the URL its raw page is archived with (not where a redirect or an API led).
            url = response.meta.get("mf_statement_url") or response.url
            emit(self.crawler, FetchFailed(url, spider, f"unparsed: {reason}", now_utc(),
                                           response.request.cb_kwargs.get("entry_tags", []),
                                           response.request.cb_kwargs.get("listing_date")))
        elif response.meta.get("mf_kind") is not None:  # a listing or feed: read whole next run
            emit(self.crawler, ListingUnread(response.url))
        return []
