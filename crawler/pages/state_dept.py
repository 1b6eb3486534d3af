"""The US Department of State (www.state.gov, WordPress): its full-text RSS feeds and, where a
feed item lacks the text, the article page.

Article markup (shared/reference/ministries.md): title ``h1.featured-content__headline``, date
``p.article-meta__publish-date`` ("July 29, 2025": a day, no time), type ``.doctype-meta``,
speaker ``p.article-meta__author-bureau``, body ``div.entry-content``, tags
``div.related-tags__pills a``; the post id in ``<link rel="shortlink" href="…/?p=ID">``. The bot
wall answers 403, or 200, with a "Technical Difficulties" page.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from crawler.items import PageStatement
from crawler.pages import ArticlePage, ParseError, extractor_name
from crawler.pages.cleanup import (
    Chrome,
    copy_element,
    drop_empty_blocks,
    drop_link_blocks,
    drop_matching,
    inner_html,
    is_blank,
    parse_document,
    read_without_controls,
    text_of,
)
from crawler.pages.evidence import has_link_type, in_related_block, meta_published
from crawler.pages.feeds_rss import FeedEntry, RssItem, read_rss
from crawler.pages.markers import STATE_DEPT
from crawler.pages.segments import segments_for

SOURCE = "state_dept"
SITE = "state.gov"
#: The department's document types (the type line, or the feed's category) → shared types.
TYPES = {
    "press statement": "statement", "statement": "statement", "joint statement": "statement",
    "department press briefing": "briefing", "press briefing": "briefing", "special briefing": "briefing",
    "remarks": "speech", "remarks to the press": "speech", "speech": "speech", "testimony": "speech",
    "media note": "news", "readout": "news", "fact sheet": "news", "notice to the press": "news",
    "public schedule": "news", "interview": "interview", "taken question": "answer",
}
_ARTICLE_PATH = re.compile(r"^/(releases/[a-z0-9-]+/\d{4}/\d{2}/[a-z0-9-]+|briefings/[a-z0-9-]+)/?$")
_BOT_WALL = re.compile(r"Technical Difficulties", re.I)


def is_bot_wall(text: str) -> bool:
    """The decoy "Technical Difficulties" page (served with 403, or 200)."""
    return bool(_BOT_WALL.search(text[:20_000])) and "entry-content" not in text


def doc_type(label: str | None, title: str = "") -> str:
    """The shared type of a type line ("Press Statement"), else from the title."""
    if label and label.strip().lower() in TYPES:
        return TYPES[label.strip().lower()]
    lowered = title.lower()
    if "press briefing" in lowered:
        return "briefing"
    if lowered.startswith(("secretary", "deputy secretary")) and "remarks" in lowered:
        return "speech"
    return "statement"


def canonical_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}/"


def _post_id(guid: str | None) -> str | None:
    """The WordPress post id in a ``?p=ID`` link."""
    if not guid:
        return None
    values = parse_qs(urlsplit(guid).query).get("p")
    return values[0] if values and values[0].isdigit() else None


_FEED_PATH = re.compile(r"^/rss-feed/[a-z0-9-]+/feed/?$")


class StateFeed:
    """A full-text feed (``/rss-feed/press-releases/feed/``): statements straight from its items."""

    def __init__(self, url: str, data: bytes) -> None:
        self.url = url
        self.data = data

    @staticmethod
    def matches(url: str) -> bool:
        """True for the feeds' URLs."""
        return bool(_FEED_PATH.match(urlsplit(url).path))

    def entries(self) -> list[FeedEntry]:
        entries = []
        for item in read_rss(self.url, self.data):
            url = canonical_url(item.link)
            tags = [c for c in item.categories if c.lower() not in TYPES]
            label = next((c for c in item.categories if c.lower() in TYPES), None)
            statement = None
            post_id = _post_id(item.guid)
            if item.content and item.content.strip() and post_id:
                statement = read_without_controls(partial(_feed_statement, item, url, post_id, tags, label))
            entries.append(FeedEntry(url=url, title=item.title, date_raw=item.pub_date, tags=tags,
                                     statement=statement))
        return entries


def _feed_statement(item: RssItem, url: str, post_id: str, tags: list[str], label: str | None) -> PageStatement:
    """The statement a feed item carries whole."""
    statement = PageStatement(
        source=SOURCE, site=SITE, site_id=post_id, url=url, language="en", title=item.title,
        type=doc_type(label, item.title), body_html=clean_body_html(url, item.content),
        published_raw=item.pub_date, tags=tags, extractor=extractor_name(StateFeed))
    statement.segments = segments_for(statement, STATE_DEPT)
    return statement


def clean_body_html(url: str, html: str) -> str:
    """A body from the feed or the page, without end marks ("###"), share buttons or back-to-top links."""
    root = parse_document(url, f"<html><body><div>{html}</div></body></html>").find(".//body/div")
    if root is None:
        raise ParseError(url, "missing_body")
    drop_chrome(root, url)
    if is_blank(root):
        raise ParseError(url, "empty_body")
    return inner_html(root)


# Beside every site's chrome (cleanup.SHARED_CHROME, which covers "related-tags" and share tools).
_CHROME = Chrome("back-to-top")


_END_MARK = re.compile(r"^(#\s*){3}$")


def drop_chrome(root: etree._Element, url: str | None = None) -> None:
    """Share buttons, related tags and posts, back-to-top links, link lists, and the "###" /
    "# # #" end marks."""
    drop_matching(root, _CHROME)
    for block in list(root.iter("p", "div", "center")):
        if _END_MARK.match(text_of(block)):
            block.getparent().remove(block)
    drop_link_blocks(root, url)
    drop_empty_blocks(root)


#: the article's parts
_X_TITLE = etree.XPath("//h1[contains(@class, 'featured-content__headline')]")
_X_DATE = etree.XPath("//p[contains(@class, 'article-meta__publish-date')]")
_X_TYPE = etree.XPath("//*[contains(@class, 'doctype-meta')]")
_X_BODY = etree.XPath("//div[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]")
_X_TAGS = etree.XPath("//div[contains(@class, 'related-tags__pills')]//a")


class StateArticlePage(ArticlePage):
    """An article page, read where a feed item lacks the text."""

    @staticmethod
    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return bool(_ARTICLE_PATH.match(parts.path))

    def statement(self, tags: list[str] | None = None, listing_date: str | None = None) -> PageStatement:
        if is_bot_wall(self.text):
            raise ParseError(self.url, "challenge_page")
        root = parse_document(self.url, self.text)
        title = text_of(_X_TITLE(root)[0]) if _X_TITLE(root) else ""
        if not title:
            raise ParseError(self.url, "missing_title")
        shortlinks = [link.get("href") for link in root.iter("link") if has_link_type(link, "shortlink")]
        post_id = next((_post_id(href) for href in shortlinks if _post_id(href)), None)
        if post_id is None:
            raise ParseError(self.url, "missing_post_id", "no <link rel=shortlink href=…?p=ID>")
        bodies = _X_BODY(root)
        if not bodies:
            raise ParseError(self.url, "missing_body", "no div.entry-content")
        body = copy_element(bodies[0])
        drop_chrome(body, self.url)
        if is_blank(body):
            raise ParseError(self.url, "empty_body")
        label = text_of(_X_TYPE(root)[0]) if _X_TYPE(root) else None
        page_tags = [text_of(link) for link in _X_TAGS(root) if text_of(link) and not in_related_block(link)]
        date = text_of(_X_DATE(root)[0]) if _X_DATE(root) else None
        statement = PageStatement(
            source=SOURCE, site=SITE, site_id=post_id, url=canonical_url(self.url), language="en", title=title,
            type=doc_type(label, title), body_html=inner_html(body), published_raw=date or None,
            published_meta_raw=meta_published(root),
            tags=page_tags + list(tags or []),  # the normaliser drops repeats and empty tags
        )
        statement.segments = segments_for(statement, STATE_DEPT)
        return statement
