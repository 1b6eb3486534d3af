"""Which page object reads an article URL: one place for ``scrapy extract`` and re-extraction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import ParseError
from crawler.pages.auswaertiges_amt import AaArticlePage
from crawler.pages.fmprc import ChinaArticlePage
from crawler.pages.govuk import GovUkContentItem
from crawler.pages.mid import MidArticlePage
from crawler.pages.mid_archive import MidArchiveArticlePage
from crawler.pages.state_dept import StateArticlePage

if TYPE_CHECKING:
    from crawler.items import PageStatement

#: Article page objects, tried in order; each has ``matches(url)`` and ``statement()``.
ARTICLE_PAGES = (MidArticlePage, MidArchiveArticlePage, GovUkContentItem, StateArticlePage,
                 ChinaArticlePage, AaArticlePage)


def read_article(url: str, text: str) -> PageStatement:
    """The statement of a saved article page, read by the page object its URL calls for."""
    for page_class in ARTICLE_PAGES:
        if page_class.matches(url):
            return page_class(url, text).statement()
    raise ParseError(url, "unknown_url", "no page object reads this URL")
