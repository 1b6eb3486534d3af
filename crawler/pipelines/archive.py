"""Writes statements and the raw pages they came from into the archive, in batches.

A batch is written in one transaction when it holds ``MF_ARCHIVE_BATCH_SIZE`` items and events,
or when its raw pages and statements' texts reach ``MF_ARCHIVE_BATCH_BYTES``, whichever comes
first, and when the spider closes: the memory a batch holds is bounded by the settings, however
large the pages.

Removals wait for the crawl's end: an archived article found gone (404, 410, redirected to a home
page, a "page not found" template) is marked removed only when the crawl closes and its target
did not fail, as the run report judges it (:func:`crawler.report.summarise`). A site down for
maintenance (every page redirected home, every page 404) fails its target (its listings do not
read), and its re-checks' removals are then withheld — logged and counted
(``mf/items/removals_withheld``) — and the statements stay as they were, their re-checks due, so
that the next healthy run decides: a broken source never empties its feeds. They are held in
memory: one small event (a URL, a time, a reason) per article found gone.

An archive that cannot be opened or written (a full disk, a read-only file, a file that is not a
database, a server gone) closes the crawl at once, its reason in the stats
(:func:`crawler.events.record_archive_failure`); nothing more is written, and what the failed
batch held is fetched again by the next run (none of it is archived, so none of it is known).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.events import ARCHIVE_FAILED, ArchiveFailed, archive_event, record_archive_failure
from crawler.items import FetchFailed, ListingUnread, ListingWalked, PageEvent
from crawler.normalise.statement import now_utc
from crawler.pipelines.validate import as_record
from crawler.report import summarise
from crawler.store import ArchiveError, ArchiveStore, ArchiveURL, Capture, Validators, archive_url, open_archive

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

#: Response headers kept with a raw page (what is needed to re-read it and to revalidate it).
#: Requests for article pages, and those whose raw answers the archive keeps.
ARTICLE_KINDS = frozenset({"article", "recheck", "retry"})
CAPTURED_KINDS = ARTICLE_KINDS | {"feed"}
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Date", "Content-Language", "Location")


class ArchivePipeline:
    """Batches items and raw article pages; writes each batch in one transaction."""

    def __init__(self, crawler: Crawler, url: ArchiveURL, batch_size: int, batch_bytes: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = url
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self.store: ArchiveStore | None = None
        self.items: list[dict[str, Any] | PageEvent | FetchFailed] = []
        #: Bytes of raw pages and characters of statements' text fields in the pending batch.
        self.pending_bytes = 0
        self.captures: list[Capture] = []
        self.validators: list[Validators] = []
        self.raw_by_url: dict[str, str] = {}
        self.walks: list[ListingWalked] = []
        #: Archived articles found gone this crawl: applied when it closes, if its target did not fail.
        self.removals: list[PageEvent] = []
        self.listing_validators: list[Validators] = []
        #: The archive failed: nothing more is written, the crawl is closing.
        self.failed = False
        self._closing: Deferred[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        pipeline = cls(crawler, archive_url(settings), max(1, settings.getint("MF_ARCHIVE_BATCH_SIZE")),
                       settings.getint("MF_ARCHIVE_BATCH_BYTES"))
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.archive_event, signal=archive_event)
        return pipeline

    def open_spider(self) -> None:
        try:
            self.store = open_archive(self.url)
        except ArchiveError as error:
            self.failed = True
            record_archive_failure(self.crawler, error)
            raise ArchiveFailed(error) from None
        logger.info("Archive: %s", self.store.location())

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, reason: str) -> None:
        """Record the listings read, only when the crawl finished (then every article they listed
        is archived or pending), and the removals seen, only when the target did not fail
        (:meth:`_removals`); close the archive."""
        if self.store is None:
            return
        removals = self._removals(reason)
        walks = self.walks if reason == "finished" else []
        validators = self.listing_validators if reason == "finished" else []
        if not self.failed and (removals or walks or validators):
            try:
                outcomes = self.store.write_batch([], [*removals, *walks], validators=validators)
            except ArchiveError as error:
                self._archive_failed(error)
            else:
                for outcome in outcomes[:len(removals)]:
                    self.stats.inc_value(f"mf/items/{outcome}")
        self.store.close()
        self.store = None

    def _removals(self, reason: str) -> list[PageEvent]:
        """The removals seen this crawl, to write now: all of them when the target did not fail
        (judged from the crawl's stats as the run report judges it, the close ``reason`` as its
        finish reason); none when it failed — a site in maintenance, down or drifted says nothing
        of its articles — and then their number is counted (``mf/items/removals_withheld``) and
        logged: their statements stay as they were, their re-checks due."""
        if not self.removals:
            return []
        stats = {**self.stats.get_stats(), "finish_reason": reason}
        run = summarise(self.crawler.spidercls.name, stats)
        if run.ok:
            return self.removals
        self.stats.set_value("mf/items/removals_withheld", len(self.removals))
        logger.warning("%d removal(s) withheld, the crawl failed (%s): the statements stay as they were until a "
                       "run that does not fail re-checks them", len(self.removals), "; ".join(run.errors))
        return []

    def response_received(self, response: Response, request: Request) -> None:
        """Keep the raw page and the validators of every article fetched, and the raw documents of
        feeds that carry whole texts."""
        kind = request.meta.get("mf_kind")
        if kind is None or response.status != 200 or self.failed:
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
        self.pending_bytes += len(capture.body)
        if self.pending_bytes >= self.batch_bytes:
            self.flush()

    def item_dropped(self, item: Any) -> None:
        """A dropped statement will not claim its raw page (which is archived all the same)."""
        url = getattr(item, "url", None) if not isinstance(item, dict) else item.get("url")
        self.raw_by_url.pop(url, None)

    def archive_event(self, event: PageEvent | FetchFailed | ListingUnread | ListingWalked) -> None:
        """Events join the next batch; listings read and removals wait for the crawl's end (see
        spider_closed); a listing that did not read takes its validators out of those kept then."""
        if self.failed:
            return
        if isinstance(event, ListingWalked):
            self.walks.append(event)
            return
        if isinstance(event, PageEvent) and event.gone_reason is not None:
            self.removals.append(event)
            return
        if isinstance(event, ListingUnread):
            self.listing_validators = [kept for kept in self.listing_validators if kept.url != event.url]
            return
        self._add(event, 0)

    def process_item(self, item: Any) -> Any:
        """Take a statement (the dict the validate pipeline checked, as it is) into the batch."""
        if not self.failed:
            record = as_record(item)
            self._add(record, sum(len(value) for value in record.values() if isinstance(value, str)))
        return item

    def _add(self, item: dict[str, Any] | PageEvent | FetchFailed, size: int) -> None:
        self.items.append(item)
        self.pending_bytes += size
        if len(self.items) >= self.batch_size or self.pending_bytes >= self.batch_bytes:
            self.flush()

    def flush(self) -> None:
        """Write what is pending in one transaction."""
        if self.store is None or self.failed or not (self.items or self.captures or self.validators):
            return
        try:
            outcomes = self.store.write_batch(self.captures, self.items, self.raw_by_url, self.validators)
        except ArchiveError as error:
            self._archive_failed(error)
            return
        for item in self.items:
            self.raw_by_url.pop(item["url"] if isinstance(item, dict) else item.url, None)
        for outcome in outcomes:
            self.stats.inc_value(f"mf/items/{outcome}")
        self.stats.inc_value("mf/archive/batches")
        self.items.clear()
        self.captures.clear()
        self.validators.clear()
        self.pending_bytes = 0

    def _archive_failed(self, error: ArchiveError) -> None:
        """The archive cannot be written: keep why, drop what waits, close the crawl (called from
        item processing and signal handlers, where raising would only log a traceback)."""
        self.failed = True
        for waiting in (self.items, self.captures, self.validators, self.walks, self.listing_validators,
                        self.removals):
            waiting.clear()
        self.raw_by_url.clear()
        self.pending_bytes = 0
        record_archive_failure(self.crawler, error)
        engine = self.crawler.engine
        if self._closing is None and engine is not None and engine.spider is not None:
            self._closing = deferred_from_coro(engine.close_spider_async(reason=ARCHIVE_FAILED))
