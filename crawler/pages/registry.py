"""Which page object reads a page: one place for ``scrapy extract`` and re-extraction
(``scrapy reextract``), which read saved pages without a spider to say it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.pages import ArticlePage, ParseError
from crawler.pages.auswaertiges_amt import AaArticlePage, AaFeed
from crawler.pages.fmprc import ChinaArticlePage
from crawler.pages.gac_ca import GacNewsPage
from crawler.pages.govuk import GovUkContentItem
from crawler.pages.mae_fr import MaeArticlePage
from crawler.pages.mea_in import MeaArticlePage
from crawler.pages.mid import MidArticlePage
from crawler.pages.mid_archive import MidArchiveArticlePage
from crawler.pages.mofa_jp import MofaArticlePage
from crawler.pages.state_dept import StateArticlePage, StateFeed

if TYPE_CHECKING:
    from crawler.items import PageStatement

#: Article page objects, tried in order; each has ``matches(url)`` and ``statement()``.
ARTICLE_PAGES = (MidArticlePage, MidArchiveArticlePage, GovUkContentItem, StateArticlePage,
                 ChinaArticlePage, AaArticlePage, MofaArticlePage, MeaArticlePage,
                 GacNewsPage, MaeArticlePage)

#: The article page object of each site (a statement's ``site``, crawler.normalise.statement.SITES).
SITE_PAGES: dict[str, type[ArticlePage]] = {
    "mid.ru": MidArticlePage, "archive.mid.ru": MidArchiveArticlePage, "gov.uk": GovUkContentItem,
    "state.gov": StateArticlePage, "fmprc.gov.cn": ChinaArticlePage, "mfa.gov.cn": ChinaArticlePage,
    "auswaertiges-amt.de": AaArticlePage, "mofa.go.jp": MofaArticlePage, "mea.gov.in": MeaArticlePage,
    "canada.ca": GacNewsPage, "diplomatie.gouv.fr": MaeArticlePage,
}

#: The article page object each spider reads its articles with (what a pending page of the
#: spider is read with again).
SPIDER_PAGES: dict[str, type[ArticlePage]] = {
    "mid": MidArticlePage, "mid_archive": MidArchiveArticlePage, "fcdo": GovUkContentItem,
    "state_dept": StateArticlePage, "fmprc_en": ChinaArticlePage, "fmprc_zh": ChinaArticlePage,
    "aa": AaArticlePage, "mofa_jp": MofaArticlePage, "mea_in": MeaArticlePage, "gac_ca": GacNewsPage,
    "mae_fr": MaeArticlePage,
}

#: Feeds that carry whole statements, by source: their raw documents (fetches of kind ``feed``)
#: are what those statements are read again from.
FEED_PAGES: dict[str, tuple[type[StateFeed] | type[AaFeed], ...]] = {"state_dept": (StateFeed,), "aa": (AaFeed,)}


def page_class_for(url: str, *, site: str | None = None, spider: str | None = None) -> type[ArticlePage]:
    """The page object that reads an article: the one of its ``site`` or ``spider`` when given
    and known, else the first whose ``matches(url)``; ParseError when none does."""
    known = SITE_PAGES.get(site or "") or SPIDER_PAGES.get(spider or "")
    if known is not None:
        return known
    for page_class in ARTICLE_PAGES:
        if page_class.matches(url):
            return page_class
    raise ParseError(url, "unknown_url", "no page object reads this URL")


def read_article(url: str, text: str) -> PageStatement:
    """The statement of a saved article page, read by the page object its URL calls for."""
    return page_class_for(url)(url, text).statement()


def read_saved_page(url: str, body: bytes, content_type: str | None = None, tags: list[str] | None = None,
                    listing_date: str | None = None, *, site: str | None = None,
                    spider: str | None = None) -> PageStatement:
    """Like :func:`read_article`, from the page's raw bytes and the ``Content-Type`` it was served
    with (as the archive keeps them): the charset is decided by evidence, with the site's legacy
    encodings as hints (some sites declare the wrong one). ``tags`` and ``listing_date`` are what
    the listing said (a pending record keeps them), as a crawl passes them; ``site`` or
    ``spider`` name the page object (see :func:`page_class_for`). Pure: re-extraction of
    archived raw pages reads them through here."""
    page_class = page_class_for(url, site=site, spider=spider)
    return page_class(url, page_class.decode(body, content_type)).statement(tags, listing_date)


def feed_class_for(source: str, url: str) -> type[StateFeed] | type[AaFeed] | None:
    """The feed of ``source`` that a raw document fetched from ``url`` is, or None."""
    return next((feed for feed in FEED_PAGES.get(source, ()) if feed.matches(url)), None)


def read_saved_feed(source: str, url: str, body: bytes) -> list[PageStatement]:
    """The whole statements a saved feed of ``source`` carries (none for a URL that is not one of
    its feeds); ParseError for a document that is not a feed. Pure."""
    feed = feed_class_for(source, url)
    if feed is None:
        return []
    return [entry.statement for entry in feed(url, body).entries() if entry.statement is not None]
