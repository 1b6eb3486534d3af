"""Germany's Federal Foreign Office (www.auswaertiges-amt.de), English and German: its RSS feeds
carry the whole article HTML; the article page is read where a feed item has none.

Article markup (shared/reference/ministries.md): ``#main header`` with ``h1.heading__title``,
``p.heading__intro`` and ``span.heading__meta`` = "08.12.2021 - Press release" (a day, no time,
then the type); body ``#main div.c-rte--default``; tags ``ul.link-list__list
a.link-list__link[title]``; "Top of page" links are chrome. Article URLs end in the page's id:
``/en/newsroom/news/<slug>-<id>`` (older: ``…/<yymmdd-slug>/<id>``). The /de/ and /en/ trees
have separate ids and no links between them.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import urlsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.pages import ArticlePage, ParseError, extractor_name
from crawler.pages.cleanup import (
    Chrome,
    clean_element,
    copy_element,
    drop_matching,
    inner_html,
    parse_document,
    read_without_controls,
    text_of,
)
from crawler.pages.evidence import in_related_block, language_versions, meta_published
from crawler.pages.feeds_rss import FeedEntry, RssItem, read_rss

SOURCE = "aa"
SITE = "auswaertiges-amt.de"
_ARTICLE = re.compile(r"^/(?P<lang>en|de)/newsroom/(news|presse|[a-z-]+)/(?:[^/]+-|[^/]+/)(?P<id>\d{5,8})/?$")
_META = re.compile(r"^\s*(?P<date>\d{2}\.\d{2}\.\d{4})\s*(?:[-–]\s*(?P<type>.+))?$")
TYPES = {"press release": "statement", "pressemitteilung": "statement", "speech": "speech", "rede": "speech",
         "interview": "interview", "article": "news", "artikel": "news", "statement": "statement",
         "erklärung": "statement", "news": "news", "nachricht": "news"}
_TOP_OF_PAGE = re.compile(r"^(Top of page|Seitenanfang|nach oben)$", re.I)


def parse_article_url(url: str) -> tuple[str, str] | None:
    """(language, id) of an article URL."""
    match = _ARTICLE.match(urlsplit(url).path)
    return (match["lang"], match["id"]) if match else None


def _read_url(url: str) -> tuple[str, str, None] | None:
    """(language, URL, no shared id) of an article URL a page links to: the /de/ and /en/ trees
    number their articles apart, so only the page's own alternate and switcher links tie them."""
    facts = parse_article_url(url)
    return (facts[0], url.split("?")[0].split("#")[0], None) if facts else None


def doc_type(label: str | None, title: str) -> str:
    if label and label.strip().lower() in TYPES:
        return TYPES[label.strip().lower()]
    lowered = title.lower()
    if lowered.startswith(("speech", "rede")) or " speech " in lowered:
        return "speech"
    if "interview" in lowered:
        return "interview"
    return "statement"


# Beside every site's chrome (cleanup.SHARED_CHROME: teasers to other articles, share tools, …):
# "Top of page" links and the tag lists.
_CHROME = Chrome("c-top-link", "link-list")


def clean_body(url: str, element: etree._Element) -> str:
    """Body HTML without share tools, teasers, tag lists, link lists and "Top of page" links."""
    drop_matching(element, _CHROME)
    for link in list(element.iter("a")):
        if _TOP_OF_PAGE.match(text_of(link)) and link.getparent() is not None:
            link.getparent().remove(link)
    clean_element(url, element, None)
    return inner_html(element)


_FEED = re.compile(r"/includes/rss[^/]*/[^/]+\.xml$")


class AaFeed:
    """The press releases and speeches feed of one language."""

    def __init__(self, url: str, data: bytes) -> None:
        self.url = url
        self.data = data

    @staticmethod
    def matches(url: str) -> bool:
        """True for the feeds' URLs (``/static/…/includes/rss…/….xml``)."""
        return bool(_FEED.search(urlsplit(url).path))

    def entries(self) -> list[FeedEntry]:
        entries = []
        for item in read_rss(self.url, self.data):
            facts = parse_article_url(item.link)
            if facts is None:
                continue
            statement = None
            if item.description and item.description.strip() and item.pub_date:
                statement = read_without_controls(partial(_feed_statement, item, facts))
            entries.append(FeedEntry(url=item.link, title=item.title, date_raw=item.pub_date,
                                     tags=list(item.categories), statement=statement))
        return entries


def _feed_statement(item: RssItem, facts: tuple[str, str]) -> PageStatement:
    """The statement a feed item carries whole (``facts``: its URL's language and id)."""
    root = parse_document(item.link, f"<html><body><div>{item.description}</div></body></html>")
    return PageStatement(
        source=SOURCE, site=SITE, site_id=facts[1], url=item.link, language=facts[0], title=item.title,
        type=doc_type(None, item.title), body_html=clean_body(item.link, root.find(".//body/div")),
        published_raw=item.pub_date, tags=list(item.categories), extractor=extractor_name(AaFeed))


_X_TITLE = etree.XPath("//*[@id='main']//h1[contains(@class, 'heading__title')]")
_X_INTRO = etree.XPath("//*[@id='main']//p[contains(@class, 'heading__intro')]")
_X_META = etree.XPath("//*[@id='main']//span[contains(@class, 'heading__meta')]")
_X_BODY = etree.XPath("//*[@id='main']//div[contains(@class, 'c-rte--default')]")
_X_TAGS = etree.XPath("//ul[contains(@class, 'link-list__list')]//a[contains(@class, 'link-list__link')]")


class AaArticlePage(ArticlePage):
    """An article page of either language tree."""

    @staticmethod
    def matches(url: str) -> bool:
        return parse_article_url(url) is not None

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        facts = parse_article_url(self.url)
        if facts is None:
            raise ParseError(self.url, "unknown_url", "not an article URL of the Federal Foreign Office")
        root = parse_document(self.url, self.text)
        title = text_of(_X_TITLE(root)[0]) if _X_TITLE(root) else ""
        if not title:
            raise ParseError(self.url, "missing_title")
        meta = _META.match(text_of(_X_META(root)[0])) if _X_META(root) else None
        bodies = _X_BODY(root)
        if not bodies:
            raise ParseError(self.url, "missing_body", "no #main div.c-rte--default")
        body = copy_element(bodies[0])
        intro = _X_INTRO(root)
        if intro and text_of(intro[0]):  # the teaser opens the text
            body.insert(0, copy_element(intro[0]))
        page_tags = [link.get("title") or text_of(link) for link in _X_TAGS(root) if not in_related_block(link)]
        return PageStatement(
            source=SOURCE, site=SITE, site_id=facts[1], url=self.url.split("?")[0].split("#")[0], language=facts[0],
            title=title, type=doc_type(meta["type"] if meta else None, title),
            body_html=clean_body(self.url, body), published_raw=meta["date"] if meta else None,
            published_meta_raw=meta_published(root),
            tags=page_tags + list(tags or []),  # the normaliser drops repeats and empty tags
            translations=language_versions(root, self.url, facts[0], _read_url),
            fallback_published_raw=listing_date,
        )
