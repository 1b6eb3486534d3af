"""Writes statements and the raw pages they came from into the archive, in batches."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals

from crawler.events import archive_event
from crawler.items import FetchFailed, ListingWalked, PageEvent
from crawler.normalise.statement import now_utc
from crawler.store import ArchiveStore, ArchiveURL, Capture, Validators, archive_url, open_archive

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Response headers kept with a raw page (what is needed to re-read it and to revalidate it).
#: Requests for article pages, and those whose raw answers the archive keeps.
ARTICLE_KINDS = frozenset({"article", "recheck", "retry"})
CAPTURED_KINDS = ARTICLE_KINDS | {"feed"}
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Date", "Content-Language", "Location")


class ArchivePipeline:
    """Batches items and raw article pages; writes each batch in one transaction."""

    def __init__(self, crawler: Crawler, url: ArchiveURL, batch_size: int) -> None:
        self.stats = crawler.stats
        self.url = url
        self.batch_size = batch_size
        self.store: ArchiveStore | None = None
        self.items: list[dict[str, Any]] = []
        self.captures: list[Capture] = []
        self.validators: list[Validators] = []
        self.raw_by_url: dict[str, str] = {}
        self.walks: list[ListingWalked] = []
        self.listing_validators: list[Validators] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler, archive_url(crawler.settings), crawler.settings.getint("MF_ARCHIVE_BATCH_SIZE"))
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.archive_event, signal=archive_event)
        return pipeline

    def open_spider(self) -> None:
        self.store = open_archive(self.url)
        logger.info("Archive: %s", self.store.location())

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, reason: str) -> None:
        """Record the listings read, only when the crawl finished (then every article they listed
        is archived or pending); close the archive."""
        if self.store is None:
            return
        if reason == "finished" and (self.walks or self.listing_validators):
            self.store.write_batch([], self.walks, validators=self.listing_validators)
        self.store.close()
        self.store = None

    def response_received(self, response: Response, request: Request) -> None:
        """Keep the raw page and the validators of every article fetched, and the raw documents of
        feeds that carry whole texts."""
        kind = request.meta.get("mf_kind")
        if kind is None or response.status != 200:
            return
        headers = {name: response.headers.get(name).decode("latin-1")
                   for name in KEPT_HEADERS if response.headers.get(name)}
        if "ETag" in headers or "Last-Modified" in headers:
            validators = Validators(request.meta.get("mf_statement_url") or response.url,
                                    headers.get("ETag"), headers.get("Last-Modified"), now_utc())
            # A listing's validators wait for the crawl's end, with the listings read (see
            # spider_closed): a killed run must not make the next one skip a changed listing.
            (self.validators if kind in ARTICLE_KINDS else self.listing_validators).append(validators)
        if kind not in CAPTURED_KINDS:
            return
        url = request.meta.get("mf_statement_url") or response.url
        capture = Capture(url=url, fetched_at=now_utc(), status=response.status,
                          kind=kind, headers=headers, body=response.body)
        self.captures.append(capture)
        self.raw_by_url[capture.url] = capture.sha256

    def archive_event(self, event: PageEvent | FetchFailed | ListingWalked) -> None:
        """Events join the next batch; listings read wait for the crawl's end (see spider_closed)."""
        if isinstance(event, ListingWalked):
            self.walks.append(event)
            return
        self.items.append(event)
        if len(self.items) >= self.batch_size:
            self.flush()

    def process_item(self, item: Any) -> Any:
        self.items.append(ItemAdapter(item).asdict())
        if len(self.items) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write what is pending in one transaction."""
        if self.store is None or not (self.items or self.captures or self.validators):
            return
        outcomes = self.store.write_batch(self.captures, self.items, self.raw_by_url, self.validators)
        for item in self.items:
            self.raw_by_url.pop(item["url"] if isinstance(item, dict) else item.url, None)
        for outcome in outcomes:
            self.stats.inc_value(f"mf/items/{outcome}")
        self.stats.inc_value("mf/archive/batches")
        self.items.clear()
        self.captures.clear()
        self.validators.clear()
