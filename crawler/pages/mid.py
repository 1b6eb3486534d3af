"""Page objects for the current mid.ru site (Bitrix, since about 2021), English and Russian.

Markup facts are in ../shared/reference/mid-ru.md: listings ``ul.announce.announce_articles``,
articles ``div.photo-content`` (older ``div.page-body``), the date ``.photo-content__date``, the
document number ``p.article-line__note``, the body ``div.text.article-content``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel import Selector

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

# Blocks inside the article wrapper that are never text (XPath, relative to the body copy).
_BODY_CHROME = etree.XPath(
    ".//*[self::script or self::style or self::noscript or self::iframe or self::form or self::button"
    " or contains(@class, 'article-line__note') or contains(@class, 'photo-content__date')"
    " or contains(@class, 'share') or contains(@class, 'print-version')]"
)


@dataclass(frozen=True)
class ArticleUrl:
    """What an article URL of the current site says by itself."""

    language: str
    section: str
    site_id: str
    type: str


def parse_article_url(url: str) -> ArticleUrl | None:
    """Language, section, id and type of a current-site article URL; None for other URLs."""
    parts = urlsplit(url)
    match = _ARTICLE_PATH.match(parts.path)
    if not match:
        return None
    language = parse_qs(parts.query).get("lang", [match["lang"]])[0]
    section = match["section"]
    if section in _COMMENTS_SLUG.values() and language in _COMMENTS_SLUG:
        section = _COMMENTS_SLUG[language]
    return ArticleUrl(language, section, match["id"], SECTIONS[section])


def canonical_article_url(url: str) -> str:
    """The article URL without query or fragment, in its text language, host without ``www.``."""
    parsed = parse_article_url(url)
    if parsed is None:
        raise ValueError(f"not a mid.ru article URL: {url}")
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = f"/{parsed.language}/{parsed.section}/{parsed.site_id}/"
    return urlunsplit((parts.scheme, host, path, "", ""))


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
        self.selector = Selector(text=text)
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


# The article's parts, compiled once (parsing speed matters: see bench/extract.py).
#: candidates for the article wrapper: div.photo-content, or div.page-body on older pages (the
#: class token is checked in Python: a plain contains() is much cheaper on a whole page)
_X_ARTICLE = etree.XPath("//div[contains(@class, 'photo-content') or contains(@class, 'page-body')]")
_WRAPPER_CLASSES = {"photo-content", "page-body"}
#: the title: h1.photo-content__title, else the wrapper's first h1
_X_TITLE = etree.XPath(f"(.//h1[{has_class('photo-content__title')}] | .//h1)[1]")
#: the date line, "28 June 2022 11:44" / "28.06.2022 11:44"
_X_DATE = etree.XPath(f".//*[{has_class('photo-content__date')}]")
#: the document number line, p.article-line__note
_X_NUMBER = etree.XPath(f".//p[{has_class('article-line__note')}]")
#: the body: div.text.article-content (div.article-content as a fallback)
_X_BODY = etree.XPath(f"(.//div[{has_class('text')} and {has_class('article-content')}]"
                      f" | .//div[{has_class('article-content')}])[1]")


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
        article = self._article()
        title = self._parse_title(article)
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
            tags=list(tags or []),
            fallback_published_raw=listing_date,
        )

    def _article(self) -> etree._Element:
        """The article wrapper (a challenge page has none, and is recognised here)."""
        root = parse_document(self.url, self.text)
        found = [div for div in _X_ARTICLE(root) if _WRAPPER_CLASSES & set(div.get("class", "").split())]
        if not found:
            if is_challenge(self.text):
                raise ParseError(self.url, "challenge_page")
            raise ParseError(self.url, "no_article_block", "no div.photo-content or div.page-body")
        return found[0]

    def _parse_title(self, article: etree._Element) -> str:
        """The ``h1`` of the article wrapper."""
        found = _X_TITLE(article)
        title = text_of(found[0]) if found else ""
        if not title:
            raise ParseError(self.url, "missing_title")
        return title

    def _parse_published_raw(self, article: etree._Element) -> str | None:
        """The date line as printed: "28 June 2022 11:44" or "28.06.2022 11:44"."""
        found = _X_DATE(article)
        return (text_of(found[0]) or None) if found else None

    def _parse_doc_number(self, article: etree._Element) -> str | None:
        """The document number ``N-DD-MM-YYYY`` from ``p.article-line__note``."""
        for note in _X_NUMBER(article):
            match = _DOC_NUMBER.search(text_of(note))
            if match:
                return match.group(0)
        return None

    def _parse_type(self, url_facts: ArticleUrl, title: str) -> str:
        """The section's type; interviews in the speeches sections are interviews."""
        return speech_type(url_facts.type, title)

    def _parse_body(self, article: etree._Element) -> str:
        """The body without chrome: no contents list, back links, number, date or buttons."""
        found = _X_BODY(article)
        if not found:
            raise ParseError(self.url, "missing_body", "no div.text.article-content")
        return clean_body(self.url, found[0], _BODY_CHROME)
