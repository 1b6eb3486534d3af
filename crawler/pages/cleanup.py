"""Chrome removal helpers shared by page objects: they edit a copied lxml body element in place."""

from __future__ import annotations

import copy
import re

from lxml import etree

from crawler.normalise.text import clean_inline
from crawler.pages import ParseError

_STRING = etree.XPath("string()")
# Short blocks only: a contents heading is a word or two, never a paragraph of text.
_HEADING_CANDIDATES = etree.XPath(
    "(.//h1 | .//h2 | .//h3 | .//h4 | .//p | .//div)[string-length(normalize-space()) < 40]"
)

# Wrappers that are chrome when they hold no text (cells and list items keep table shapes).
_DROP_WHEN_EMPTY = {"p", "div", "span", "a", "strong", "b", "em", "i", "font", "h2", "h3", "h4",
                    "h5", "h6", "section", "blockquote"}


_HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)


def parse_document(url: str, text: str) -> etree._Element:
    """The page's element tree; a page lxml cannot read is a ParseError naming the URL."""
    try:
        root = etree.fromstring(text, _HTML_PARSER)
    except (etree.ParserError, ValueError) as error:
        raise ParseError(url, "unparsable_html", str(error)) from None
    if root is None:
        raise ParseError(url, "empty_page")
    return root


#: The page's own record of its publication time, in its head: China's ``PubDate``, Open Graph's
#: ``article:published_time``, schema.org's ``datePublished``, Dublin Core's issued date.
_X_META_PUBLISHED = etree.XPath(
    "/html/head/meta[@name='PubDate' or @name='pubdate' or @property='article:published_time'"
    " or @itemprop='datePublished' or @name='DC.date.issued' or @name='dcterms.issued']/@content")


def meta_published(root: etree._Element) -> str | None:
    """The publication date the page's head gives, as written; None when it gives none."""
    for value in _X_META_PUBLISHED(root):
        value = clean_inline(value)
        if value:
            return value
    return None


def copy_element(element: etree._Element) -> etree._Element:
    """A detached deep copy, so cleaning never touches the parsed page."""
    return copy.deepcopy(element)


def text_of(element: etree._Element) -> str:
    """The element's text content, white space normalised."""
    return clean_inline(_STRING(element))


def is_blank(element: etree._Element) -> bool:
    """True when the element holds no visible text."""
    return not _STRING(element).strip()


def drop(element: etree._Element) -> None:
    """Remove an element but keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def drop_matching(root: etree._Element, xpath: str | etree.XPath) -> int:
    """Remove every element the XPath finds below ``root``; returns how many."""
    found = xpath(root) if isinstance(xpath, etree.XPath) else root.xpath(xpath)
    for element in found:
        drop(element)
    return len(found)


def drop_in_page_links(root: etree._Element, texts: re.Pattern[str]) -> None:
    """Remove links into the page (``href="#…"``) whose text matches, with a block left empty."""
    for link in root.xpath(".//a[starts-with(normalize-space(@href), '#')]"):
        if texts.fullmatch(text_of(link)):
            parent = link.getparent()
            drop(link)
            if parent is not None and parent is not root and is_blank(parent) \
                    and not parent.xpath(".//img|.//table"):
                drop(parent)


def drop_table_of_contents(root: etree._Element, headings: re.Pattern[str]) -> bool:
    """Remove a contents heading and the run of anchor-link lists and paragraphs after it."""
    for heading in _HEADING_CANDIDATES(root):
        if not headings.fullmatch(text_of(heading).rstrip(":")):
            continue
        following = heading.getnext()
        drop(heading)
        while following is not None and _is_anchor_block(following):
            after = following.getnext()
            drop(following)
            following = after
        return True
    return False


def _is_anchor_block(element: etree._Element) -> bool:
    """A block whose text is all links into the page (a contents list or one of its lines)."""
    if not isinstance(element.tag, str):
        return False
    links = element.xpath(".//a")
    if not links:
        return is_blank(element)  # an empty spacer between contents and text
    if any(not (link.get("href") or "").strip().startswith("#") for link in links):
        return False
    linked = "".join(text_of(link) for link in links)
    return len(linked.replace(" ", "")) >= len(text_of(element).replace(" ", "")) * 0.8


_EMPTY_BLOCKS = etree.XPath(
    ".//*[" + " or ".join(f"self::{tag}" for tag in sorted(_DROP_WHEN_EMPTY)) + "]"
    "[not(normalize-space(translate(., '\u00a0\u200b', '  ')))][not(.//img or .//table)]"
)
_IN_PAGE_LINK = etree.XPath("boolean(.//a[starts-with(normalize-space(@href), '#')])")


def has_in_page_links(root: etree._Element) -> bool:
    """True when the body links into itself (contents lists and back links need that)."""
    return bool(_IN_PAGE_LINK(root))


def drop_empty_blocks(root: etree._Element) -> None:
    """Remove paragraphs and wrappers left with no text and no image or table."""
    for element in reversed(_EMPTY_BLOCKS(root)):
        if is_blank(element):  # XPath's notion of space is ASCII only: check once more
            drop(element)


def inner_html(root: etree._Element) -> str:
    """The HTML inside an element."""
    parts = [root.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return "".join(parts).strip()
