"""Archive events: what a crawl learns that is not a statement — an article unchanged (304) or
gone, an article that failed and is pending, a listing read to its end.

They travel to the archive pipeline by a signal, not as items, so Scrapy's feed exports
(``-O items.jsonl``) and item counts hold statements only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.items import FetchFailed, ListingWalked, PageEvent

#: Sent with ``event=`` one of PageEvent, FetchFailed, ListingWalked.
archive_event = object()


def emit(crawler: Crawler, event: PageEvent | FetchFailed | ListingWalked) -> None:
    """Hand an event to whoever keeps the archive (the archive pipeline)."""
    crawler.signals.send_catch_log(archive_event, event=event)
