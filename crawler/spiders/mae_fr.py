"""France's Ministry for Europe and Foreign Affairs, English and French: the Drupal site's news
and official-statements listings (the spokesperson's declarations and press briefings among them)
and their documents. Listing pages count from 0 (``?page=1`` is the second); the pager's "next"
link says whether one follows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import mae_fr
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement
    from crawler.pages import ListingEntry


class MaeFrSpider(SectionedSiteSpider):
    """www.diplomatie.gouv.fr: /en/press/… and /fr/salle-de-presse/… listings."""

    name = "mae_fr"
    source = mae_fr.SOURCE
    languages = mae_fr.LANGUAGES
    site_hosts = ("www.diplomatie.gouv.fr", "diplomatie.gouv.fr")
    base_setting = "MF_MAE_FR_BASE_URL"

    def sections(self, language: str) -> list[str]:
        return list(mae_fr.SECTIONS[language])

    def listing_url(self, language: str, section: str, page: int) -> str:
        return mae_fr.listing_url(self.settings.get(self.base_setting), section, page)

    def listing_entries(self, response: Response) -> list[ListingEntry]:
        return mae_fr.MaeListingPage(response.url, response.text).entries()

    def has_next_page(self, response: Response, page: int) -> bool:
        return mae_fr.MaeListingPage(response.url, response.text).has_next_page()

    def article_language(self, url: str) -> str | None:
        facts = mae_fr.parse_article_url(url)
        return facts[0] if facts else None

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        return mae_fr.MaeArticlePage(response.url, response.text).statement(entry_tags, listing_date)
