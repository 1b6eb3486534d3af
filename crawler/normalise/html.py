"""Body HTML: sanitised for publishing, with absolute links, and rendered to plain text."""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin

import nh3
from lxml import etree

from crawler.normalise.text import clean_inline, clean_paragraph, join_paragraphs, xml_safe

#: Tags a published body may keep; everything else is unwrapped (script and style: dropped whole).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol",
    "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start", "type"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Elements that start a new paragraph in the plain-text rendering.
_BLOCKS = {
    "address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
}
_SKIP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "form",
         "button", "input", "select", "textarea"}
# Blocks whose text can be taken whole when nothing structural is inside them.
_FLAT_CANDIDATES = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "dt", "figcaption"}
_STRUCTURE = _BLOCKS | _SKIP | {"br"}
_STRING = etree.XPath("string()")


_FRAGMENT_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_BODY = etree.XPath("/html/body")


def fragment_root(body_html: str) -> etree._Element:
    """Parse an HTML fragment; the returned ``body`` element wraps it."""
    document = etree.fromstring(f"<html><body>{xml_safe(body_html)}</body></html>", _FRAGMENT_PARSER)
    return _BODY(document)[0]


#: Relative references whose resolution by :func:`urllib.parse.urljoin` is, character for
#: character, the WHATWG URL Standard's (what nh3's ``rewrite_with_base`` gives): printable ASCII
#: that neither standard escapes or rewrites (no white space, quotes, backslash, brackets, braces,
#: ``^``, ``|``, nor ``;``, which urljoin reads as path parameters), not scheme-relative
#: (``//host``) nor with an empty path segment (``a//b``, which urljoin drops), no colon before
#: the first ``/ ? #``, no encoded dot (``%2e``, a dot segment to WHATWG only), no empty query or
#: fragment (urljoin drops a bare ``?`` or ``#``).
_PLAIN_REFERENCE = re.compile(r"(?![^?#]*//)(?![^/?#]*:)(?!.*%2[eE])(?!.*\?(?:#|$))(?!.*#$)"
                              r"[A-Za-z0-9\-._~!$&()*+,=:@/?#%]*")
#: Base URLs for which the same holds: http(s), a lower-case host without port, a path (at least
#: ``/``) without empty segments or segments that start with a dot (or an encoded one), no query
#: or fragment.
_SEGMENT = r"[A-Za-z0-9\-_~!$&()*+,=:@%][A-Za-z0-9\-._~!$&()*+,=:@%]*"
_PLAIN_BASE = re.compile(rf"https?://[a-z0-9.-]+/(?!.*%2[eE])(?:{_SEGMENT}/)*(?:{_SEGMENT})?")


class _Resolving(threading.local):
    """The base URL of the :func:`sanitise` call under way in this thread, and whether a relative
    reference came up that only the URL Standard's own resolution gives exactly."""

    base: str = ""
    exact: bool = True


_resolving = _Resolving()


def _resolve(reference: str) -> str | None:
    """nh3's hook for a relative reference: absolute against the call's base. A reference whose
    resolution urljoin might spell differently is flagged, and the call is done again with nh3's
    own resolution."""
    if _PLAIN_REFERENCE.fullmatch(reference):
        return urljoin(_resolving.base, reference)
    _resolving.exact = False
    return None


def _cleaner(url_relative: object) -> nh3.Cleaner:
    return nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                       url_relative=url_relative, strip_comments=True, link_rel="noopener noreferrer")


# Built once: nh3.clean() converts its whole configuration on every call, which costs more than
# cleaning a body (bench/extract.py).
_CLEANER = _cleaner(_resolve)


def sanitise(body_html: str, base_url: str) -> str:
    """Publishable HTML (nh3, the ammonia sanitiser): allowed tags and attributes only, links made
    absolute against the page's URL (as the WHATWG URL Standard resolves them) and limited to
    http(s) and mailto, no comments."""
    html = xml_safe(body_html)
    if _PLAIN_BASE.fullmatch(base_url):
        _resolving.base, _resolving.exact = base_url, True
        cleaned = _CLEANER.clean(html)
        if _resolving.exact:
            return xml_safe(cleaned).strip()
    cleaned = _cleaner(("rewrite_with_base", base_url)).clean(html)
    return xml_safe(cleaned).strip()


def _cell_text(cell: etree._Element) -> str:
    """A table cell on one line: its paragraphs joined by spaces (cells are joined by tabs)."""
    return clean_inline(" ".join(_paragraphs(cell)))


def _paragraphs(root: etree._Element) -> list[str]:
    """The element's text as paragraphs, block elements starting new ones."""
    paragraphs: list[str] = []
    current: list[str] = []
    last_break = -1  # index in ``current`` of the newline the last ``br`` wrote, -1: none since

    def flush() -> None:
        nonlocal last_break
        text = clean_paragraph("".join(current))
        if text:
            paragraphs.append(text)
        current.clear()
        last_break = -1

    def line_break() -> None:
        """One ``br`` breaks the line; a second with nothing visible between ends the paragraph
        (editors separate paragraphs with ``<br><br>``)."""
        nonlocal last_break
        if last_break >= 0 and not "".join(current[last_break + 1:]).strip():
            flush()
            return
        current.append("\n")
        last_break = len(current) - 1

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or not tag:
            return
        if tag in _FLAT_CANDIDATES and not any(
                isinstance(sub.tag, str) and sub.tag in _STRUCTURE for sub in element.iterdescendants()):
            # The common case, a paragraph of inline text: its string value in one C call.
            flush()
            current.append(_as_spaces(_STRING(element)))
            flush()
            return
        if tag == "br":
            line_break()
            return
        if tag == "tr":
            flush()
            cells = [_cell_text(cell) for cell in element if cell.tag in ("td", "th")]
            paragraphs.append("\t".join(c for c in cells if c))
            if not paragraphs[-1]:
                paragraphs.pop()
            return
        block = tag in _BLOCKS
        if block:
            flush()
        if tag == "li":
            number = _list_number(element)
            if number is not None:
                current.append(f"{number}. ")
        if element.text:
            current.append(_as_spaces(element.text))
        for child in element:
            walk(child)
            if child.tail:
                current.append(_as_spaces(child.tail))
        if block:
            flush()

    if root.text:
        current.append(_as_spaces(root.text))
    for child in root:
        walk(child)
        if child.tail:
            current.append(_as_spaces(child.tail))
    flush()
    return paragraphs


def _as_spaces(text: str) -> str:
    """Line breaks and tabs in the HTML source are white space; only ``br`` breaks a line."""
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def _list_number(item: etree._Element) -> int | None:
    """The number an ordered list shows before this item (honouring ``start``)."""
    parent = item.getparent()
    if parent is None or parent.tag != "ol":
        return None
    try:
        start = int(parent.get("start", "1"))
    except ValueError:
        start = 1
    position = [child for child in parent if child.tag == "li"].index(item)
    return start + position


def html_to_text(body_html: str) -> str:
    """Plain text: paragraphs separated by a blank line, table rows one line each (cells
    separated by tabs, an ordered list's number kept)."""
    return join_paragraphs(_paragraphs(fragment_root(body_html)))
