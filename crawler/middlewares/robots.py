"""robots.txt obeyed whole: its Disallow lines for every request, and its Crawl-delay.

Scrapy's RobotsTxtMiddleware (``ROBOTSTXT_OBEY``) checks each request against the site's
robots.txt, but the requests that arrive while robots.txt is still being fetched all wait on one
Deferred, and only the first of them gets the parser (Twisted's ``Deferred.asFuture`` leaves the
Deferred firing None for the next waiters), so the others go out unchecked: on a fresh crawl, the
first listing pages of a site are fetched whatever robots.txt says. This middleware, placed after
it, keeps every parser Scrapy builds (the ``robots_parsed`` signal) and checks each request again;
a disallowed one is dropped as Scrapy drops it (IgnoreRequest "Forbidden by robots.txt", counted in
``robotstxt/forbidden``).

Scrapy also ignores Crawl-delay. Here the delay robots.txt asks of our User-Agent becomes a floor
under that host's download slot: Scrapy varies each wait by ±``DOWNLOAD_DELAY_JITTER`` (half by
default), so the slot's delay is set where its shortest wait is the crawl delay; AutoThrottle may
lower a slot's delay after a response, and the floor is put back before the slot sends its next
request (``response_downloaded`` fires first). Each obeyed delay is in the stats
(``mf/robots/crawl_delay/<host>``, seconds). The delay is not waited when ``MF_OBEY_CRAWL_DELAY`` is
false or a replay answers from a mirror (no site to spare); the rules always apply.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


class RobotsRulesMiddleware:
    """Every request checked against its host's robots.txt; per-host floors on the download delay."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.obey_delay = settings.getbool("MF_OBEY_CRAWL_DELAY") and not settings.get("MF_REPLAY_DIR")
        self.jitter = settings.getfloat("DOWNLOAD_DELAY_JITTER", 0.5)
        #: netloc → the robots.txt parser Scrapy built for it
        self.parsers: dict[str, RobotParser] = {}
        #: slot key (the host) → the crawl delay its robots.txt asks for, in seconds
        self.delays: dict[str, float] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        if self.obey_delay:
            crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Drop a request its host's robots.txt disallows (one Scrapy let through unchecked)."""
        if request.meta.get("dont_obey_robotstxt"):
            return
        parser = self.parsers.get(urlparse_cached(request).netloc)
        if parser is None:
            return
        agent = request.headers.get(b"User-Agent") or self.user_agent
        if not parser.allowed(request.url, self.crawler.settings.get("ROBOTSTXT_USER_AGENT") or agent):
            self.crawler.stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest("Forbidden by robots.txt")

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """Keep the parser; apply the delay it asks for to its host's slot."""
        self.parsers[urlparse_cached(request).netloc] = robotparser
        delay = robotparser.crawl_delay(self.user_agent)
        if not self.obey_delay or not delay or delay <= 0:
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
