"""Body HTML: sanitised for publishing, with absolute links, and rendered to plain text."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import partial
from itertools import pairwise, repeat
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import nh3
from lxml import etree

from crawler.normalise.text import clean_inline, clean_paragraph, join_paragraphs, xml_safe

if TYPE_CHECKING:
    from collections.abc import Iterable

#: Tags a published body may keep; everything else is unwrapped (script and style: dropped whole).
#: Every block of the text rendering is kept (without attributes), so that what separates two
#: blocks in the page separates them in the published HTML and in its text: unwrapping
#: ``<div>One.</div><div>Two.</div>`` would run them together as "One.Two.".
ALLOWED_TAGS = {
    "a", "abbr", "address", "article", "aside", "b", "blockquote", "br", "caption", "cite", "code",
    "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "i", "img", "li", "main", "nav", "ol", "p", "pre", "q", "s",
    "section", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
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
#: An element's string value (XPath's ``string()``: its descendants' text, without its tail), as
#: libxml2 gives an element's content: the same text, at a third of the cost of an XPath call.
string_value = partial(etree.tostring, method="text", encoding="unicode", with_tail=False)
_STRING = string_value


_FRAGMENT_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, encoding="utf-8")
_BODY = etree.XPath("/html/body")


def fragment_root(body_html: str) -> etree._Element:
    """Parse an HTML fragment; the returned ``body`` element wraps it."""
    document = etree.fromstring(f"<html><body>{xml_safe(body_html)}</body></html>".encode(), _FRAGMENT_PARSER)
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


#: Blocks that only group other blocks when they hold no text of their own: such a wrapper adds
#: no boundary its content does not make, and is unwrapped (so a page's layout divs, which never
#: ran text together, leave its published HTML, and its archived versions, as they were).
_CONTAINERS = ("address", "article", "aside", "div", "footer", "header", "main", "nav", "section")
#: Where a container's start tag may begin (tag names are ASCII in either case, as the HTML parsers
#: read them: ``re.A``, so that no other letter folds into one).
_CONTAINER_START = re.compile("<(?:" + "|".join(_CONTAINERS) + ")", re.I | re.A)


def _may_hold_container(html: str) -> bool:
    """False when no container's start tag can be in ``html``: one pattern search spares the parse."""
    return _CONTAINER_START.search(html) is not None


def _is_wrapper(element: etree._Element) -> bool:
    """True for a container with no text of its own: blocks inside (one at least: an empty one
    still separates the text around it), white space around them."""
    if not len(element) or (element.text and element.text.strip()):
        return False
    return all(child.tag in _BLOCKS and not (child.tail and child.tail.strip()) for child in element)


def _unwrap_wrappers(html: str) -> str:
    """The fragment with every wrapper container (:func:`_is_wrapper`) replaced by its content."""
    if not _may_hold_container(html):
        return html
    root = fragment_root(html)
    wrappers = [element for element in root.iter(*_CONTAINERS) if _is_wrapper(element)]
    if not wrappers:
        return html
    for element in reversed(wrappers):  # innermost first
        _unwrap(element)
    return (root.text or "") + "".join(etree.tostring(child, method="html", encoding="unicode") for child in root)


def _unwrap(element: etree._Element) -> None:
    """Replace the element by its text and children, its tail kept after them."""
    parent = element.getparent()
    previous = element.getprevious()
    index = parent.index(element)
    text, tail, children = element.text or "", element.tail or "", list(element)
    if previous is None:
        parent.text = (parent.text or "") + text
    else:
        previous.tail = (previous.tail or "") + text
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    elif index > 0:
        parent[index - 1].tail = (parent[index - 1].tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def sanitise(body_html: str, base_url: str) -> str:
    """Publishable HTML (nh3, the ammonia sanitiser): allowed tags and attributes only, links made
    absolute against the page's URL (as the WHATWG URL Standard resolves them) and limited to
    http(s) and mailto, no comments, containers that only wrap blocks unwrapped."""
    html = _unwrap_wrappers(xml_safe(body_html))
    # The input is XML-safe now; what the parsers decode from a character reference ("&#1;",
    # "&#x81;") is all that can make the output not so (named references are never controls).
    finish = xml_safe if "&#" in body_html else _unchanged
    if _PLAIN_BASE.fullmatch(base_url):
        _resolving.base, _resolving.exact = base_url, True
        cleaned = _CLEANER.clean(html)
        if _resolving.exact:
            return finish(cleaned).strip()
    cleaned = _cleaner(("rewrite_with_base", base_url)).clean(html)
    return finish(cleaned).strip()


def _unchanged(text: str) -> str:
    return text


@dataclass(frozen=True)
class _Rules:
    """Which tags the text rendering treats how."""

    blocks: frozenset[str]
    """Tags that start and end a paragraph."""
    skip: frozenset[str]
    """Tags whose content is not text."""
    flat: frozenset[str]
    """Blocks whose text is taken whole when none of ``structure`` is inside them."""
    structure: frozenset[str]
    """Tags that make a flat block's text more than its string value (a set test per descendant:
    cheaper than lxml matching many tag names)."""


#: HTML as written.
_AS_WRITTEN = _Rules(frozenset(_BLOCKS), frozenset(_SKIP), frozenset(_FLAT_CANDIDATES), frozenset(_STRUCTURE))
#: HTML as :func:`sanitise` will leave it: tags it does not allow are unwrapped, so they neither
#: start paragraphs nor hide text (what it drops whole, scripts and styles, never reaches
#: :func:`sanitised_text`).
_AS_SANITISED = _Rules(frozenset(_BLOCKS & ALLOWED_TAGS), frozenset(), frozenset(_FLAT_CANDIDATES & ALLOWED_TAGS),
                       frozenset((_BLOCKS & ALLOWED_TAGS) | {"br"}))


def _paragraphs(root: etree._Element | None, rules: _Rules, nodes: Iterable[etree._Element | None] | None = None,
                marks: list[int] | None = None) -> list[str]:
    """The element's text as paragraphs, block elements starting new ones (``nodes``: these
    elements, without their tails, instead of the element's content; a None among them ends a
    paragraph, and the number of paragraphs so far is appended to ``marks``)."""
    paragraphs: list[str] = []
    current: list[str] = []
    last_break = -1  # index in ``current`` of the newline the last ``br`` wrote, -1: none since
    preformatted = False  # inside a ``pre``: the source's line breaks are the text's
    blocks, skip = rules.blocks, rules.skip

    def flush() -> None:
        nonlocal last_break
        if current:
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

    def walk(element: etree._Element, numbered: bool) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in skip:
            return
        text = _flat_text(element, rules)
        if text is not None:
            if current:  # (an empty one has nothing to end: a call saved per block)
                flush()
            if text:
                paragraphs.append(text)
            return
        if tag == "br":
            line_break()
            return
        if tag == "tr":
            # A row on one line: each cell's paragraphs joined by spaces, cells by tabs.
            if current:
                flush()
            cells = []
            for cell in element:
                if cell.tag in ("td", "th"):
                    start = len(paragraphs)
                    content(cell)
                    flush()
                    text = clean_inline(" ".join(paragraphs[start:]))
                    del paragraphs[start:]
                    if text:
                        cells.append(text)
            if cells:
                paragraphs.append("\t".join(cells))
            return
        block = tag in blocks
        if block and current:
            flush()
        if tag == "li" and numbered:
            number = _list_number(element)
            if number is not None:
                current.append(f"{number}. ")
        nonlocal preformatted
        outer = preformatted
        preformatted = outer or tag == "pre"
        if element.text:
            source_text(element.text)
        for child in element:
            walk(child, True)
            if child.tail:
                source_text(child.tail)
        preformatted = outer
        if block and current:
            flush()

    def source_text(value: str) -> None:
        """Text of the HTML source: its line breaks are white space, except in ``pre``, where each
        is a line break (two with nothing visible between end the paragraph, as ``<br><br>``).
        White space before anything visible is dropped (the paragraph would strip it; the markup's
        indentation between blocks is most text nodes)."""
        if not current and value.isspace():
            return
        if not preformatted or ("\n" not in value and "\r" not in value):
            current.append(_as_spaces(value))
            return
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        current.append(lines[0].replace("\t", " "))
        for line in lines[1:]:
            line_break()
            current.append(line.replace("\t", " "))

    def content(element: etree._Element) -> None:
        """An element's text and children, as a paragraph of their own would have them."""
        if element.text:
            source_text(element.text)
        for child in element:
            walk(child, False)
            if child.tail:
                source_text(child.tail)

    if nodes is None:
        content(root)
    else:
        for node in nodes:
            if node is None:
                flush()
                marks.append(len(paragraphs))
            else:
                walk(node, False)
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
    """Plain text: each block (``p``, ``div``, ``section``, ``li``, ``h1``-``h6``, …) a paragraph,
    paragraphs separated by a blank line, ``br`` and the line breaks of ``pre`` kept as line
    breaks (a blank line in ``pre`` or ``<br><br>`` ends a paragraph), table rows one line each
    (cells separated by tabs, an ordered list's number kept)."""
    return join_paragraphs(_paragraphs(fragment_root(body_html), _AS_WRITTEN))


# --- the text of a tree as the sanitiser will leave it, without serialising and parsing again ---
# nh3 parses the HTML it cleans as a browser does (the HTML Standard's tree construction, in a
# <div>), and html_to_text parses nh3's HTML with lxml (libxml2), whose parser built the tree we
# have. On most markup all three agree, and what sanitising changes for the text is only which tags
# are unwrapped (``_AS_SANITISED``). Where one of the parsers would rebuild the markup (close a
# paragraph at a block inside it, move text out of a table, read a tag's content as raw text), the
# trees differ and only rendering the sanitised HTML is exact: :func:`sanitised_text` then gives
# None. tests/test_text_html.py checks the two renderings against each other on generated markup.

#: Tags the HTML Standard's parser treats specially in a <div>: raw text or RCDATA content
#: (script, style, textarea, iframe, noscript with scripting on, …), tags it ignores or moves
#: (html, body, head and metadata, frames), forms and their controls, foreign content (svg,
#: math), scope markers (applet, marquee, object), ruby parts, ``nobr``, ``image`` and ``listing``.
_REPARSED_TAGS = frozenset({
    "html", "head", "body", "frameset", "frame", "base", "basefont", "bgsound", "link", "meta",
    "title", "script", "style", "template", "noscript", "noframes", "noembed", "iframe", "xmp",
    "plaintext", "textarea", "listing", "form", "button", "input", "keygen", "select", "option",
    "optgroup", "datalist", "math", "svg", "applet", "marquee", "object", "nobr", "image", "rb",
    "rp", "rt", "rtc"})
#: Start tags that close an open paragraph (HTML Standard, "in body" insertion mode).
_CLOSE_P = frozenset({
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li",
    "dd", "dt", "listing", "main", "menu", "nav", "ol", "p", "plaintext", "pre", "search", "section", "summary",
    "table", "ul", "xmp"})
#: Table parts and the parents that parser keeps them in; elsewhere it drops or moves them.
_TABLE_PARENTS = {"tr": frozenset({"table", "tbody", "thead", "tfoot"}), "td": frozenset({"tr"}),
                  "th": frozenset({"tr"}), "tbody": frozenset({"table"}), "thead": frozenset({"table"}),
                  "tfoot": frozenset({"table"}), "caption": frozenset({"table"}), "colgroup": frozenset({"table"}),
                  "col": frozenset({"colgroup", "table"})}
#: What a table's structural elements may hold (anything else, text included, is moved out).
_TABLE_CONTENT = {"table": frozenset({"caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr"}),
                  "tr": frozenset({"td", "th"}), "colgroup": frozenset({"col"})}
for _rows in ("tbody", "thead", "tfoot"):
    _TABLE_CONTENT[_rows] = _TABLE_CONTENT["table"]
#: Elements whose end tag lxml (libxml2) leaves out when they are empty (``<li></li>a`` is written
#: ``<li>a``, which puts what follows in the item), with the tags that close them when they follow.
_OPTIONAL_END = {"p": _CLOSE_P, "li": frozenset({"li"}), "dd": frozenset({"dd", "dt"}), "dt": frozenset({"dd", "dt"}),
                 "td": frozenset({"td", "th", "tr"}), "th": frozenset({"td", "th", "tr"}),
                 "tr": frozenset({"tr", "tbody", "thead", "tfoot"}), "tbody": frozenset({"tbody", "thead", "tfoot"}),
                 "thead": frozenset({"tbody", "thead", "tfoot"}), "tfoot": frozenset({"tbody", "thead", "tfoot"}),
                 "colgroup": frozenset({"colgroup", "thead", "tbody", "tfoot", "tr"})}
#: Elements whose end tag closes an empty element left open inside them ("generate implied end
#: tags"); the end tag of any other (``</span>``, ``</b>``) is ignored while a paragraph is open.
_CLOSES_OPEN = _CLOSE_P | frozenset({"td", "th", "tr", "tbody", "thead", "tfoot", "caption"})
#: Once nh3 has unwrapped the tags it does not allow, lxml's parser (libxml2's ``htmlStartClose``)
#: closes an element when certain blocks start right inside it: a heading, ``pre`` or paragraph
#: at any block, a ``dt`` at a ``dl``, ``dd`` or ``dt``; a ``dl`` or an item at an item; ``ul``
#: and ``ol`` at each other; a link at a table. Block → the parents it closes.
_CLOSED_BY_ANY = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "caption"})
_CLOSED_BY = {"table": frozenset({"a"}), "dl": frozenset({"dt"}), "dd": frozenset({"dd", "dt"}),
              "dt": frozenset({"dd", "dt"}), "li": frozenset({"dl", "li"}), "ul": frozenset({"ol"}),
              "ol": frozenset({"ul"})}
_UNWRAPPED_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "hr", "pre", "blockquote", "dl", "dt",
                               "dd", "ul", "ol", "table"})
#: The HTML Standard's "special" elements other than address, div and p: a list item, ``dd`` or
#: ``dt`` closes an open one of its kind above it unless one of these stands between.
_ITEM_SCOPE = frozenset({
    "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote", "body", "br", "button",
    "caption", "center", "col", "colgroup", "dd", "details", "dir", "dl", "dt", "embed", "fieldset", "figcaption",
    "figure", "footer", "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup",
    "hr", "html", "iframe", "img", "input", "keygen", "li", "link", "listing", "main", "marquee", "menu", "meta",
    "nav", "noembed", "noframes", "noscript", "object", "ol", "param", "plaintext", "pre", "script", "search",
    "section", "select", "source", "style", "summary", "table", "tbody", "td", "template", "textarea", "tfoot",
    "th", "thead", "title", "tr", "track", "ul", "wbr", "xmp"})
_ITEMS = {"li": frozenset({"li"}), "dd": frozenset({"dd", "dt"}), "dt": frozenset({"dd", "dt"})}
#: Every tag one of the rules below looks at (any other is inline markup; ``a`` for links in links).
_NOTABLE = (_REPARSED_TAGS | _CLOSE_P | frozenset(_TABLE_PARENTS) | frozenset(_TABLE_CONTENT) | frozenset(_OPTIONAL_END)
            | frozenset({"a", "hr", "li", "dd", "dt", "ul", "ol", "dl", "pre", "blockquote", "table"}))
#: The tags :func:`_rebuilt_here` can judge rebuilt at the top of a fragment (no parent, nothing
#: kept or open above) when the element is not empty: a paragraph or a list there is judged by
#: what is below it only (a set test spares a call per top-level block).
_TOP_NOTABLE = _REPARSED_TAGS | frozenset(_TABLE_PARENTS) | frozenset(_TABLE_CONTENT)
#: White space to XML (and so to XPath's normalize-space()): a form feed or a no-break space in a
#: table is text, and is moved out of it.
_XML_SPACE = " \t\n\r"


def _rebuilt_here(element: etree._Element, parent: str | None, kept: str | None, scope: str | None, in_p: bool,
                  in_a: bool) -> bool:
    """:func:`_rebuilt`'s rules for the element itself."""
    tag = element.tag
    if not isinstance(tag, str) or tag in _REPARSED_TAGS or (in_p and tag in _CLOSE_P) or (in_a and tag == "a") \
            or scope in _ITEMS.get(tag, ()):
        return True
    if (tag in _TABLE_PARENTS and parent not in _TABLE_PARENTS[tag]) \
            or (parent in _TABLE_CONTENT and tag not in _TABLE_CONTENT[parent]):
        return True
    if tag in _UNWRAPPED_BLOCKS and kept is not None and (kept in _CLOSED_BY_ANY or kept in _CLOSED_BY.get(tag, ())):
        return True
    if tag == "li" and kept == "ol" and parent != "ol":
        return True  # a wrapper between list and item: unwrapped, the item's number changes
    if tag in _OPTIONAL_END and not len(element) and not element.text:
        if element.tail and element.tail.strip():
            return True
        following = element.getnext()
        if following is None:  # closed by the end of the fragment, or by its parent's end tag?
            return parent is not None and parent not in _CLOSES_OPEN
        return following.tag not in _OPTIONAL_END[tag]
    # (text after a table part's children is judged with the children, in _rebuilt's one pass over them)
    return tag in _TABLE_CONTENT and bool(element.text and element.text.strip(_XML_SPACE))


def _rebuilt(element: etree._Element, parent: str | None, kept: str | None, scope: str | None, in_p: bool,
             in_a: bool) -> bool:
    """True when the markup at and below ``element`` is one the parsers would rebuild. ``parent``:
    the tag of its parent in the fragment (None at its top); ``kept``: of its nearest ancestor the
    sanitiser keeps; ``scope``: of its nearest :data:`_ITEM_SCOPE` ancestor; ``in_p``, ``in_a``:
    inside a paragraph, a link."""
    tag = element.tag
    # inline markup (the common case) is judged by what is below it only
    if (tag in _NOTABLE or parent in _TABLE_CONTENT) and _rebuilt_here(element, parent, kept, scope, in_p, in_a):
        return True
    if not len(element):
        return False
    if tag in ALLOWED_TAGS and not (tag in _CONTAINERS and _is_wrapper(element)):
        kept = tag
    if tag in _ITEM_SCOPE:
        scope = tag
    in_p, in_a = in_p or tag == "p", in_a or tag == "a"
    if tag in _TABLE_CONTENT:
        if tag == "tr":
            return _rebuilt_row(element, in_p, in_a)
        for child in element:  # (each child judged, its tail too: text there is moved out)
            if (child.tail and child.tail.strip(_XML_SPACE)) or _rebuilt(child, tag, kept, scope, in_p, in_a):
                return True
        return False
    for child in element:
        # (a child with nothing below it is only judged when it is notable: the test here spares a
        # call per leaf of inline markup)
        if (len(child) or child.tag in _NOTABLE) and _rebuilt(child, tag, kept, scope, in_p, in_a):
            return True
    return False


def _rebuilt_row(row: etree._Element, in_p: bool, in_a: bool) -> bool:
    """:func:`_rebuilt` for what is below a table row (``tr``, as ``row``'s own place was judged),
    a cell with content judged in line: in a row, a cell with content is not rebuilt itself (no
    rule of :func:`_rebuilt_here` holds for it), and only what is below it is judged (a call per
    cell spared)."""
    for cell in row:
        tag = cell.tag
        if cell.tail and cell.tail.strip(_XML_SPACE):
            return True
        if tag not in ("td", "th"):
            return True  # (in a row, anything else is moved out: a comment too)
        if not len(cell):
            if _rebuilt_here(cell, "tr", "tr", "tr", in_p, in_a):
                return True
            continue
        for child in cell:  # (as _rebuilt's loop below a cell: the cell is kept, and an item's scope)
            if (len(child) or child.tag in _NOTABLE) and _rebuilt(child, tag, tag, tag, in_p, in_a):
                return True
    return False


def sanitised_text(root: etree._Element) -> str | None:
    """What ``html_to_text(sanitise(html, url))`` gives for the HTML inside ``root``, read from the
    tree itself: no serialising, no second parse. None when the markup is one the sanitiser's
    parser or lxml's would rebuild (see above): the caller renders the sanitised HTML instead."""
    # One pass over the children makes both _rebuilt's checks and the common case of the text (each
    # child a block of inline text with no text around it: _flat_paragraphs). A flat candidate's
    # descendants' tags, read once, also say whether anything below it is notable: when nothing
    # is (and it is no table part, whose every child is judged), _rebuilt would judge nothing
    # below it, and is not called.
    flat, structure = _AS_SANITISED.flat, _AS_SANITISED.structure
    paragraphs: list[str] | None = None if root.text and not root.text.isspace() else []
    for child in root:
        tag = child.tag
        size = len(child)
        if tag in (_TOP_NOTABLE if size else _NOTABLE) and _rebuilt_here(child, None, None, None, False, False):
            return None
        if paragraphs is not None and child.tail and not child.tail.isspace():
            paragraphs = None
        if not size:
            if paragraphs is not None:
                if tag in flat:
                    text = clean_inline(child.text or "")
                    if text:
                        paragraphs.append(text)
                else:
                    paragraphs = None
        elif tag in flat:  # (never a table part)
            tags = [sub.tag for sub in child.iterdescendants()]
            if not _NOTABLE.isdisjoint(tags) and _rebuilt(child, None, None, None, False, False):
                return None
            if paragraphs is not None:
                if structure.isdisjoint(tags):
                    text = clean_inline(_STRING(child))
                    if text:
                        paragraphs.append(text)
                else:
                    paragraphs = None
        else:
            if _rebuilt(child, None, None, None, False, False):
                return None
            paragraphs = None
    if paragraphs is not None:
        return "\n\n".join(paragraphs)
    return join_paragraphs(_paragraphs(root, _AS_SANITISED))


def _flat_text(element: etree._Element, rules: _Rules, value: str | None = None) -> str | None:
    """The text of a block of inline text (the common case): its string value in one C call, on one
    line (what clean_paragraph makes of it once line breaks in the source are spaces); None for any
    other element, which the walk reads part by part. ``value``: the element's string value, when
    the caller has read it."""
    if element.tag not in rules.flat:
        return None
    if not len(element):
        return clean_inline((element.text or "") if value is None else value)
    if rules.structure.isdisjoint([sub.tag for sub in element.iterdescendants()]):
        return clean_inline(_STRING(element) if value is None else value)
    return None


def _flat_paragraphs(nodes: Iterable[etree._Element], values: Iterable[str | None] | None = None) -> list[str] | None:
    """The walk's common case, without the walk: the paragraphs of ``nodes`` (their tails left
    out) when each is a block of inline text (:func:`_flat_text`), empty ones left out; None when
    one is not. ``values``: the string value of each node, when the caller has read them."""
    paragraphs = []
    for node, value in zip(nodes, repeat(None) if values is None else values, strict=False):
        text = _flat_text(node, _AS_SANITISED, value)
        if text is None:
            return None
        if text:
            paragraphs.append(text)
    return paragraphs


def sanitised_texts_of(groups: list[list[etree._Element]], checked: bool = False,
                       values: list[list[str]] | None = None) -> list[str] | None:
    """Like :func:`sanitised_text`, for the HTML of each group of elements (each element without
    its tail, as a briefing segment's HTML is made), in one walk; None when any group's markup is
    one the parsers would rebuild. ``checked``: the elements still in a tree (not copies) belong to
    one :func:`sanitised_text` read (what is below them was checked then; only their own place at
    the top of a fragment is). ``values``: the string value of each element, in the shape of
    ``groups``, when the caller has read them (they are not read again)."""
    for group in groups:
        for node in group:
            tag = node.tag
            if tag in _TABLE_PARENTS or (tag in _OPTIONAL_END and not len(node) and not node.text):
                return None  # a table part, or an empty element, at the top of the fragment
            if not (checked and node.getparent() is not None) and _rebuilt(node, None, None, None, False, False):
                return None
    texts = []
    for group, group_values in zip(groups, repeat(None) if values is None else values, strict=False):
        # (the common case first: each node a paragraph of inline text)
        paragraphs = _flat_paragraphs(group, group_values)
        if paragraphs is None:
            break
        texts.append("\n\n".join(paragraphs))
    else:
        return texts
    nodes: list[etree._Element | None] = []
    for group in groups:
        nodes.extend(group)
        nodes.append(None)
    marks: list[int] = [0]
    paragraphs = _paragraphs(None, _AS_SANITISED, nodes, marks)
    return [join_paragraphs(paragraphs[start:end]) for start, end in pairwise(marks)]


def sanitised_text_of(nodes: Iterable[etree._Element]) -> str | None:
    """Like :func:`sanitised_text`, for the HTML of the elements ``nodes``, each without its tail
    (a briefing segment's HTML is made so)."""
    texts = sanitised_texts_of([list(nodes)])
    return None if texts is None else texts[0]
