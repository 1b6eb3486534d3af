"""Turns a page object's PageStatement into a normalised Statement."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.items import PageStatement
from crawler.normalise.statement import NormaliseError, normalise

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from crawler.items import Statement

logger = logging.getLogger(__name__)


class NormalisePipeline:
    """Dates, clean text, sanitised HTML, the minted id; unreadable values drop the item. Counts
    briefings split into segments (``mf/segments/segmented``) and left whole
    (``mf/segments/unrecognised``)."""

    def __init__(self, crawler: Crawler) -> None:
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
            self.stats.inc_value("mf/items/unnormalisable")
            raise DropItem(f"not normalisable: {error}") from None
        if statement.type == "briefing":
            # a briefing without segments is left whole: its structure was not recognised
            self.stats.inc_value("mf/segments/" + ("segmented" if statement.segments else "unrecognised"))
        return statement
