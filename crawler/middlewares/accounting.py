"""Counts requests and responses by kind (listing, article, recheck, other), for the run report:
a run with nothing new must be visibly cheap."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class RequestAccountingMiddleware:
    """``mf/requests/<kind>`` per request sent, ``mf/responses/<kind>/<status>`` per response."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        self.stats.inc_value(f"mf/requests/{request.meta.get('mf_kind', 'other')}")

    def process_response(self, request: Request, response: Response) -> Response:
        self.stats.inc_value(f"mf/responses/{request.meta.get('mf_kind', 'other')}/{response.status}")
        return response
