"""Global Affairs Canada, English and French: the Government of Canada news API says what is new,
the news pages of canada.ca give the text.

A run asks the API for the newest items (``orderBy=desc``); a backfill (``-a backfill=1``) walks
the whole history oldest first, each answer's last ``publishedDate`` being the next answer's
``publishedDate>=`` cursor (``next_listing``, ``NewsApiAnswer.cursor_after``: the answers overlap
by the items of that moment, which an answer's end may cut). The API answers an unknown parameter with an
empty feed, not an error: an empty first answer is reported as layout drift by the base class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import gac_ca
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement
    from crawler.pages import ListingEntry


class GacCaSpider(SectionedSiteSpider):
    """The news of Global Affairs Canada: releases, statements, readouts, media advisories, speeches."""

    name = "gac_ca"
    source = gac_ca.SOURCE
    languages = gac_ca.LANGUAGES
    site_hosts = ("www.canada.ca", "canada.ca", "international.canada.ca")
    base_setting = "MF_GAC_CA_BASE_URL"

    def _api(self) -> str:
        return self.settings.get("MF_GAC_CA_API_BASE_URL")

    def _pick(self) -> int:
        return self.settings.getint("MF_GAC_CA_PAGE_SIZE")

    def sections(self, language: str) -> list[str]:
        return ["news"]

    def listing_url(self, language: str, section: str, page: int) -> str:
        if self.backfill:
            return gac_ca.news_api_url(self._api(), language, self._pick(), "asc", gac_ca.BACKFILL_FROM)
        return gac_ca.news_api_url(self._api(), language, self._pick())

    def _answer(self, response: Response) -> gac_ca.NewsApiAnswer:
        return gac_ca.NewsApiAnswer(response.url, response.body, self.settings.get(self.base_setting))

    def listing_entries(self, response: Response) -> list[ListingEntry]:
        return self._answer(response).entries()

    def next_listing(self, response: Response, language: str, section: str, page: int) -> str | None:
        if not self.backfill:
            return None  # the newest items are what a run needs; older ones are archived
        answer = self._answer(response)
        cursor = answer.cursor_after()
        if answer.count() < self._pick() or cursor is None:
            return None
        return gac_ca.news_api_url(self._api(), language, self._pick(), "asc", cursor)

    def article_language(self, url: str) -> str | None:
        facts = gac_ca.parse_article_url(url)
        return facts[0] if facts else None

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        return gac_ca.GacNewsPage(response.url, response.text).statement(entry_tags, listing_date)
