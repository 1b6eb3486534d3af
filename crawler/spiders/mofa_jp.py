"""Japan's Ministry of Foreign Affairs, English and Japanese: press releases, press conferences and
the Press Secretary's statements.

The press-release and conference listings show the current weeks; older items are in monthly
archive pages, walked newest first from the archive table each page links (``next_listing``). The
statements list has one archive page (``ps_bn.html``). A WAF answers many automated clients with
403: that is reported as a block (crawler.spiders.base), never worked around.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import mofa_jp
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement
    from crawler.pages import ListingEntry

#: Section → (first listing page, its one archive page) for lists that are not paged by month.
PAGED_LISTS = {"press/statement/ps": ("ps.html", "ps_bn.html")}
SECTIONS = {"en": ["press/release", "press/kaiken", "press/statement/ps"],
            "ja": ["mofaj/press/release", "mofaj/press/kaiken"]}


class MofaJpSpider(SectionedSiteSpider):
    """www.mofa.go.jp: /press/ in English, /mofaj/press/ in Japanese."""

    name = "mofa_jp"
    source = mofa_jp.SOURCE
    languages = mofa_jp.LANGUAGES
    charset_hints = mofa_jp.CHARSET_HINTS
    site_hosts = ("www.mofa.go.jp", "mofa.go.jp")
    base_setting = "MF_MOFA_JP_BASE_URL"

    def sections(self, language: str) -> list[str]:
        return list(SECTIONS[language])

    def listing_url(self, language: str, section: str, page: int) -> str:
        base = self.settings.get(self.base_setting).rstrip("/")
        if section in PAGED_LISTS:
            folder = section.rsplit("/", 1)[0]
            return f"{base}/{folder}/{PAGED_LISTS[section][min(page, 2) - 1]}"
        return f"{base}/{section}/index.html"

    def listing_entries(self, response: Response) -> list[ListingEntry]:
        return mofa_jp.MofaListingPage(response.url, response.text).entries()

    def next_listing(self, response: Response, language: str, section: str, page: int) -> str | None:
        if section in PAGED_LISTS:
            return self.listing_url(language, section, 2) if page == 1 else None
        return mofa_jp.MofaListingPage(response.url, response.text).next_listing_url()

    def article_language(self, url: str) -> str | None:
        facts = mofa_jp.parse_article_url(url)
        return facts[0] if facts else None

    def is_bot_wall(self, text: str) -> bool:
        return mofa_jp.is_bot_wall(text)

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        return mofa_jp.MofaArticlePage(response.url, response.text).statement(entry_tags, listing_date)

    def linked_versions(self, translations: dict[str, str]) -> list[str]:
        # An English conference links its Japanese original, which may sit in a section not crawled.
        return [url for url in translations.values() if self.owns(url)]
