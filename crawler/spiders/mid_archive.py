"""The old mid.ru site (Liferay, archive.mid.ru), English and Russian: every press section.

An archive: nothing new appears there, so its use is a backfill (``-a backfill=1``), resumable
with ``-s JOBDIR=…``; listing pages stop at the last page the pager names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import mid_archive
from crawler.spiders.base import SectionedSiteSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.items import PageStatement


class MidArchiveSpider(SectionedSiteSpider):
    """archive.mid.ru news, statements, briefings, comments, answers and speeches."""

    name = "mid_archive"
    source = mid_archive.SOURCE
    languages = mid_archive.LANGUAGES
    charset_hints = mid_archive.CHARSET_HINTS

    def sections(self, language: str) -> list[str]:
        return list(mid_archive.SECTIONS_BY_NAME)

    def listing_url(self, language: str, section: str, page: int) -> str:
        return mid_archive.listing_url(self.settings.get("MF_MID_ARCHIVE_BASE_URL"), language,
                                       mid_archive.SECTIONS_BY_NAME[section], page,
                                       self.settings.getint("MF_MID_ARCHIVE_PAGE_SIZE"))

    def article_language(self, url: str) -> str | None:
        facts = mid_archive.parse_article_url(url)
        return facts.language if facts else None

    def listing_entries(self, response: Response) -> list[mid_archive.ListingEntry]:
        return mid_archive.MidArchiveListingPage(response.url, response.text).entries()

    def has_next_page(self, response: Response, page: int) -> bool:
        last = mid_archive.MidArchiveListingPage(response.url, response.text).last_page()
        return last is not None and page < last

    def statement_url(self, entry_url: str) -> str:
        return mid_archive.rebase(entry_url, self.settings.get("MF_MID_ARCHIVE_BASE_URL"))

    def article_statement(self, response: Response, entry_tags: list[str],
                          listing_date: str | None) -> PageStatement:
        page = mid_archive.MidArchiveArticlePage(response.url, response.text)
        return page.statement(tags=entry_tags, listing_date=listing_date)
