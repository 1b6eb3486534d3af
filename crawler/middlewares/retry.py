"""Retries with back-off, including bot-wall pages that arrive with status 200.

Scrapy's RetryMiddleware retries at once; a site that is overloaded or walling us off needs a
pause first. This one waits ``MF_RETRY_BACKOFF_BASE * 2 ** (n - 1)`` seconds (capped at
``MF_RETRY_BACKOFF_MAX``) before retry ``n``. A challenge page that is still a challenge after the
last retry is a failed fetch: it is dropped (IgnoreRequest), logged with its URL and counted as
``mf/challenge/gave_up``, never handed to a spider callback.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse

from crawler.pages.challenge import is_challenge

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class ChallengePageError(IgnoreRequest):
    """A bot-wall page was all the site gave us."""


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry rules, plus challenge pages, with exponential back-off between tries."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff_base = crawler.settings.getfloat("MF_RETRY_BACKOFF_BASE")
        middleware.backoff_max = crawler.settings.getfloat("MF_RETRY_BACKOFF_MAX")
        return middleware

    async def _after_backoff(self, retry: Request | None) -> Request | None:
        """Wait before handing the retry back to the scheduler."""
        if retry is not None and self.backoff_base > 0:
            attempt = retry.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))
        return retry

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False):
            return response
        if isinstance(response, TextResponse) and response.status in (200, 403) \
                and self._is_bot_wall(response):
            stats = self.crawler.stats
            stats.inc_value("mf/challenge/seen")
            retry = await self._after_backoff(self._retry(request, "challenge page"))
            if retry is not None:
                return retry
            stats.inc_value("mf/challenge/gave_up")
            tries = request.meta.get("retry_times", 0) + 1
            raise ChallengePageError(f"bot-wall challenge page after {tries} tries, not parsed")
        if response.status in self.retry_http_codes:
            retry = await self._after_backoff(self._retry(request, f"HTTP {response.status}"))
            return retry or response
        return response

    def _is_bot_wall(self, response: TextResponse) -> bool:
        """The spider's own bot-wall test (``is_bot_wall(text)``), else mid.ru's F5 challenge."""
        test = getattr(self.crawler.spider, "is_bot_wall", None) or is_challenge
        return test(response.text)

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry"):
            return await self._after_backoff(self._retry(request, exception))
        return None
