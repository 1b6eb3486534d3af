"""Chrome removal helpers shared by page objects: they edit a copied lxml body element in place."""

from __future__ import annotations

import copy
import re

from lxml import etree
from lxml import html as lxml_html

from crawler.normalise.text import clean_inline

# Wrappers that are chrome when they hold no text (cells and list items keep table shapes).
_DROP_WHEN_EMPTY = {"p", "div", "span", "a", "strong", "b", "em", "i", "font", "h2", "h3", "h4",
                    "h5", "h6", "section", "blockquote"}


def copy_element(element: etree._Element) -> lxml_html.HtmlElement:
    """A detached deep copy, so cleaning never touches the parsed page."""
    return copy.deepcopy(element)


def text_of(element: etree._Element) -> str:
    """The element's text content, white space normalised."""
    return clean_inline("".join(element.itertext()))


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


def drop_matching(root: etree._Element, xpath: str) -> int:
    """Remove every element the XPath finds below ``root``; returns how many."""
    found = root.xpath(xpath)
    for element in found:
        drop(element)
    return len(found)


def drop_in_page_links(root: etree._Element, texts: re.Pattern[str]) -> None:
    """Remove links into the page (``href="#…"``) whose text matches, with a block left empty."""
    for link in root.xpath(".//a[starts-with(normalize-space(@href), '#')]"):
        if texts.fullmatch(text_of(link)):
            parent = link.getparent()
            drop(link)
            if parent is not None and parent is not root and not text_of(parent) \
                    and not parent.xpath(".//img|.//table"):
                drop(parent)


def drop_table_of_contents(root: etree._Element, headings: re.Pattern[str]) -> bool:
    """Remove a contents heading and the run of anchor-link lists and paragraphs after it."""
    for heading in root.xpath(".//h1|.//h2|.//h3|.//h4|.//p|.//div"):
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
        return not text_of(element)  # an empty spacer between contents and text
    if any(not (link.get("href") or "").strip().startswith("#") for link in links):
        return False
    linked = "".join(text_of(link) for link in links)
    return len(linked.replace(" ", "")) >= len(text_of(element).replace(" ", "")) * 0.8


def drop_empty_blocks(root: etree._Element) -> None:
    """Remove paragraphs and wrappers left with no text and no image or table."""
    for element in reversed(list(root.iter())):
        if element is root or element.tag not in _DROP_WHEN_EMPTY:
            continue
        if not text_of(element) and not element.xpath(".//img|.//table"):
            drop(element)


def unwrap(element: etree._Element) -> None:
    """Replace an element by its children and text (for wrapper spans such as Word exports)."""
    element.drop_tag()


def inner_html(root: etree._Element) -> str:
    """The HTML inside an element."""
    parts = [root.text or ""]
    parts.extend(lxml_html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts).strip()
