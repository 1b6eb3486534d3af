"""Which page object reads an article URL: one place for ``scrapy extract`` and re-extraction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import ArticlePage, ParseError
from crawler.pages.auswaertiges_amt import AaArticlePage
from crawler.pages.fmprc import ChinaArticlePage
from crawler.pages.gac_ca import GacNewsPage
from crawler.pages.govuk import GovUkContentItem
from crawler.pages.mae_fr import MaeArticlePage
from crawler.pages.mea_in import MeaArticlePage
from crawler.pages.mid import MidArticlePage
from crawler.pages.mid_archive import MidArchiveArticlePage
from crawler.pages.mofa_jp import MofaArticlePage
from crawler.pages.state_dept import StateArticlePage

if TYPE_CHECKING:
    from crawler.items import PageStatement

#: Article page objects, tried in order; each has ``matches(url)`` and ``statement()``.
ARTICLE_PAGES = (MidArticlePage, MidArchiveArticlePage, GovUkContentItem, StateArticlePage,
                 ChinaArticlePage, AaArticlePage, MofaArticlePage, MeaArticlePage,
                 GacNewsPage, MaeArticlePage)


def page_class_for(url: str) -> type[ArticlePage]:
    """The page object that reads an article URL; ParseError when none does."""
    for page_class in ARTICLE_PAGES:
        if page_class.matches(url):
            return page_class
    raise ParseError(url, "unknown_url", "no page object reads this URL")


def read_article(url: str, text: str) -> PageStatement:
    """The statement of a saved article page, read by the page object its URL calls for."""
    return page_class_for(url)(url, text).statement()


def read_saved_page(url: str, body: bytes, content_type: str | None = None, tags: list[str] | None = None,
                    listing_date: str | None = None) -> PageStatement:
    """Like :func:`read_article`, from the page's raw bytes and the ``Content-Type`` it was served
    with (as the archive keeps them): the charset is decided by evidence, with the site's legacy
    encodings as hints (some sites declare the wrong one). ``tags`` and ``listing_date`` are what
    the listing said (a pending record keeps them), as a crawl passes them. Pure: re-extraction
    of archived raw pages reads them through here."""
    page_class = page_class_for(url)
    return page_class(url, page_class.decode(body, content_type)).statement(tags, listing_date)
