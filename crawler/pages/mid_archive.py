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
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import SplitResult, parse_qs, urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.normalise.html import sanitised_text
from crawler.normalise.text import clean_inline
from crawler.pages import ArticlePage, ParseError
from crawler.pages.challenge import is_challenge
from crawler.pages.cleanup import Chrome, clean_body, first_with_classes, parse_document, text_of
from crawler.pages.evidence import language_versions, meta_published, tags_of
from crawler.pages.markers import MID
from crawler.pages.mid_common import CHARSET_HINTS, has_class, speech_type
from crawler.pages.segments import segments_for

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
    parsed = _parsed(url)
    return parsed[0] if parsed is not None else None


@lru_cache(maxsize=8)
def _parsed(url: str) -> tuple[ArticleUrl, SplitResult, re.Match[str]] | None:
    """The URL's facts, its parts and its path's match; None for other URLs. (The last few answers
    are kept, as crawler.pages.mid.parse_article_url's: a page's own URL is read several times.)"""
    parts = urlsplit(url)
    match = _ARTICLE_PATH.match(parts.path)
    if not match:
        return None
    section = SECTIONS.get(match["instance"])
    if section is None:
        return None
    return ArticleUrl(match["lang"], section, match["id"]), parts, match


def canonical_article_url(url: str) -> str:
    """The article URL on its current host (old www.mid.ru links → archive.mid.ru), no query or
    fragment."""
    found = _read_url(url)
    if found is None:
        raise ValueError(f"not an old-site article URL: {url}")
    return found[1]


def _read_url(url: str) -> tuple[ArticleUrl, str] | None:
    """The facts and the canonical URL of an old-site article URL, in one reading of it."""
    parsed = _parsed(url)
    if parsed is None:
        return None
    facts, parts, match = parsed
    origin = ARCHIVE_ORIGIN if parts.netloc.lower() in OLD_HOSTS else f"{parts.scheme}://{parts.netloc}"
    return facts, (f"{origin}/{facts.language}/{match['path']}/-/asset_publisher/{facts.section.instance}"
                   f"/content/id/{facts.site_id}")


def _linked(url: str) -> tuple[str, str, str] | None:
    """(language, canonical URL, id) of an old-site article URL a page links to."""
    found = _read_url(url)
    return (found[0].language, found[1], found[0].site_id) if found is not None else None


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
            found = _read_url(urljoin(self.url, (link.get("href") or "").strip()))
            if found is None:
                continue
            canonical = found[1]
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


# The article's parts, found by their class tokens in a walk of the article's portlet (speed
# matters, bench/extract.py: a Python walk costs less than an XPath per part).
#: the main column, div.page-content div.portlet-column.portlet-column-first: the article is in it
_CONTENT_CLASSES = ("page-content",)
_COLUMN_CLASSES = ("portlet-column", "portlet-column-first")
#: the article block (the English one is div.article.article-part.article-country, with
#: trailing spaces in its class attribute)
_ARTICLE_CLASSES = ("article",)
#: the asset publisher's portlet around the article (Liferay: div.portlet-boundary, one per
#: portlet): its tag summaries and document number belong to the article wherever they are
_PORTLET_CLASS = "portlet-boundary"
#: the status line, div.article-status-line > span > span, with the time in a nested <i> and, on
#: some Russian pages, the document number in a b.doc-number
_STATUS_CLASS = "article-status-line"
#: the document number: div.article-note span.nowrap, or b.doc-number in the status line
_NOTE_CLASS, _NUMBER_CLASSES = "article-note", frozenset({"nowrap", "doc-number"})
#: the body: div.text.article-content, or div.anons-text
_BODY_CLASS, _SUMMARY_CLASS = "article-content", "anons-text"
#: tags: Liferay's asset taglibs (taglib-asset-categories-summary, taglib-asset-tags-summary, or
#: asset-categories / asset-tags blocks; any element, any depth): what their class attribute holds
_TAG_CLASSES = ("asset-categories", "asset-tags")
#: a substring of each part's class above ("article-" of the status line's, the note's and the
#: body's, "asset-" of the tag blocks', the number's two): an element's class attribute is split
#: into tokens only when it holds one (tests/test_fast_paths.py checks the list)
_PART_MARKS = ("article-", "asset-", "nowrap", "doc-number")
# Blocks inside the body that are never text, beside every site's (cleanup.SHARED_CHROME):
# portlet title bars and menus, tag and language lists, the status line and the number.
_BODY_CHROME = Chrome("portlet-title", "lfr-icon-menu", "taglib-", "article-status-line", "article-note",
                      "asset-categor", "asset-tag", "article-languages")


@dataclass
class _Parts:
    """The article's parts as found in its portlet."""

    status: list[etree._Element] = field(default_factory=list)
    numbers: list[etree._Element] = field(default_factory=list)
    body: etree._Element | None = None
    tag_blocks: list[etree._Element] = field(default_factory=list)
    elements: list[etree._Element] = field(default_factory=list)
    """Every element of the portlet, held while the page is read: lxml makes a Python object for
    an element each time a walk reaches it unless one is alive, and the body is walked several
    times (cleaning, text, segments)."""


def _parts(article: etree._Element) -> _Parts:
    """One walk of the article's portlet (the article itself when it has none)."""
    portlet = next((div for div in article.iterancestors("div")
                    if (classes := div.get("class")) and _PORTLET_CLASS in classes
                    and _PORTLET_CLASS in classes.split()), article)
    parts = _Parts()
    in_note = None  # the div.article-note or status line being walked
    parts.elements = list(portlet.iter(etree.Element))
    article_mark, asset_mark, nowrap_mark, number_mark = _PART_MARKS
    categories_mark, tags_mark = _TAG_CLASSES
    for element in parts.elements:
        classes = element.get("class")
        # (substring tests, cheaper than a regex: most elements' classes hold none of the marks)
        if not classes or not (article_mark in classes or asset_mark in classes or nowrap_mark in classes
                               or number_mark in classes):
            continue  # no part's class is in its class attribute
        tokens = classes.split()
        if _STATUS_CLASS in tokens:
            parts.status.extend(span for outer in element.iterchildren("span") for span in outer.iterchildren("span"))
            in_note = element
        elif _NOTE_CLASS in tokens:
            in_note = element
        elif not _NUMBER_CLASSES.isdisjoint(tokens) and in_note is not None \
                and any(ancestor is in_note for ancestor in element.iterancestors()):
            parts.numbers.append(element)
        elif element.tag == "div" and _BODY_CLASS in tokens and "text" in tokens and parts.body is None:
            parts.body = element
        elif categories_mark in classes or tags_mark in classes:
            parts.tag_blocks.append(element)
    if parts.body is None:
        parts.body = next((div for div in article.iter("div") if _SUMMARY_CLASS in (div.get("class") or "").split()),
                          None)
    return parts


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
        found = _read_url(self.url)
        if found is None:
            raise ParseError(self.url, "unknown_url", "not an old-site article URL")
        url_facts, canonical = found
        root, article = self._article()
        parts = _parts(article)
        title = self._parse_title(article)
        statement = PageStatement(
            source=SOURCE,
            site=SITE,
            site_id=url_facts.site_id,
            url=canonical,
            language=url_facts.language,
            title=title,
            type=self._parse_type(url_facts, title),
            published_raw=self._parse_published_raw(parts),
            published_meta_raw=meta_published(root),
            doc_number=self._parse_doc_number(parts),
            tags=tags_of(parts.tag_blocks) + list(tags or []),  # the normaliser drops repeats and empty tags
            translations=language_versions(root, self.url, url_facts.language, _linked, url_facts.site_id),
            fallback_published_raw=listing_date,
            body_html=self._parse_body(parts),  # last: cleaning edits the page's tree
        )
        statement.body_text = sanitised_text(parts.body)
        statement.segments = segments_for(statement, MID, parts.body)
        return statement

    def _article(self) -> tuple[etree._Element, etree._Element]:
        """The page and the article block inside its main column."""
        root = parse_document(self.url, self.text)
        content = first_with_classes(root, "div", _CONTENT_CLASSES)
        column = first_with_classes(content, "div", _COLUMN_CLASSES) if content is not None else None
        article = first_with_classes(column, "div", _ARTICLE_CLASSES) if column is not None else None
        if article is None:
            if is_challenge(self.text):
                raise ParseError(self.url, "challenge_page")
            raise ParseError(self.url, "no_article_block",
                             "no div.article in div.page-content div.portlet-column-first")
        return root, article

    def _parse_title(self, article: etree._Element) -> str:
        """The article block's ``h1`` (the page's first ``h1`` is the site name)."""
        found = next(article.iter("h1"), None)
        title = text_of(found) if found is not None else ""
        if not title:
            raise ParseError(self.url, "missing_title")
        return title

    def _parse_published_raw(self, parts: _Parts) -> str | None:
        """The status line's date and, read apart from it, the time in its ``<i>``:
        "24 July 2017" + "19:36" → "24 July 2017 19:36"."""
        for line in parts.status:
            date = clean_inline("".join([line.text or "", *(child.tail or "" for child in line)]))
            clock = clean_inline("".join(text for clock in line.iterchildren("i") for text in clock.itertext()))
            shown = " ".join(part for part in (date, clock) if part)
            if shown:
                return shown
        return None

    def _parse_doc_number(self, parts: _Parts) -> str | None:
        """The document number ``N-DD-MM-YYYY``."""
        for note in parts.numbers:
            match = _DOC_NUMBER.search(text_of(note))
            if match:
                return match.group(0)
        return None

    def _parse_type(self, url_facts: ArticleUrl, title: str) -> str:
        return speech_type(url_facts.section.type, title)

    def _parse_body(self, parts: _Parts) -> str:
        """The body without chrome; Word-export spans are unwrapped by the sanitiser. The page's
        tree is cleaned in place (it is this call's own)."""
        if parts.body is None:
            raise ParseError(self.url, "missing_body", "no div.text.article-content or div.anons-text")
        return clean_body(self.url, parts.body, _BODY_CHROME, in_place=True)
