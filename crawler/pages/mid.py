"""Page objects for the current mid.ru site (Bitrix, since about 2021), English and Russian.

Markup facts are in ../shared/reference/mid-ru.md: listings ``ul.announce.announce_articles``,
articles ``div.photo-content`` (older ``div.page-body``), the date ``.photo-content__date``, the
document number ``p.article-line__note``, the body ``div.text.article-content``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

from crawler.items import PageStatement
from crawler.normalise.html import sanitised_text
from crawler.normalise.text import clean_inline, replace_lone_surrogates
from crawler.pages import ArticlePage, ParseError
from crawler.pages.challenge import is_challenge
from crawler.pages.cleanup import Chrome, clean_body, parse_document, text_of
from crawler.pages.evidence import TAG_BLOCK, language_versions, meta_published, tags_of
from crawler.pages.markers import MID
from crawler.pages.mid_common import CHARSET_HINTS, speech_type
from crawler.pages.segments import segments_for

SOURCE = "mid"
SITE = "mid.ru"
LANGUAGES = ("en", "ru")

#: Section path (without the language) → shared document type.
SECTIONS = {
    "foreign_policy/news": "news",
    "press_service/spokesman/briefings": "briefing",
    "press_service/spokesman/official_statement": "statement",
    "press_service/spokesman/comments": "comment",
    "press_service/spokesman/kommentarii": "comment",
    "press_service/spokesman/answers": "answer",
    "press_service/minister_speeches": "speech",
    "press_service/deputy_ministers_speeches": "speech",
}
#: The comments section has a different slug per language.
_COMMENTS_SLUG = {"en": "press_service/spokesman/comments", "ru": "press_service/spokesman/kommentarii"}

_ARTICLE_PATH = re.compile(
    r"^/(?P<lang>[a-z]{2})/(?P<section>" + "|".join(re.escape(s) for s in SECTIONS)
    + r")/(?P<id>\d{5,9})/?$"
)
_LISTING_PATH = re.compile(
    r"^/(?P<lang>[a-z]{2})/(?P<section>" + "|".join(re.escape(s) for s in SECTIONS) + r")/?$"
)
_DOC_NUMBER = re.compile(r"\b\d{1,5}-\d{2}-\d{2}-\d{4}\b")

# Blocks inside the body that are never text, beside every site's (cleanup.SHARED_CHROME): the
# number and date lines, tag blocks.
_BODY_CHROME = Chrome("article-line__note", "photo-content__date", "tags")


@dataclass(frozen=True)
class ArticleUrl:
    """What an article URL of the current site says by itself."""

    language: str
    section: str
    site_id: str
    type: str


@lru_cache(maxsize=8)
def parse_article_url(url: str) -> ArticleUrl | None:
    """Language, section, id and type of a current-site article URL; None for other URLs. (The
    last few answers are kept: a page's own URL is read when its page object is chosen, when it is
    read and again for its canonical form. Kept few, so that only a page's own repeats hit.)"""
    parts = urlsplit(url)
    match = _ARTICLE_PATH.match(parts.path)
    if not match:
        return None
    language = parse_qs(parts.query).get("lang", [match["lang"]])[0] if parts.query else match["lang"]
    section = match["section"]
    if section in _COMMENTS_SLUG.values() and language in _COMMENTS_SLUG:
        section = _COMMENTS_SLUG[language]
    return ArticleUrl(language, section, match["id"], SECTIONS[section])


def canonical_article_url(url: str, parsed: ArticleUrl | None = None) -> str:
    """The article URL without query or fragment, in its text language, host without ``www.``
    (``parsed``: the URL's facts, when already read)."""
    parsed = parsed or parse_article_url(url)
    if parsed is None:
        raise ValueError(f"not a mid.ru article URL: {url}")
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = f"/{parsed.language}/{parsed.section}/{parsed.site_id}/"
    return urlunsplit((parts.scheme, host, path, "", ""))


def _read_url(url: str) -> tuple[str, str, str] | None:
    """(language, canonical URL, id) of a current-site article URL a page links to."""
    facts = parse_article_url(url)
    return (facts.language, canonical_article_url(url, facts), facts.site_id) if facts else None


def listing_url(base_url: str, language: str, section: str, page: int) -> str:
    """The URL of listing page ``page`` (1-based) of a section."""
    if section in _COMMENTS_SLUG.values():
        section = _COMMENTS_SLUG[language]
    url = f"{base_url.rstrip('/')}/{language}/{section}/"
    return url if page == 1 else f"{url}?PAGEN_1={page}"


def sections_for(language: str) -> list[str]:
    """The section paths that exist in a language (one comments slug each)."""
    other_comments = {slug for lang, slug in _COMMENTS_SLUG.items() if lang != language}
    return [section for section in SECTIONS if section not in other_comments]


@dataclass(frozen=True)
class ListingEntry:
    """One article as a listing page shows it."""

    url: str
    title: str
    date_raw: str | None
    tags: list[str]


class MidListingPage:
    """A section's listing page: the articles it links to, with their dates and tags."""

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.selector = Selector(text=replace_lone_surrogates(text))
        self.text = text

    def entries(self) -> list[ListingEntry]:
        """The listed articles, in page order. A page without the listing block is layout drift."""
        if is_challenge(self.text):
            raise ParseError(self.url, "challenge_page")
        listing = self.selector.css("ul.announce.announce_articles")
        if not listing:
            raise ParseError(self.url, "listing_layout", "no ul.announce.announce_articles")
        entries = []
        for item in listing.css("li.announce__item"):
            href = item.css("a.announce__link::attr(href)").get()
            if not href:
                continue
            url = urljoin(self.url, href.strip())
            if parse_article_url(url) is None:
                continue  # video and other media pages share the listing
            date = clean_inline(item.css(".announce__date::text").get() or "")
            clock = clean_inline(item.css(".announce__time::text").get() or "")
            tags = item.css(".announce__meta-tags ::text").getall()
            entries.append(
                ListingEntry(
                    url=canonical_article_url(url),
                    title=clean_inline(" ".join(item.css("a.announce__link ::text").getall())),
                    date_raw=" ".join(part for part in (date, clock) if part) or None,
                    tags=_split_tags(" ".join(tags)),
                )
            )
        return entries


def _split_tags(text: str) -> list[str]:
    """The listing's tag line: one comma-and-space separated string."""
    seen: list[str] = []
    for tag in (clean_inline(part) for part in text.split(", ")):
        tag = tag.strip(", ")
        if tag and tag not in seen:
            seen.append(tag)
    return seen


# The article's parts, found in one walk of the wrapper by their class tokens (speed matters,
# bench/extract.py: on a few dozen elements a Python walk costs less than one XPath per part).
#: the wrapper: div.photo-content, or div.page-body on older pages
_WRAPPER_CLASSES = frozenset({"photo-content", "page-body"})
#: the title: h1.photo-content__title, else the wrapper's first h1
_TITLE_CLASS = "photo-content__title"
#: the date line, "28 June 2022 11:44" / "28.06.2022 11:44": .photo-content__date
_DATE_CLASS = "photo-content__date"
#: the document number line: p.article-line__note
_NUMBER_CLASS = "article-line__note"
#: the body: div.text.article-content (div.article-content as a fallback)
_BODY_CLASS = "article-content"
#: Substrings of the classes above but the title's, and of every word of a tag block's class
#: (evidence.TAG_BLOCK): an element's class attribute is split into tokens only when it holds one
#: (substring tests: a regex search per class attribute costs more; tests/test_fast_paths.py
#: checks the list)
_PART_MARKS = ("photo-content__date", "article-", "tag", "categories", "keywords")


@dataclass
class _Parts:
    """The article's parts as found in the wrapper (and tag blocks after it, in its column)."""

    title: etree._Element | None = None
    date: etree._Element | None = None
    numbers: list[etree._Element] = field(default_factory=list)
    body: etree._Element | None = None
    tags: list[str] = field(default_factory=list)
    elements: list[etree._Element] = field(default_factory=list)
    """Every element of the wrapper, held while the page is read: lxml makes a Python object for
    an element each time a walk reaches it unless one is alive, and the body is walked several
    times (cleaning, text, segments)."""


def _parts(article: etree._Element) -> _Parts:
    """One walk of the wrapper (and its following siblings, for tag blocks placed after it)."""
    parts = _Parts()
    tag_blocks = []
    titled = False  # an h1.photo-content__title was found
    parts.elements = list(article.iter(etree.Element))
    date_mark, article_mark, tag_mark, categories_mark, keywords_mark = _PART_MARKS
    for element in parts.elements:
        classes = element.get("class")
        tag = element.tag
        if tag == "h1" and not titled:
            titled = classes is not None and _TITLE_CLASS in classes.split()
            parts.title = element if titled or parts.title is None else parts.title
        if not classes or not (date_mark in classes or article_mark in classes or tag_mark in classes
                               or categories_mark in classes or keywords_mark in classes):
            continue  # no part's class is in its class attribute
        tokens = classes.split()
        if _DATE_CLASS in tokens:
            parts.date = element if parts.date is None else parts.date
        elif tag == "p" and _NUMBER_CLASS in tokens:
            parts.numbers.append(element)
        elif tag == "div" and _BODY_CLASS in tokens:
            if parts.body is None or ("text" in tokens and "text" not in parts.body.get("class", "").split()):
                parts.body = element
        elif TAG_BLOCK.search(classes):
            tag_blocks.append(element)
    parts.tags = tags_of(tag_blocks + list(article.itersiblings()))
    return parts


class MidArticlePage(ArticlePage):
    """An article of the current site: title, date, document number and the chrome-free body."""

    charset_hints = CHARSET_HINTS

    @staticmethod
    def matches(url: str) -> bool:
        """True for URLs this page object reads."""
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None,
                  listing_date: str | None = None) -> PageStatement:
        """The page as a :class:`PageStatement`; listing tags and date are passed in (the
        article page itself prints neither tags nor, sometimes, a date)."""
        url_facts = parse_article_url(self.url)
        if url_facts is None:
            raise ParseError(self.url, "unknown_url", "not a mid.ru article URL")
        root, article = self._article()
        parts = _parts(article)
        title = self._parse_title(parts)
        statement = PageStatement(
            source=SOURCE,
            site=SITE,
            site_id=url_facts.site_id,
            url=canonical_article_url(self.url, url_facts),
            language=url_facts.language,
            title=title,
            type=self._parse_type(url_facts, title),
            published_raw=self._parse_published_raw(parts),
            published_meta_raw=meta_published(root),
            doc_number=self._parse_doc_number(parts),
            tags=parts.tags + list(tags or []),  # the normaliser drops repeats
            translations=language_versions(root, self.url, url_facts.language, _read_url, url_facts.site_id),
            fallback_published_raw=listing_date,
            body_html=self._parse_body(parts),  # last: cleaning edits the page's tree
        )
        statement.body_text = sanitised_text(parts.body)
        statement.segments = segments_for(statement, MID, parts.body)
        return statement

    def _article(self) -> tuple[etree._Element, etree._Element]:
        """The page and its article wrapper: the first in the page's ``main`` (a teaser or promo
        card of the same markup before it is another article's), else the first in the page (a
        challenge page has none, and is recognised here)."""
        root = parse_document(self.url, self.text)
        main = next(root.iter("main"), None)
        for scope in (root,) if main is None else (main, root):
            for div in scope.iter("div"):
                classes = div.get("class")
                if classes and ("photo-content" in classes or "page-body" in classes) \
                        and not _WRAPPER_CLASSES.isdisjoint(classes.split()):
                    return root, div
        if is_challenge(self.text):
            raise ParseError(self.url, "challenge_page")
        raise ParseError(self.url, "no_article_block", "no div.photo-content or div.page-body")

    def _parse_title(self, parts: _Parts) -> str:
        """The ``h1`` of the article wrapper."""
        title = text_of(parts.title) if parts.title is not None else ""
        if not title:
            raise ParseError(self.url, "missing_title")
        return title

    def _parse_published_raw(self, parts: _Parts) -> str | None:
        """The date line as printed: "28 June 2022 11:44" or "28.06.2022 11:44"."""
        return (text_of(parts.date) or None) if parts.date is not None else None

    def _parse_doc_number(self, parts: _Parts) -> str | None:
        """The document number ``N-DD-MM-YYYY`` from ``p.article-line__note``."""
        for note in parts.numbers:
            match = _DOC_NUMBER.search(text_of(note))
            if match:
                return match.group(0)
        return None

    def _parse_type(self, url_facts: ArticleUrl, title: str) -> str:
        """The section's type; interviews in the speeches sections are interviews."""
        return speech_type(url_facts.type, title)

    def _parse_body(self, parts: _Parts) -> str:
        """The body without chrome: no contents list, back links, number, date or buttons. The
        page's tree is cleaned in place (it is this call's own)."""
        if parts.body is None:
            raise ParseError(self.url, "missing_body", "no div.text.article-content")
        return clean_body(self.url, parts.body, _BODY_CHROME, in_place=True)
