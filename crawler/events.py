"""Archive events: what a crawl learns that is not a statement — an article unchanged (304) or
gone, an article that failed and is pending, a listing read to its end — and the archive itself
failing under a crawl.

Events travel to the archive pipeline by a signal, not as items, so Scrapy's feed exports
(``-O items.jsonl``) and item counts hold statements only.

An archive that cannot be read or written while a crawl runs (a full disk, a file that is no
longer a database, a server gone) ends the crawl at once, with the close reason
:data:`ARCHIVE_FAILED` and the one-line reason in the stats (:data:`ARCHIVE_ERROR`), which the
run report and the commands read: no traceback, no crawling on without an archive to keep what
is fetched.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import CloseSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from crawler.items import FetchFailed, ListingUnread, ListingWalked, PageEvent
    from crawler.store import ArchiveError

logger = logging.getLogger(__name__)

#: Sent with ``event=`` one of PageEvent, FetchFailed, ListingUnread, ListingWalked.
archive_event = object()
#: The close reason of a crawl whose archive failed.
ARCHIVE_FAILED = "archive_failed"
#: The stats holding the archive's failure (the first one, when there were several): the line
#: naming the archive and the reason, and the reason alone.
ARCHIVE_ERROR = "mf/archive/error"
ARCHIVE_REASON = "mf/archive/reason"


def emit(crawler: Crawler, event: PageEvent | FetchFailed | ListingUnread | ListingWalked) -> None:
    """Hand an event to whoever keeps the archive (the archive pipeline)."""
    crawler.signals.send_catch_log(archive_event, event=event)


class ArchiveFailed(CloseSpider):
    """Raised where Scrapy takes :class:`~scrapy.exceptions.CloseSpider` (``start()``, a callback,
    a component's ``open_spider``): the crawl closes with reason :data:`ARCHIVE_FAILED`."""

    def __init__(self, error: ArchiveError) -> None:
        super().__init__(ARCHIVE_FAILED)
        self.error = error


def crawl_stats(crawler: Crawler) -> StatsCollector | None:
    """The crawl's stats collector; None before the crawl made one (Scrapy's ``Crawler.stats``
    raises RuntimeError until then: a crawl whose spider could not be made never gets one)."""
    try:
        return crawler.stats
    except RuntimeError:
        return None


def record_archive_failure(crawler: Crawler, error: ArchiveError) -> bool:
    """Keep the archive's failure in the crawl's stats and log it once (at INFO: the command
    that ran the crawl says it on one line). True the first time, False when one was kept."""
    stats = crawl_stats(crawler)
    if stats is None or stats.get_value(ARCHIVE_ERROR) is not None:
        return False
    stats.set_value(ARCHIVE_ERROR, str(error))
    stats.set_value(ARCHIVE_REASON, error.reason)
    logger.info("The archive failed, the crawl stops: %s", error)
    return True
