"""The run record of a crawl: a crawl of a ``scrapy update --scrapyd`` run (``MF_RUN_ID`` set),
wherever it runs, records its own outcome in the archive when it closes — its part of the run
report, judged from its stats as a local ``scrapy update`` judges it (:func:`crawler.report.summarise`),
and its target's health — so that the run learns each job's outcome from the archive, not from
Scrapyd's logs (see :mod:`crawler.store.runs` for the record's states).

When it opens, the crawl claims its record (a job its run gave up on, because its node stopped
answering or the run was interrupted, closes at once, doing nothing: ``superseded``) and, on a
PostgreSQL archive, takes its target's crawl lock (``crawl:SPIDER``, an advisory lock the server
releases when the process ends however it ends): two crawls of one target never run at once,
and a run can tell a crawl still going on (its lock held) from one that died. A crawl that finds
the lock held closes at once too (``already_running``) and records that as its failure.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from crawler.events import crawl_stats
from crawler.report import summarise
from crawler.store import ArchiveError, archive_url, open_archive
from crawler.store.locks import ArchiveLocks, LockHeld

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

    from crawler.store import ArchiveURL

logger = logging.getLogger(__name__)

#: Why a crawl closed at once: its job was given up by its run; another crawl of its target runs.
SUPERSEDED, ALREADY_RUNNING = "superseded", "already_running"


def crawl_lock(target: str) -> str:
    """The name of a target's crawl lock (held by the crawl itself, wherever it runs)."""
    return f"crawl:{target}"


def now() -> str:
    """The current time as run records and health records keep it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunRecorder:
    """A Scrapy extension, on when ``MF_RUN_ID`` is set: claims the crawl's run record and its
    target's lock when the spider opens, records the run and the target's health when it closes."""

    def __init__(self, crawler: Crawler, run_id: str, url: ArchiveURL) -> None:
        self.crawler = crawler
        self.run_id = run_id
        self.url = url
        self.job: str | None = None
        self.locks: ArchiveLocks | None = None
        self.refused: tuple[str, str] | None = None
        """(reason the crawl closed at once, the error it records), or None."""
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        run_id = crawler.settings.get("MF_RUN_ID")
        if not run_id:
            raise NotConfigured
        recorder = cls(crawler, str(run_id), archive_url(crawler.settings))
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        return recorder

    def spider_opened(self, spider: Spider) -> None:
        """Take the lock and claim the record, or close the crawl at once (CloseSpider). The lock
        first: a ``running`` record whose lock no one holds is then a crawl that died."""
        # Signal handlers run in the order they were connected, and extensions are made before
        # the engine's item pipelines: connected now, the record is written after the archive
        # pipeline's last write (the removals it applies or withholds when the spider closes).
        self.crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        self.started = time.monotonic()
        # Scrapyd gives its job id as the spider argument _job; a crawl nobody scheduled makes one.
        self.job = str(getattr(spider, "_job", None) or f"{self.run_id}.{spider.name}.{uuid.uuid4().hex[:8]}")
        if not self.url.is_sqlite:  # one machine (SQLite): no advisory locks, nothing to tell apart
            self.locks = ArchiveLocks(self.url, f"crawl {spider.name}")
            try:
                self.locks.acquire([crawl_lock(spider.name)])
            except LockHeld as error:
                self.refused = (ALREADY_RUNNING, f"another crawl of {spider.name} is running ({error})")
        host = f"{socket.gethostname()} pid {os.getpid()}"
        with open_archive(self.url) as store:
            claimed, record = store.claim_crawl(self.job, self.run_id, spider.name, host, now())
        if not claimed:
            logger.warning("Job %s of run %s (%s) is %s%s: nothing to do", self.job, record.run_id, spider.name,
                           record.state, f" ({record.note})" if record.note else "")
            self.refused = (SUPERSEDED, "")
            raise CloseSpider(SUPERSEDED)
        if self.refused:
            logger.error("%s: closing", self.refused[1])
            raise CloseSpider(self.refused[0])
        logger.info("Run record: job %s of run %s (%s) in %s", self.job, self.run_id, spider.name, self.url)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record the target's health and the run (not for a job given up: its run decides)."""
        try:
            if self.job is None or (self.refused and self.refused[0] == SUPERSEDED):
                return
            collector = crawl_stats(self.crawler)
            stats = dict(collector.get_stats()) if collector else {}
            # The core stats may close after this: the crawl's own end and length then.
            stats.setdefault("finish_reason", reason)
            stats.setdefault("elapsed_time_seconds", round(time.monotonic() - self.started, 3))
            run = summarise(spider.name, stats)
            when = now()
            try:
                with open_archive(self.url) as store:
                    if self.refused:  # nothing ran: the health stays the running crawl's to keep
                        run = replace(run, ok=False, errors=[self.refused[1]])
                    else:
                        store.record_run(run.name, run.ok, when, "; ".join(run.errors) or None)
                    if not store.finish_crawl(self.job, run.ok, asdict(run), when):
                        logger.error("Run record of job %s (%s): its run gave it up meanwhile", self.job, spider.name)
            except ArchiveError as error:
                logger.error("Run record of job %s (%s) not written: %s", self.job, spider.name, error)
                return
            logger.info("Run recorded: job %s (%s) %s", self.job, spider.name, run.summary_line())
        finally:
            if self.locks is not None:
                self.locks.close()
                self.locks = None
