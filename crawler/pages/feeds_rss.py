"""RSS 2.0 feeds read into entries: shared by the ministries whose feeds carry the full text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from crawler.pages import ParseError

if TYPE_CHECKING:
    from crawler.items import PageStatement

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
#: A character reference to a surrogate (``&#xD83D;``, ``&#55357;``): no character in XML 1.0
#: (§4.1, "Legal character"), and libxml2's recovery keeps it as bytes no string can be read from.
_SURROGATE_REFERENCE = re.compile(rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}"  # D800-DFFF
                                  rb"|0*(?:5529[6-9]|55[3-9]\d\d|56\d{3}|57[0-2]\d\d|573[0-3]\d|5734[0-3]));")


@dataclass
class RssItem:
    """One item of an RSS 2.0 feed, as printed."""

    title: str
    link: str
    guid: str | None
    pub_date: str | None
    categories: list[str]
    description: str | None
    content: str | None
    creator: str | None


@dataclass
class FeedEntry:
    """A feed item for the spider: the statement when the feed carries its text, else its URL."""

    url: str
    title: str
    date_raw: str | None
    tags: list[str] = field(default_factory=list)
    statement: PageStatement | None = None


#: The C0 controls XML 1.0 cannot carry (§2.2), as bytes: in an ASCII-compatible encoding each is
#: one byte, never part of another character's.
_C0_BYTES = bytes(byte for byte in range(0x20) if byte not in b"\t\n\r")


#: How an RSS document ends: its root's end tag, then white space and comments (XML 1.0 §2.8, Misc).
_RSS_END = re.compile(rb"</rss\s*>\s*(?:<!--.*?-->\s*)*\Z", re.S)


def _wide(data: bytes) -> bool:
    """Whether the document is in UTF-16 or UTF-32 (its first bytes hold a byte order mark or a
    NUL), where the byte tests of this module do not apply."""
    return data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]


def _without_illegal_characters(data: bytes) -> bytes:
    """The document without the characters XML cannot carry, which libxml2's recovery reads as
    the end of a text and of what follows it (a vertical tab in an item's content lost the rest of
    it and every later item): C0 controls and UTF-8's U+FFFE and U+FFFF, removed, as they are from
    any text read. A document in UTF-16 or UTF-32 (its first bytes hold a NUL or a byte order
    mark) is left as it is."""
    if _wide(data):
        return data
    return data.translate(None, _C0_BYTES).replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")


def read_rss(url: str, data: bytes) -> list[RssItem]:
    """The items of an RSS 2.0 document; a document that is not RSS is a ParseError (layout drift),
    and so is one cut short (``truncated_feed``: no ``</rss>`` at its end), which libxml2's
    recovery would read as fewer items: a statement the feed no longer seemed to list would be
    re-checked, and removed on its page's 404."""
    try:
        # a reference to a lone surrogate is read as U+FFFD, like HTML's (WHATWG HTML §13.2.5.80)
        data = _SURROGATE_REFERENCE.sub(b"&#xFFFD;", _without_illegal_characters(data))
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise ParseError(url, "not_xml", str(error)) from None
    if root is None or root.tag != "rss" or root.find("channel") is None:
        raise ParseError(url, "listing_layout", "not an RSS 2.0 document")
    if not _wide(data) and _RSS_END.search(data, max(0, len(data) - 4096)) is None:
        raise ParseError(url, "truncated_feed", "no </rss> at its end: cut short")
    items = []
    for item in root.find("channel").iterfind("item"):
        link = (item.findtext("link") or "").strip()
        if not link:
            continue
        items.append(RssItem(
            title=(item.findtext("title") or "").strip(),
            link=link,
            guid=(item.findtext("guid") or "").strip() or None,
            pub_date=(item.findtext("pubDate") or "").strip() or None,
            categories=[(c.text or "").strip() for c in item.iterfind("category") if (c.text or "").strip()],
            description=item.findtext("description"),
            content=item.findtext(CONTENT),
            creator=(item.findtext(DC_CREATOR) or "").strip() or None,
        ))
    return items
