"""Page objects for the old mid.ru site (Liferay portal, until about 2021), English and Russian.

Its pages are served under archive.mid.ru; old links point at www.mid.ru with the same paths.
Markup facts are in ../shared/reference/mid-ru.md ("Old site"): article URLs
``/{lang}/{section}/-/asset_publisher/{instance}/content/id/{id}``, one asset-publisher instance
per section, listings paginated by ``_101_INSTANCE_{instance}_cur``, everything of the article in
``div.page-content div.portlet-column.portlet-column-first``, the status line
``div.article-status-line > span > span`` with the time in a nested ``<i>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.normalise.text import clean_inline
from crawler.pages import ArticlePage, ParseError
from crawler.pages.challenge import is_challenge
from crawler.pages.cleanup import (
    parse_document,
    text_of,
)
from crawler.pages.mid_common import CHARSET_HINTS, clean_body, has_class, speech_type

SOURCE = "mid"
SITE = "archive.mid.ru"
LANGUAGES = ("en", "ru")
#: The old site's hosts; their article URLs are canonicalised onto the archive host.
OLD_HOSTS = {"mid.ru", "www.mid.ru", "archive.mid.ru"}
ARCHIVE_ORIGIN = "https://archive.mid.ru"


@dataclass(frozen=True)
class Section:
    """One section of the old site: its asset-publisher instance, paths and document type."""

    name: str
    """The section's name, as in shared/reference/mid-ru-liferay-urls.tsv."""
    instance: str
    """The asset publisher's instance id, in every article and listing URL of the section."""
    paths: dict[str, str]
    """Language → path of the section."""
    type: str
    """The shared document type."""


SECTIONS = {
    section.instance: section
    for section in (
        Section("news", "cKNonkJE02Bw", {"en": "foreign_policy/news", "ru": "foreign_policy/news"}, "news"),
        Section("official_statements", "t2GCdmD8RNIr",
                {lang: "press_service/spokesman/official_statement" for lang in LANGUAGES}, "statement"),
        Section("briefings", "D2wHaWMCU6Od",
                {lang: "press_service/spokesman/briefings" for lang in LANGUAGES}, "briefing"),
        Section("answers", "OyrhusXGz9Lz",
                {lang: "press_service/spokesman/answers" for lang in LANGUAGES}, "answer"),
        # Russian comments live at /ru/kommentarii/; the English path is an inference.
        Section("comments", "2MrVt3CzL5sw", {"ru": "kommentarii", "en": "comments"}, "comment"),
        Section("minister_speeches", "7OvQR5KJWVmR",
                {lang: "press_service/minister_speeches" for lang in LANGUAGES}, "speech"),
        Section("deputy_ministers_speeches", "O3publba0Cjv",
                {lang: "press_service/deputy_ministers_speeches" for lang in LANGUAGES}, "speech"),
    )
}
SECTIONS_BY_NAME = {section.name: section for section in SECTIONS.values()}

_ARTICLE_PATH = re.compile(
    r"^/(?P<lang>[a-z]{2})/(?P<path>[a-z_/]+?)/-/asset_publisher/(?P<instance>[A-Za-z0-9]{12})"
    r"/content/id/(?P<id>\d+)/?$"
)
_DOC_NUMBER = re.compile(r"\b\d{1,5}-\d{2}-\d{2}-\d{4}\b")
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:[-_][A-Za-z]{2})?$")


@dataclass(frozen=True)
class ArticleUrl:
    """What an old-site article URL says by itself."""

    language: str
    section: Section
    site_id: str
    """The page's id, as the site has it (``2826535`` of ``…/content/id/2826535``). Statement ids
    of the site keep their ``liferay-`` namespace (crawler.normalise.statement.mint_id)."""


def parse_article_url(url: str) -> ArticleUrl | None:
    """Language, section and id of an old-site article URL; None for other URLs.

    The section is told by the asset publisher's instance id, whatever the path says."""
    match = _ARTICLE_PATH.match(urlsplit(url).path)
    if not match:
        return None
    section = SECTIONS.get(match["instance"])
    if section is None:
        return None
    return ArticleUrl(match["lang"], section, match["id"])


def canonical_article_url(url: str) -> str:
    """The article URL on its current host (old www.mid.ru links → archive.mid.ru), no query or
    fragment."""
    parsed = parse_article_url(url)
    if parsed is None:
        raise ValueError(f"not an old-site article URL: {url}")
    parts = urlsplit(url)
    origin = ARCHIVE_ORIGIN if parts.netloc.lower() in OLD_HOSTS else f"{parts.scheme}://{parts.netloc}"
    match = _ARTICLE_PATH.match(parts.path)
    return (f"{origin}/{parsed.language}/{match['path']}/-/asset_publisher/{parsed.section.instance}"
            f"/content/id/{parsed.site_id}")


def rebase(url: str, base_url: str) -> str:
    """An old-site URL moved onto the host we crawl (old pages link to www.mid.ru)."""
    parts = urlsplit(url)
    if parts.netloc.lower() not in OLD_HOSTS:
        return url
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def listing_url(base_url: str, language: str, section: Section, page: int, delta: int = 20) -> str:
    """Listing page ``page`` (1-based) of a section, ``delta`` items a page, as Liferay pages it."""
    instance = f"_101_INSTANCE_{section.instance}_"
    query = (
        f"p_p_id=101_INSTANCE_{section.instance}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
        f"&p_p_col_id=column-1&p_p_col_pos=1&p_p_col_count=2&{instance}delta={delta}"
        f"&{instance}keywords=&{instance}advancedSearch=false&{instance}andOperator=true"
        f"&p_r_p_564233524_resetCur=false&{instance}cur={page}"
    )
    return f"{base_url.rstrip('/')}/{language}/{section.paths[language]}?{query}"


@dataclass(frozen=True)
class ListingEntry:
    """One article as a listing page shows it."""

    url: str
    title: str
    date_raw: str | None = None
    tags: tuple[str, ...] = ()


#: listing links: section.page-block.news-articles ul li a.anons-title, or the older list markup
_X_LISTING_LINKS = etree.XPath(
    f"//section[{has_class('news-articles')}]//ul/li//a[{has_class('anons-title')}]"
    f" | //ul[{has_class('anons-list')}]/li/a"
)
_X_LISTING_BLOCK = etree.XPath(
    f"//section[{has_class('news-articles')}] | //ul[{has_class('anons-list')}]")
#: the link to the last listing page
_X_LAST_PAGE = etree.XPath(f"//div[{has_class('paginates')}]//li[{has_class('last')}]/a/@href")


class MidArchiveListingPage:
    """A Liferay listing page: its article links and the number of its last page."""

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.text = text
        self.root = parse_document(url, text) if text.strip() else None

    def _root(self) -> etree._Element:
        if self.root is None:
            raise ParseError(self.url, "empty_page")
        if not _X_LISTING_BLOCK(self.root):
            if is_challenge(self.text):
                raise ParseError(self.url, "challenge_page")
            raise ParseError(self.url, "listing_layout", "no section.news-articles or ul.anons-list")
        return self.root

    def entries(self) -> list[ListingEntry]:
        """The listed articles, in page order (other links are left out)."""
        entries: list[ListingEntry] = []
        seen: set[str] = set()
        for link in _X_LISTING_LINKS(self._root()):
            url = urljoin(self.url, (link.get("href") or "").strip())
            if parse_article_url(url) is None:
                continue
            canonical = canonical_article_url(url)
            if canonical in seen:
                continue
            seen.add(canonical)
            entries.append(ListingEntry(url=canonical, title=text_of(link)))
        return entries

    def last_page(self) -> int | None:
        """The last page's number from ``div.paginates li.last a``; None when the page has no pager."""
        for href in _X_LAST_PAGE(self._root()):
            for name, values in parse_qs(urlsplit(href).query).items():
                if name.endswith("_cur") and values and values[0].isdigit():
                    return int(values[0])
        return None


#: the main column: everything of the article sits in it
_X_COLUMN = etree.XPath(
    f"//div[{has_class('page-content')}]//div[{has_class('portlet-column')}"
    f" and {has_class('portlet-column-first')}]")
#: the article block (the English one is div.article.article-part.article-country, with
#: trailing spaces in its class attribute)
_X_ARTICLE = etree.XPath(f".//div[{has_class('article')}]")
_X_TITLE = etree.XPath(".//h1")
_X_STATUS = etree.XPath(f".//div[{has_class('article-status-line')}]/span/span")
_X_NUMBER = etree.XPath(
    f".//div[{has_class('article-note')}]//span[{has_class('nowrap')}]"
    f" | .//div[{has_class('article-status-line')}]//b[{has_class('doc-number')}]")
_X_BODY = etree.XPath(f"(.//div[{has_class('text')} and {has_class('article-content')}]"
                      f" | .//div[{has_class('anons-text')}])[1]")
#: tags: Liferay's asset taglibs (categories or tags summary)
_X_TAGS = etree.XPath(
    f".//div[{has_class('taglib-asset-categories-summary')}]//a"
    f" | .//div[{has_class('taglib-asset-tags-summary')}]//a")
#: the article's language selector: links with hreflang inside the article block
_X_LANGUAGE_LINKS = etree.XPath(".//a[@hreflang]")
_BODY_CHROME = etree.XPath(
    ".//*[self::script or self::style or self::noscript or self::iframe or self::form or self::button"
    " or self::menu or contains(@class, 'portlet-title') or contains(@class, 'lfr-icon-menu')"
    " or contains(@class, 'taglib-') or contains(@class, 'article-status-line')"
    " or contains(@class, 'article-note') or contains(@class, 'share')]"
)


class MidArchiveArticlePage(ArticlePage):
    """An old-site article: title, date, number, tags, translations and the body."""

    charset_hints = CHARSET_HINTS

    @staticmethod
    def matches(url: str) -> bool:
        """True for URLs this page object reads."""
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None,
                  listing_date: str | None = None) -> PageStatement:
        """The page as a :class:`PageStatement` (tags come from the page; listing ones are added)."""
        url_facts = parse_article_url(self.url)
        if url_facts is None:
            raise ParseError(self.url, "unknown_url", "not an old-site article URL")
        article = self._article()
        title = self._parse_title(article)
        page_tags = self._parse_tags(article)
        return PageStatement(
            source=SOURCE,
            site=SITE,
            site_id=url_facts.site_id,
            url=canonical_article_url(self.url),
            language=url_facts.language,
            title=title,
            type=self._parse_type(url_facts, title),
            body_html=self._parse_body(article),
            published_raw=self._parse_published_raw(article),
            doc_number=self._parse_doc_number(article),
            tags=page_tags + list(tags or []),  # the normaliser drops repeats and empty tags
            translations=self._parse_translations(article, url_facts.language),
            fallback_published_raw=listing_date,
        )

    def _article(self) -> etree._Element:
        """The article block inside the main column."""
        root = parse_document(self.url, self.text)
        column = _X_COLUMN(root)
        articles = _X_ARTICLE(column[0]) if column else []
        if not articles:
            if is_challenge(self.text):
                raise ParseError(self.url, "challenge_page")
            raise ParseError(self.url, "no_article_block",
                             "no div.article in div.page-content div.portlet-column-first")
        return articles[0]

    def _parse_title(self, article: etree._Element) -> str:
        """The article block's ``h1`` (the page's first ``h1`` is the site name)."""
        found = _X_TITLE(article)
        title = text_of(found[0]) if found else ""
        if not title:
            raise ParseError(self.url, "missing_title")
        return title

    def _parse_published_raw(self, article: etree._Element) -> str | None:
        """The status line's date and, read apart from it, the time in its ``<i>``:
        "24 July 2017" + "19:36" → "24 July 2017 19:36"."""
        for line in _X_STATUS(article):
            date = clean_inline("".join(line.xpath("text()")))
            clock = clean_inline("".join(line.xpath("./i//text()")))
            shown = " ".join(part for part in (date, clock) if part)
            if shown:
                return shown
        return None

    def _parse_doc_number(self, article: etree._Element) -> str | None:
        """The document number ``N-DD-MM-YYYY``."""
        for note in _X_NUMBER(article):
            match = _DOC_NUMBER.search(text_of(note))
            if match:
                return match.group(0)
        return None

    def _parse_tags(self, article: etree._Element) -> list[str]:
        """The tag links under the article."""
        tags: list[str] = []
        for link in _X_TAGS(article):
            tag = text_of(link)
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def _parse_translations(self, article: etree._Element, language: str) -> dict[str, str]:
        """The language selector's links to the other language versions."""
        translations: dict[str, str] = {}
        for link in _X_LANGUAGE_LINKS(article):
            match = _LANGUAGE.match((link.get("hreflang") or "").strip())
            url = urljoin(self.url, (link.get("href") or "").strip())
            if match and match[1] != language and parse_article_url(url):
                translations[match[1]] = canonical_article_url(url)
        return translations

    def _parse_type(self, url_facts: ArticleUrl, title: str) -> str:
        return speech_type(url_facts.section.type, title)

    def _parse_body(self, article: etree._Element) -> str:
        """The body without chrome; Word-export spans are unwrapped by the sanitiser."""
        found = _X_BODY(article)
        if not found:
            raise ParseError(self.url, "missing_body", "no div.text.article-content or div.anons-text")
        return clean_body(self.url, found[0], _BODY_CHROME)
