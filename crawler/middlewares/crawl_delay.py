"""The Crawl-delay a site's robots.txt asks of us, obeyed.

Scrapy obeys robots.txt's Allow and Disallow lines (``ROBOTSTXT_OBEY``) but not its Crawl-delay.
This middleware reads the delay from every robots.txt Scrapy parses (the ``robots_parsed``
signal), for our User-Agent, and keeps that host's download slot at least that slow: Scrapy
varies each wait by ±``DOWNLOAD_DELAY_JITTER`` (half by default), so the slot's delay is set where
its shortest wait is the crawl delay. AutoThrottle may lower a slot's delay after a response; the
floor is put back before the slot sends its next request (``response_downloaded`` fires first).

Off when ``MF_OBEY_CRAWL_DELAY`` is false, when robots.txt is not obeyed at all, and when a replay
answers from a mirror (no site to spare). Each obeyed delay is in the stats
(``mf/robots/crawl_delay/<host>``, seconds).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class CrawlDelayMiddleware:
    """Per-host floors on the download delay, from robots.txt's Crawl-delay."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY") or not settings.getbool("MF_OBEY_CRAWL_DELAY") \
                or settings.get("MF_REPLAY_DIR"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.jitter = settings.getfloat("DOWNLOAD_DELAY_JITTER", 0.5)
        #: slot key (the host) → the crawl delay its robots.txt asks for, in seconds
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """Keep the delay a newly parsed robots.txt asks for, and apply it to its host's slot."""
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay or delay <= 0:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        self.delays[key] = float(delay)
        # Slots made later for this host (after a slot is collected) start at the floor.
        jitter = self.jitter if self.jitter < 1 else 0.0
        downloader.per_slot_settings.setdefault(key, {}).update(delay=delay / (1 - jitter), jitter=jitter)
        self.crawler.stats.set_value(f"mf/robots/crawl_delay/{key}", float(delay))
        logger.info("robots.txt of %s asks for %s s between requests: obeyed", key, delay)
        self._floor(key)

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        """Put the floor back under the slot after AutoThrottle has adjusted it."""
        key = request.meta.get("download_slot")
        if key in self.delays:
            self._floor(key)

    def _floor(self, key: str) -> None:
        slot = self.crawler.engine.downloader.slots.get(key)
        if slot is None:
            return
        if slot.jitter >= 1:  # waits could reach zero: no variation under a crawl delay
            slot.jitter = 0.0
        slot.delay = max(slot.delay, self.delays[key] / (1 - slot.jitter))
