"""The UK's Foreign, Commonwealth & Development Office on GOV.UK: its JSON APIs, no HTML.

The search API lists the office's English items, newest first; each item is read from the
content API, and its translations (``available_translations``) are fetched too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import govuk
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement


class FcdoSpider(SectionedSiteSpider):
    """GOV.UK press releases, news stories, speeches and statements of the FCDO."""

    name = "fcdo"
    source = govuk.SOURCE
    languages = ("en",)
    owns_every_language = True  # the translations it follows (available_translations)
    custom_settings = {"DOWNLOAD_DELAY": 1.0}  # noqa: RUF012 - GOV.UK asks for an identifying UA, not for slowness

    def sections(self, language: str) -> list[str]:
        return ["search"]

    def _base(self) -> str:
        return self.settings.get("MF_GOVUK_BASE_URL")

    def listing_url(self, language: str, section: str, page: int) -> str:
        size = self.settings.getint("MF_GOVUK_PAGE_SIZE")
        return govuk.search_url(self._base(), (page - 1) * size, size)

    def listing_entries(self, response: Response) -> list[govuk.SearchEntry]:
        return govuk.read_search(response.url, response.text, self._base()).entries

    def has_next_page(self, response: Response, page: int) -> bool:
        found = govuk.read_search(response.url, response.text, self._base())
        return found.start + self.settings.getint("MF_GOVUK_PAGE_SIZE") < found.total

    def article_language(self, url: str) -> str | None:
        return govuk.language_of(url) if govuk.GovUkContentItem.matches(url) else None

    def fetch_url(self, statement_url: str) -> str:
        return govuk.content_api_url(statement_url)

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        return govuk.GovUkContentItem(response.url, response.text).statement(entry_tags, listing_date)

    def linked_versions(self, translations: dict[str, str]) -> list[str]:
        return sorted(translations.values())


