"""Turns a page object's PageStatement into a normalised Statement."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.events import emit
from crawler.items import FetchFailed, PageStatement
from crawler.normalise.statement import NormaliseError, normalise, now_utc

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from crawler.items import Statement

logger = logging.getLogger(__name__)

#: The reason of a page whose values made normalise fail in a way it does not foresee (a bug: the
#: traceback is logged), as ``extractor_error`` is a page object's (crawler.middlewares.parse_errors).
_FAULT = "normaliser_error"


class NormalisePipeline:
    """Dates, clean text, sanitised HTML, the minted id. A page whose values cannot make a
    statement (an unreadable date, no title) is never stored as one and never lost: it is logged
    with its URL and reason, counted (``mf/items/unnormalisable/<reason>``) and recorded as a
    failed fetch (pending, its raw page kept by the archive, retried by the next runs); so is one
    on which normalise fails unforeseen (``normaliser_error``, the traceback logged). Counts
    briefings split into segments (``mf/segments/segmented``) and left whole
    (``mf/segments/unrecognised``)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Statement | Any:
        if not isinstance(item, PageStatement):
            return item
        try:
            statement = normalise(item)
        except NormaliseError as error:
            logger.error("Statement not normalisable: %s", error)
            self._pending(item, error.reason)
            raise DropItem(f"not normalisable: {error}", log_level="INFO") from None
        except Exception as error:  # (what normalise does not foresee: kept pending, as a page object's fault is)
            logger.error("Statement not normalisable: %s: %s (%s: %s)", item.url, _FAULT, type(error).__name__, error,
                         exc_info=error)
            self._pending(item, _FAULT)
            raise DropItem(f"not normalisable: {item.url}: {_FAULT}", log_level="INFO") from None
        if statement.type == "briefing":
            # a briefing without segments is left whole: its structure was not recognised
            self.stats.inc_value("mf/segments/" + ("segmented" if statement.segments else "unrecognised"))
        return statement

    def _pending(self, item: PageStatement, reason: str) -> None:
        """Count the page's statement as not normalisable for ``reason`` and record its fetch as
        failed: pending, its raw page kept by the archive, tried again by the next runs."""
        self.stats.inc_value("mf/items/unnormalisable")
        self.stats.inc_value(f"mf/items/unnormalisable/{reason}")
        spider = self.crawler.spider.name if self.crawler.spider else "unknown"
        emit(self.crawler, FetchFailed(item.url, spider, f"unnormalisable: {reason}", now_utc(),
                                       list(item.tags), item.fallback_published_raw))
