"""India's Ministry of External Affairs, English and Hindi: media briefings and press releases,
from the current site's HTML-fragment endpoints.

A listing page is the listing endpoint's answer; each document is fetched from the detail
endpoint (``fetch_url``) and archived under its public URL, which the Hindi version shares with
the English one but for its path (the archive links the two by their id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import mea_in
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement
    from crawler.pages import ListingEntry


class MeaInSpider(SectionedSiteSpider):
    """www.mea.gov.in: /media-briefings and /press-releases, and their Hindi (-hi) twins."""

    name = "mea_in"
    source = mea_in.SOURCE
    languages = mea_in.LANGUAGES
    site_hosts = ("www.mea.gov.in", "mea.gov.in")
    base_setting = "MF_MEA_IN_BASE_URL"

    def _base(self) -> str:
        return self.settings.get(self.base_setting)

    def sections(self, language: str) -> list[str]:
        return list(mea_in.PUBLICATIONS)

    def listing_url(self, language: str, section: str, page: int) -> str:
        return mea_in.listing_url(self._base(), section, language, page, self.settings.getint("MF_MEA_IN_PAGE_SIZE"))

    def listing_entries(self, response: Response) -> list[ListingEntry]:
        return mea_in.MeaListingPage(response.url, response.text).entries()

    def has_next_page(self, response: Response, page: int) -> bool:
        return page < mea_in.MeaListingPage(response.url, response.text).last_page()

    def article_language(self, url: str) -> str | None:
        facts = mea_in.parse_article_url(url)
        return facts[0] if facts else None

    def fetch_url(self, statement_url: str) -> str:
        return mea_in.detail_url(self._base(), statement_url)

    def is_bot_wall(self, text: str) -> bool:
        return mea_in.is_bot_wall(text)

    def gone_reason(self, response: Response) -> str | None:
        return mea_in.gone_reason(response.text)

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        url = response.meta.get("mf_statement_url") or response.url  # the public page, not its endpoint
        return mea_in.MeaArticlePage(url, response.text).statement(entry_tags, listing_date)
