"""The current mid.ru site, English and Russian: every press section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import mid
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement


class MidSpider(SectionedSiteSpider):
    """mid.ru news, statements, briefings, comments, answers and speeches."""

    name = "mid"
    source = mid.SOURCE
    languages = mid.LANGUAGES
    charset_hints = mid.CHARSET_HINTS

    def sections(self, language: str) -> list[str]:
        return mid.sections_for(language)

    def listing_url(self, language: str, section: str, page: int) -> str:
        return mid.listing_url(self.settings.get("MF_MID_BASE_URL"), language, section, page)

    def article_language(self, url: str) -> str | None:
        facts = mid.parse_article_url(url)
        return facts.language if facts else None

    def listing_entries(self, response: Response) -> list[mid.ListingEntry]:
        return mid.MidListingPage(response.url, response.text).entries()

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        page = mid.MidArticlePage(response.url, response.text)
        return page.statement(tags=entry_tags, listing_date=listing_date)
