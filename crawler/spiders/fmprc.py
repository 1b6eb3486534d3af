"""China's Ministry of Foreign Affairs: the English site and the Chinese one, one spider each."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from crawler.pages import fmprc
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement


class _ChinaSpider(SectionedSiteSpider):
    source = fmprc.SOURCE
    charset_hints = fmprc.CHARSET_HINTS
    base_setting: ClassVar[str]
    section_paths: ClassVar[list[str]]

    def sections(self, language: str) -> list[str]:
        return list(self.section_paths)

    def listing_url(self, language: str, section: str, page: int) -> str:
        return fmprc.listing_url(self.settings.get(self.base_setting), section, page)

    def listing_entries(self, response: Response) -> list[fmprc.ListingEntry]:
        return fmprc.ChinaListingPage(response.url, response.text).entries()

    def has_next_page(self, response: Response, page: int) -> bool:
        return page < fmprc.ChinaListingPage(response.url, response.text).page_count()

    def article_language(self, url: str) -> str | None:
        # The page object reads both sites: the URL's language tells the English site's articles
        # from the Chinese one's (each spider re-checks only its own).
        return fmprc.language_of(url) if fmprc.ChinaArticlePage.matches(url) else None

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        # response.text is decoded by evidence, not by the charset the page declares (often wrong):
        # crawler.middlewares.charset.
        page = fmprc.ChinaArticlePage(response.url, response.text)
        return page.statement(entry_tags, listing_date)


class FmprcEnSpider(_ChinaSpider):
    """www.fmprc.gov.cn: press conferences, spokesperson's remarks, speeches (English)."""

    name = "fmprc_en"
    languages = ("en",)
    base_setting = "MF_FMPRC_EN_BASE_URL"
    section_paths: ClassVar[list[str]] = ["eng/xw/fyrbt/lxjzh", "eng/xw/fyrbt/fyrbt", "eng/xw/zyjh"]


class FmprcZhSpider(_ChinaSpider):
    """www.mfa.gov.cn: press conference transcripts and ministry news (Chinese)."""

    name = "fmprc_zh"
    languages = ("zh",)
    base_setting = "MF_FMPRC_ZH_BASE_URL"
    section_paths: ClassVar[list[str]] = ["web/fyrbt_673021/jzhsl_673025", "web/wjdt_674879/wjbxw_674885"]
