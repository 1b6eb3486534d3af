"""Chrome removal shared by page objects, by kind of chrome rather than by one site's layout.

Page objects hand :func:`clean_body` the element that holds the text and their site's own chrome
(a :class:`Chrome`: class names). What every site's bodies get besides:

- blocks named for what they are (:data:`SHARED_CHROME_TAGS`, :data:`SHARED_CHROME_CLASSES`):
  scripts, forms, navigation, share tools, and blocks of related / latest / popular / "see also"
  / teaser / more-news links;
- one pass over the body's links (:func:`drop_link_blocks`) that removes, whatever their markup:
  every list of links into the same page (a table of contents, however many lists and
  sub-headings it is split into, and its heading), "back to contents" links, and blocks whose text
  is mostly links to other pages (the general rule for related-links blocks no class names;
  trafilatura and jusText use the same link-density idea), with their "See also" heading, and
  runs of one-link paragraphs under such a heading, and lines of the page's tools as links
  ("Print version", "[Print] [Close]": :data:`TOOL_LINK`). Links that are text stay: a list the
  article's own sentence introduces ("The following documents were signed:"), links to
  documents (:data:`DOCUMENT_LINK`), a paragraph whose links are joined by words;
- wrappers left empty.

Each rule has must / must-not phrases in tests/phrases/. The rules edit the element in place;
they walk the body (never the whole page) in a few C-level iterations: bench/extract.py measures
the whole extraction against a bare parse of the page (target: within 3x).
"""

from __future__ import annotations

import copy
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.normalise.html import string_value
from crawler.normalise.text import clean_inline, utf8_bytes, without_controls
from crawler.pages import ParseError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_STRING = string_value
#: Elements whose content is code or markup, never text a reader sees.
_NOT_TEXT = ("script", "style", "noscript", "template")
_VISIBLE_TEXT = etree.XPath("descendant::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
                            " or ancestor::template)]")

# Wrappers that are chrome when they hold no text (cells and list items keep table shapes).
_DROP_WHEN_EMPTY = {"p", "div", "span", "a", "strong", "b", "em", "i", "font", "h2", "h3", "h4",
                    "h5", "h6", "section", "blockquote"}

#: Elements that are never text.
SHARED_CHROME_TAGS = frozenset({"script", "style", "noscript", "iframe", "form", "button", "nav", "aside",
                                "menu", "template", "svg"})
#: Blocks whose class says they hold links to other pages or tools (substrings of the class
#: attribute: "c-teaser", "related-news", "share-block" …).
SHARED_CHROME_CLASSES = ("related", "teaser", "latest", "popular", "see-also", "seealso", "read-also", "readalso",
                         "more-news", "recommend", "share", "social", "breadcrumb", "pagination", "print-version")

#: The heading of a table of contents, in the languages of our sources.
CONTENTS = re.compile(
    r"(Contents|Table of contents|In this (issue|briefing)|Содержание|Оглавление|Inhalt|Inhaltsverzeichnis"
    r"|Sommaire|Índice|目录|目錄)\s*:?", re.I)
#: Links back to the top or the contents (their targets are anchors in the same page).
BACK_LINK = re.compile(
    r"(↑\s*)?(Back to (the )?(top|contents|table of contents)|To the top|Top of page|Go to top"
    r"|Назад к (оглавлению|содержанию)|Вернуться к (оглавлению|содержанию)|К (оглавлению|содержанию|началу)"
    r"|Наверх|Nach oben|Seitenanfang|Zurück zum (Inhalt|Inhaltsverzeichnis|Seitenanfang)"
    r"|Retour (en haut|au sommaire)|返回顶部|返回目录)(\s*↑)?", re.I)
#: Links that are the page's tools, not its text (a "Print version" or "Close window" link a
#: template put inside the article), with the brackets Chinese sites print around them: the whole
#: text of the link, in the languages of our sources.
TOOL_LINK = re.compile(
    r"[\[【]?\s*(Print( version| this page)?|Printer[- ]friendly( version)?|Close( this)?( window)?"
    r"|Send (by |via )?e-?mail|E-?mail this (page|article)|Send to a friend|Отправить (по почте|другу)"
    r"|Версия для печати|Распечатать|Закрыть( окно)?|Druckversion|Seite drucken|Drucken|Fenster schließen"
    r"|Imprimer( la page)?|Version imprimable|Fermer( la fenêtre)?|打印(本页)?|关闭(本页|窗口)?|印刷(用ページ)?"
    r"|閉じる)\s*[\]】]?", re.I)
#: The longest text :data:`TOOL_LINK` can match (longer links are not tested).
_TOOL_LENGTH = 32
#: The heading of a related-links block.
RELATED = re.compile(
    r"(See also|Related( news| articles| links| content| stories| assets| materials)?|Read (also|more)|Also read"
    r"|More (on this topic|news|from)|Latest( news)?|Most (read|popular)|Other (news|materials)"
    r"|Читайте также|См(отрите|\.)? также|Другие (материалы|новости)|Последние новости|Популярное"
    r"|Mehr zum Thema|Weitere (Informationen|Artikel|Meldungen|Inhalte)|Das könnte Sie auch interessieren"
    r"|Lesen Sie auch|Siehe auch|Auch interessant|Lire aussi|Voir aussi|À lire aussi|A lire aussi|Sur le même sujet"
    r"|Ver también|相关(新闻|链接|阅读|文章)|延伸阅读|推荐阅读|另见|参见|関連(リンク|記事|情報)|あわせて読みたい"
    r"|こちらもご覧ください)\s*[:：]?", re.I)
#: Links to documents (a PDF, a Word or spreadsheet file, a site's file store): a list of them is
#: part of the text ("The following documents were signed:"), never a related-links block.
DOCUMENT_LINK = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|rtf|odt|ods|zip)(?:$|[?#])|/(files?|uploads?|attachments?)/",
                           re.I)
#: What separates the links of a line of navigation ("A news | B news"): a paragraph of links
#: with only these (and white space) between them is chrome; links joined by words are text.
_SEPARATORS = frozenset(" \t\n\r\u00a0|•·/»›◦▪–—-")

#: Elements judged as blocks by the link pass.
_BLOCKS = frozenset({"ul", "ol", "dl", "p", "div", "section", "table", "tbody", "blockquote", "figure",
                     "header", "footer", "center", "article"})
#: Blocks that hold link lists (a paragraph of several links is judged more strictly).
_LIST_BLOCKS = _BLOCKS - {"p", "blockquote"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: A heading of a contents list or a related block is short: a few words.
_SHORT = 60
#: Share of a block's text in links above which it is a list of links.
_ANCHOR_DENSITY = 0.8
_LINK_DENSITY = 0.75
_PARAGRAPH_LINK_DENSITY = 0.9

# No id index (collect_ids): nothing looks elements up by id, and building it costs parse time.
# The text is given as UTF-8 (crawler.normalise.text.utf8_bytes): a ``<meta charset>`` in it is not read.
_HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, encoding="utf-8")


#: Whether :func:`parse_document` takes control characters out of what it parses
#: (:func:`read_without_controls`).
_WITHOUT_CONTROLS: ContextVar[bool] = ContextVar("without_controls", default=False)
#: How lxml refuses to put a control character into a tree (moving text when an element is
#: removed: the parser itself keeps them).
_REFUSED = "All strings must be XML compatible"
_T = TypeVar("_T")


def read_without_controls(read: Callable[[], _T]) -> _T:
    """``read()``; when lxml refuses to move a C0 control character of the page (a vertical tab
    after a script that is removed, ``&#11;``: the parser keeps them in the tree, but lxml will not
    set them as text), ``read()`` again with every page it parses taken without them
    (crawler.normalise.text.without_controls), as its text would be read without them anyway.
    A page without such characters is parsed once, and looked at no more than before."""
    try:
        return read()
    except ValueError as error:
        if not str(error).startswith(_REFUSED):
            raise
    token = _WITHOUT_CONTROLS.set(True)
    try:
        return read()
    finally:
        _WITHOUT_CONTROLS.reset(token)


#: How a whole HTML document opens (a byte order mark, an XHTML page's XML declaration, white
#: space and comments before it): a doctype or an ``html`` start tag. A fragment (an endpoint
#: serving part of a page) opens otherwise.
_DOCUMENT_START = re.compile(r"\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype[\s>]|html[\s>])",
                             re.I | re.S)
#: The end tags of a whole document's body and root.
_DOCUMENT_END = re.compile(r"</(?:body|html)\s*>", re.I)
#: How much of a page's end is searched first for :data:`_DOCUMENT_END` (the whole page only
#: when it is not there: scripts after ``</html>`` are rare, and short).
_TAIL = 4096
#: What a page ends with (white space after it aside), mostly: one string test, where a search of
#: the tail by the pattern costs 15 times as much (it has no literal prefix to skip to).
_LAST_TAGS = ("</html>", "</body>")


def cut_short(text: str) -> bool:
    """True for an HTML document whose end is missing: it opens as a whole document (a doctype or
    an ``<html>`` start tag) and has neither a ``</body>`` nor an ``</html>`` end tag.

    HTML lets a page leave both out (HTML Living Standard §13.1.2.4, optional tags), and lxml
    reads what there is without complaint; but the templates of every site we read print them, so
    a page that stops before them was cut in transfer or by a server that failed while writing it
    (with a ``Content-Length`` of what it sent, which Scrapy's data-loss check cannot catch). Its
    text is the start of the statement: read as a statement, it would be archived as an edit that
    lost the rest. A fragment (mea.gov.in's endpoints serve the article without ``<html>``) is
    not a document and is not judged."""
    if text[-64:].rstrip().lower().endswith(_LAST_TAGS) or not _DOCUMENT_START.match(text):
        return False
    return _DOCUMENT_END.search(text, max(0, len(text) - _TAIL)) is None and _DOCUMENT_END.search(text) is None


def parse_document(url: str, text: str) -> etree._Element:
    """The page's element tree; a page lxml cannot read is a ParseError naming the URL. A lone
    surrogate (from a JSON API's ``"\\ud83d"``) is read as U+FFFD, not as the end of the text.
    Within :func:`read_without_controls`' second reading, C0 controls are left out."""
    if _WITHOUT_CONTROLS.get():
        text = without_controls(text)
    try:
        root = etree.fromstring(utf8_bytes(text), _HTML_PARSER)
    except (etree.ParserError, ValueError) as error:
        raise ParseError(url, "unparsable_html", str(error)) from None
    if root is None:
        raise ParseError(url, "empty_page")
    return root


def first_with_classes(root: etree._Element, tag: str, classes: tuple[str, ...]) -> etree._Element | None:
    """The first ``tag`` element below ``root`` whose class attribute has every one of ``classes``
    as a token (a walk of the elements of that name: cheaper than an XPath class test)."""
    first = classes[0] if classes else ""
    for element in root.iter(tag):
        names = element.get("class")
        # (a substring test of one name first: most elements' classes do not hold it, and a token is
        # a substring)
        if names and first in names and all(name in names.split() for name in classes):
            return element
    return None


def copy_element(element: etree._Element) -> etree._Element:
    """A detached deep copy, so cleaning never touches the parsed page."""
    return copy.deepcopy(element)


def text_of(element: etree._Element) -> str:
    """The element's visible text content, white space normalised: what is inside ``script``,
    ``style``, ``noscript`` and ``template`` is not text (a heading's inline script is no part of
    a title)."""
    if len(element) and next(element.iter(*_NOT_TEXT), None) is not None:
        return clean_inline("".join(_VISIBLE_TEXT(element)))
    return clean_inline(_STRING(element))


def is_blank(element: etree._Element) -> bool:
    """True when the element holds no visible text (its string value, in one C call, is white space)."""
    text = _STRING(element)
    return not text or text.isspace()


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


def drop_matching(root: etree._Element, xpath: str | Callable[[etree._Element], list]) -> int:
    """Remove every element an XPath (or a :class:`Chrome`) finds below ``root``; returns how many."""
    found = root.xpath(xpath) if isinstance(xpath, str) else xpath(root)
    for element in found:
        drop(element)
    return len(found)


class Chrome:
    """What is never text in a site's bodies: :data:`SHARED_CHROME_TAGS` and ``tags``, and
    elements whose class contains one of :data:`SHARED_CHROME_CLASSES` or ``classes``.

    Called with a body element, it gives the elements to drop, in one walk of the body (a class
    test per element that has a class: cheaper than an XPath of many ``contains()``)."""

    def __init__(self, *classes: str, tags: Iterable[str] = ()) -> None:
        self.tags = SHARED_CHROME_TAGS | frozenset(tags)
        self.classes = re.compile("|".join(re.escape(part) for part in (*SHARED_CHROME_CLASSES, *classes)))
        self.known: dict[str, bool] = {}
        """Class attributes judged so far → chrome or not (a site's bodies repeat a few class
        values, "dxl-par" on every paragraph: a look-up costs a twentieth of the pattern's search)."""

    def is_chrome_class(self, name: str) -> bool:
        """True when the class attribute ``name`` holds one of the chrome classes."""
        found = self.known.get(name)
        if found is None:
            if len(self.known) >= _KNOWN_CLASSES:
                self.known.clear()
            found = self.known[name] = self.classes.search(name) is not None
        return found

    def __call__(self, root: etree._Element) -> list[etree._Element]:
        tags, is_chrome_class = self.tags, self.is_chrome_class
        return [element for element in root.iterdescendants(etree.Element)
                if element.tag in tags or ((name := element.get("class")) and is_chrome_class(name))]


#: How many class attributes a :class:`Chrome` remembers (past that it starts again: a crawl reads
#: many sites' pages, each with its few repeated values).
_KNOWN_CLASSES = 4096


#: What :func:`_visible_length` does not count.
_SPACES = (" ", "\n", "\t", "\r", "\u00a0")


def _visible_length(text: str) -> int:
    """Characters that are not white space (markup indentation must not dilute densities)."""
    return len(text) - sum(map(text.count, _SPACES))  # (map: no generator frame per call)


def _in_page(href: str, page_url: str | None) -> bool:
    """True for a link to an anchor of the same page: ``#2``, or the page's own URL with a
    fragment (compared by host and path, so a loopback copy and the site agree)."""
    if href.startswith("#"):
        return True
    if "#" not in href or not page_url:
        return False
    own = urlsplit(page_url)
    parts = urlsplit(urljoin(page_url, href))
    return parts.path.rstrip("/") == own.path.rstrip("/") and (not parts.netloc or parts.netloc == own.netloc)


def _significant_sibling(element: etree._Element, forward: bool) -> etree._Element | None:
    """The nearest sibling element with visible text (spacer paragraphs skipped)."""
    sibling = element.getnext() if forward else element.getprevious()
    while sibling is not None and (not isinstance(sibling.tag, str) or is_blank(sibling)):
        sibling = sibling.getnext() if forward else sibling.getprevious()
    return sibling


def _is_heading(element: etree._Element) -> bool:
    """A short heading-like block: an ``h1``–``h6``, or a short paragraph or line of bold text."""
    if not isinstance(element.tag, str) or element.tag not in _HEADINGS | {"p", "div", "strong", "b", "dt"}:
        return False
    text = text_of(element)
    return 0 < len(text) <= _SHORT and (element.tag in _HEADINGS or text.endswith(":")
                                        or bool(CONTENTS.fullmatch(text)) or bool(RELATED.fullmatch(text))
                                        or _all_bold(element))


def _all_bold(element: etree._Element) -> bool:
    """True when the element's text is all inside ``strong`` or ``b``."""
    bold = "".join(_STRING(b) for b in element.iter("strong", "b"))
    return bool(bold.strip()) and _visible_length(bold) >= _visible_length(_STRING(element))


def drop_link_blocks(root: etree._Element, page_url: str | None = None) -> None:
    """One pass over the body's links, removing what links make chrome (see the module's
    docstring): contents lists and their headings, back links, lines of tool links, lists of links
    to other pages.

    A block is judged by the share of its visible text inside links: into the same page
    (contents: at least 80 % and no link elsewhere), or to other pages (at least two links and
    75 %; 90 % for a paragraph, whose links only separators such as "|" join), unless the links
    are to documents or the article's own sentence introduces them; under a "See also" heading,
    one link is enough, and so is each paragraph of a run of one-link paragraphs. A block holding
    nearly all the body's text is the text itself and is never removed."""
    _drop_link_blocks(root, page_url, root.iter("a"))


def _drop_link_blocks(root: etree._Element, page_url: str | None, links: Iterable[etree._Element]) -> None:
    """:func:`drop_link_blocks` over the body's ``links`` (``a`` elements, in page order)."""
    counts: dict[etree._Element, list[int]] = {}  # element → [in-page chars, other chars, in-page n, other n]
    # The elements of ``counts`` in page order, the only ones the judging looks at: a link's
    # ancestors not seen with an earlier link, outermost first, come after those of every earlier link.
    candidates: list[etree._Element] = []
    new: list[etree._Element] = []
    back_links: list[etree._Element] = []
    tool_links: list[etree._Element] = []
    for link in links:
        href = (link.get("href") or "").strip()
        # (a link with no element inside, the common case, has its text as its string value)
        text = _STRING(link) if len(link) else link.text or ""
        if len(text) <= _TOOL_LENGTH and TOOL_LINK.fullmatch(clean_inline(text)):
            tool_links.append(link)  # (with or without an href: a script's onclick prints too)
            continue
        if not href or href.startswith(("javascript:", "mailto:", "tel:")):
            continue
        inward = _in_page(href, page_url)
        if inward and BACK_LINK.fullmatch(clean_inline(text)):
            back_links.append(link)
            continue
        length = _visible_length(text)
        slot = 0 if inward else 1
        for ancestor in link.iterancestors():
            if ancestor is root:
                break
            entry = counts.get(ancestor)
            if entry is None:
                entry = counts[ancestor] = [0, 0, 0, 0]
                new.append(ancestor)
            entry[slot] += length
            entry[slot + 2] += 1
        if new:
            candidates.extend(reversed(new))
            new.clear()
    # blocks removed (with what is inside them, as the judging finds it: a candidate's parent is
    # a candidate, or the body), and the blocks back links leave empty, which are no longer in it
    judged: set[etree._Element] = set()
    for parent in _tool_lines(root, tool_links):
        drop(parent)
        judged.add(parent)
    for link in back_links:  # inline back links, and the blocks they leave empty
        parent = link.getparent()
        drop(link)
        if parent is not None and parent is not root and is_blank(parent) \
                and next(parent.iterdescendants("img", "table"), None) is None:
            drop(parent)
            judged.add(parent)
    if not counts:
        return
    body_length = -1  # (read when a block is found to be links: most pages' links are in running text)
    anchor_blocks: list[etree._Element] = []
    link_blocks: list[etree._Element] = []
    for element in candidates:
        if judged and (element in judged or element.getparent() in judged):
            judged.add(element)
            continue
        if element.tag not in _BLOCKS:
            continue
        inward, outward, inward_n, outward_n = counts[element]
        length = _visible_length(_STRING(element))
        if not length:
            continue
        anchors = inward_n and not outward_n and inward >= _ANCHOR_DENSITY * length
        if not anchors and not _is_link_list(element, outward, outward_n, length, counts):
            continue
        if body_length < 0:
            body_length = _visible_length(_STRING(root))
        if length >= 0.9 * body_length:  # (the body itself, nearly: never a block of links)
            continue
        (anchor_blocks if anchors else link_blocks).append(element)
        judged.add(element)
    removed = set(anchor_blocks) | set(link_blocks)
    headings: list[etree._Element] = []
    for block in anchor_blocks:
        before = _significant_sibling(block, forward=False)
        if before is None or before in removed or not _is_heading(before):
            continue
        # The contents heading ("Contents", or any heading over two links into the page or
        # more), or a sub-heading between two parts of the contents ("Answers to media questions:").
        if CONTENTS.fullmatch(text_of(before)) or counts[block][2] >= 2 \
                or _significant_sibling(before, forward=False) in anchor_blocks:
            headings.append(before)
    for block in link_blocks:
        before = _significant_sibling(block, forward=False)
        if before is not None and before not in removed and RELATED.fullmatch(text_of(before)):
            headings.append(before)
    for element in anchor_blocks + link_blocks + headings:
        drop(element)


#: What may stand between tool links on their line ("[Print] [Close]", "Print | Close").
_TOOL_SEPARATORS = _SEPARATORS | frozenset("[]【】()（）")


def _tool_lines(root: etree._Element, tool_links: list[etree._Element]) -> list[etree._Element]:
    """The elements holding nothing but tool links (:data:`TOOL_LINK`) and separators: a line of
    the page's tools. A tool word linked in running text ("<a>Print</a> media") is text, and
    stays; so does a line holding an image or a table (but a tool's own icon), and the body
    itself."""
    parents: dict[etree._Element, list[etree._Element]] = {}
    for link in tool_links:
        parent = link.getparent()
        if parent is not None and parent is not root:
            parents.setdefault(parent, []).append(link)
    lines = []
    for parent, links in parents.items():
        rest = _STRING(parent)
        for link in links:
            rest = rest.replace(_STRING(link), "", 1)
        if all(character in _TOOL_SEPARATORS for character in rest) \
                and len(parent.xpath(".//img|.//table")) == sum(len(link.xpath(".//img")) for link in links):
            lines.append(parent)
    return lines


def _is_link_list(element: etree._Element, linked: int, links: int, length: int,
                  counts: dict[etree._Element, list[int]]) -> bool:
    """A block of links to other pages: one link or more under a "See also" heading (inside the
    block, just before it, or before a run of such blocks: one paragraph per link); else two links
    or more making most of its text, unless the links are to documents (pdf, doc…), the article's
    own sentence introduces the list ("The following documents were signed:"), or, for a
    paragraph, words join the links (only separators such as "|" between them make a line of
    navigation)."""
    if not links:
        return False
    is_list = element.tag in _LIST_BLOCKS
    if links >= 2 and linked >= (_LINK_DENSITY if is_list else _PARAGRAPH_LINK_DENSITY) * length \
            and not _links_to_documents(element) and not _introduced_by_text(element) \
            and (is_list or _separators_only(element)):
        return True
    if linked < 0.5 * length:
        return False
    return _opens_with_related_heading(element) \
        or (linked >= _LINK_DENSITY * length and _headed_by_related(element, counts))


def _link_only(element: etree._Element, counts: dict[etree._Element, list[int]]) -> bool:
    """True when a block's text is (nearly) all links to other pages."""
    entry = counts.get(element)
    if entry is None or not entry[3]:
        return False
    return entry[1] >= _LINK_DENSITY * _visible_length(_STRING(element))


def _headed_by_related(element: etree._Element, counts: dict[etree._Element, list[int]]) -> bool:
    """True when a "See also" heading stands before the block, or before the run of link-only
    blocks it ends ("Read also:" then one ``<p><a>…</a></p>`` per link)."""
    before = _significant_sibling(element, forward=False)
    while before is not None and isinstance(before.tag, str) and _link_only(before, counts):
        before = _significant_sibling(before, forward=False)
    if before is None or not isinstance(before.tag, str):
        return False
    text = text_of(before)
    return len(text) <= _SHORT and bool(RELATED.fullmatch(text))


def _links_to_documents(element: etree._Element) -> bool:
    """True when every link of the block is to a document (:data:`DOCUMENT_LINK`)."""
    hrefs = [(link.get("href") or "").strip() for link in element.iter("a")]
    hrefs = [href for href in hrefs if href and not href.startswith("#")]
    return bool(hrefs) and all(DOCUMENT_LINK.search(href) for href in hrefs)


def _introduced_by_text(element: etree._Element) -> bool:
    """True when the block follows the article's own sentence ending in a colon ("The following
    documents were signed:"), not a related-links or contents heading, nor a line of links."""
    before = _significant_sibling(element, forward=False)
    if before is None or not isinstance(before.tag, str) or before.tag not in _HEADINGS | {"p", "div", "strong", "b"}:
        return False
    text = text_of(before)
    if not text.endswith((":", "：")) or RELATED.fullmatch(text) or CONTENTS.fullmatch(text):
        return False
    linked = sum(_visible_length(_STRING(link)) for link in before.iter("a"))
    return linked < 0.5 * _visible_length(text)


def _separators_only(element: etree._Element) -> bool:
    """True when nothing but separators (:data:`_SEPARATORS`) stands between the block's links."""
    pieces = [element.text or ""]
    for child in element.iterdescendants():
        if child.tag == "a":
            pieces.append(child.tail or "")
        elif not any(ancestor.tag == "a" for ancestor in child.iterancestors() if ancestor is not element):
            pieces.extend((child.text or "", child.tail or ""))
    return all(character in _SEPARATORS for piece in pieces for character in piece)


def _opens_with_related_heading(element: etree._Element) -> bool:
    """True when a block's first line of text is a related-links heading ("See also")."""
    for child in element.iter():
        if child is element:
            continue
        text = clean_inline(child.text or "")
        if text:
            return bool(RELATED.fullmatch(text))
    return bool(RELATED.fullmatch(clean_inline(element.text or "")))


#: What a block holding only these holds nothing (no-break and zero-width spaces included).
_BLANKS = " \t\n\r\f\v\u00a0\u200b\u2060\ufeff"


def drop_empty_blocks(root: etree._Element) -> None:
    """Remove paragraphs and wrappers left with no text and no image or table (innermost first)."""
    # (a set test per element: cheaper than lxml's matching of many tag names)
    _drop_empty([element for element in root.iterdescendants() if element.tag in _DROP_WHEN_EMPTY])


def _drop_empty(wrappers: list[etree._Element], root: etree._Element | None = None) -> bool:
    """:func:`drop_empty_blocks` over the body's ``wrappers`` (of :data:`_DROP_WHEN_EMPTY`, in page
    order; ones already removed with a block around them are harmless). True when ``root`` is
    known to hold visible text (not :func:`is_blank`): a wrapper holding some is a child of it
    (False: not known)."""
    # Innermost first, so that a wrapper's text is found in its own text or in a wrapper inside it
    # before its string value is serialised: the parent of a wrapper holding visible text (not
    # only white space: is_blank's rule is str.isspace, wider than _BLANKS) holds it too, as
    # removing a blank element never takes text away (its tail stays).
    full: set[etree._Element | None] = set()  # elements known to hold visible text
    for element in reversed(wrappers):
        if element in full:
            full.add(element.getparent())
            continue
        text = element.text
        if text:
            text = text.strip(_BLANKS)
        if not text:
            text = _STRING(element).strip(_BLANKS)
        if text:
            if not text.isspace():
                full.add(element.getparent())
        elif next(element.iter("img", "table"), None) is None:
            drop(element)
    return root is not None and root in full


def clean_body(url: str, body: etree._Element, chrome: Chrome, in_place: bool = False) -> str:
    """The HTML of ``body`` without chrome (``chrome``: the site's :class:`Chrome`), link blocks
    and empty wrappers; ParseError ``empty_body`` when nothing is left. A copy is cleaned unless
    ``in_place`` (the caller has read all else it needs from the page's tree)."""
    root = body if in_place else copy_element(body)
    clean_element(url, root, chrome)
    return inner_html(root)


def clean_element(url: str, root: etree._Element, chrome: Chrome | None) -> None:
    """:func:`clean_body`'s work on an element the caller owns (edited in place): one walk of the
    body finds the chrome (what is inside it is not looked at), the links and the wrappers; the
    chrome goes, then the link blocks, then the wrappers left empty."""
    found, links, wrappers = body_walk(root, chrome)
    for element in found:
        drop(element)
    _drop_link_blocks(root, url, links)
    if not _drop_empty(wrappers, root) and is_blank(root):
        raise ParseError(url, "empty_body")


def body_walk(root: etree._Element, chrome: Chrome | None) -> tuple[list[etree._Element], ...]:
    """One walk of the body, in page order: (the chrome, the links, the wrappers of
    :data:`_DROP_WHEN_EMPTY`); what is inside chrome is not looked at."""
    tags = chrome.tags if chrome is not None else frozenset()
    known = chrome.known if chrome is not None else None
    found: list[etree._Element] = []
    links: list[etree._Element] = []
    wrappers: list[etree._Element] = []
    inside: set[etree._Element] = set()  # the chrome found, and everything inside it
    for element in root.iterdescendants(etree.Element):
        if inside and element.getparent() in inside:
            inside.add(element)
            continue
        tag = element.tag
        # (a class value seen before is judged by a look-up, a new one by the pattern)
        if tag in tags or (known is not None and (name := element.get("class"))
                           and (known[name] if name in known else chrome.is_chrome_class(name))):
            found.append(element)
            inside.add(element)
            continue
        if tag == "a":
            links.append(element)
        if tag in _DROP_WHEN_EMPTY:
            wrappers.append(element)
    return found, links, wrappers


def inner_html(root: etree._Element) -> str:
    """The HTML inside an element (the element serialised once as a bare ``div``, its own tag then
    cut off: one call, not one per child). Its attributes stay as they are (lxml refuses to set
    back a value holding a control character, which a parsed page may have)."""
    tag = root.tag
    root.tag = "div"
    try:
        html = etree.tostring(root, encoding="unicode", method="html", with_tail=False)
    finally:
        root.tag = tag
    # (the common case, no ">" in an attribute: the first one ends the start tag)
    quoted = ">" in "".join(root.values()) or ">" in "".join(root.keys())
    start = _start_tag_end(html) if quoted else html.index(">")
    return html[start + 1:-len("</div>")].strip()


def _start_tag_end(html: str) -> int:
    """Where the start tag that opens ``html`` ends: its first ``>`` outside a quoted value."""
    quote = ""
    for index, character in enumerate(html):
        if quote:
            if character == quote:
                quote = ""
        elif character in "\"'":
            quote = character
        elif character == ">":
            return index
    raise ValueError("no end of the start tag")
