"""Briefings split into segments: headings, statements, questions, answers and remarks.

One machine for every source. :func:`segment` walks a cleaned body's blocks — paragraphs,
headings, tables and lists; a paragraph is split at ``<br><br>`` and where a line after a ``<br>``
starts with a speaker's label — and reads each with the source's :class:`MarkerSet`: its labels
("Question:", "Ответ:", "问：", "MR MILLER:", "CCTV:", the spokesperson's name), its headings
(``h1``–``h6``, bold lines, centred lines) and its notes ("(Laughter.)", "1:21 p.m. EDT"). A new
source adds a marker set (``crawler.pages.markers``), not code.

Precision comes first: a briefing without a labelled question and an answer, with a bold label
the marker set does not know, or with an unlabelled bold question, gives no segments at all
(:func:`read_segments` raises :class:`Unrecognised` saying why). Wrong segments are never given.

The marks per ministry, with examples: shared/reference/ministries-more.md ("Briefings as
questions and answers") and mid-ru.md.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING

from lxml import etree

from crawler.items import PageSegment
from crawler.normalise.html import fragment_root, sanitised_texts_of, string_value
from crawler.pages.cleanup import drop_empty_blocks

try:  # re's own parser (Python 3.11 on): internal to Python, so its absence only costs speed
    from re import _parser as _regex_parser
except ImportError:  # pragma: no cover
    _regex_parser = None

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.items import PageStatement

#: Label roles: who speaks. A podium turn is a ``statement`` before any question and an
#: ``answer`` after one; a moderator's turn ("MODERATOR:", "OPERATOR:") is a ``remark``.
QUESTION, PODIUM, MODERATOR = "question", "podium", "moderator"

#: A paragraph that is a transcriber's note, all of it in brackets: "(Laughter.)",
#: "(Inaudible)", "(Off-mike.)", "(The briefing was concluded at 2:19 p.m.)", "（完）".
BRACKETED_NOTE = r"[(（\[][^()（）\[\]]{1,160}[)）\]][.。]?"


@dataclass(frozen=True)
class Label:
    """One kind of speaker label at the start of a paragraph.

    ``pattern`` is a regular expression matched at the paragraph's start (leading white space
    allowed); its named groups ``speaker`` and ``affiliation`` give the label's parts as printed.
    ``{names}`` in it stands for the podium's names (:attr:`MarkerSet.names` and those found in
    the title); a label with ``{names}`` is left out when there are none."""

    pattern: str
    role: str
    """:data:`QUESTION`, :data:`PODIUM` or :data:`MODERATOR`."""
    strict: bool = False
    """Taken only when printed in bold, or once a question has been read (for labels shaped like
    ordinary words, such as a first name and surname)."""
    keep: bool = False
    """A narrative label ("会后，有记者问及…", "洪磊表示，"): its words stay in the text. A podium
    label with ``keep`` is read only inside or right after a narrative question."""


@dataclass(frozen=True)
class MarkerSet:
    """What one source's briefings look like: its labels, in the order they are tried, its
    headings and its notes."""

    name: str
    labels: tuple[Label, ...]
    names: tuple[str, ...] = ()
    """The podium's names known beforehand (a ministry's spokespersons), as printed in labels."""
    names_in_title: tuple[re.Pattern[str], ...] = ()
    """Patterns finding the podium's name in the title (group ``name``): "Spokesperson Mao
    Ning’s Regular Press Conference"."""
    bold_headings: bool = True
    """A short paragraph all in bold, not ending like a sentence, is a heading."""
    centred_headings: bool = False
    """A short centred paragraph is a heading (the old mid.ru site's topics)."""
    notes: str = BRACKETED_NOTE
    """A whole paragraph matching this is a ``remark`` with no speaker."""

    def rules(self, title: str = "") -> tuple[_Rule, ...]:
        """The labels compiled, with the podium's names from ``names`` and the title."""
        found = list(self.names)
        for pattern in self.names_in_title:
            match = pattern.search(title)
            if match and match["name"] not in found:
                found.insert(0, match["name"])
        return _compile(self.labels, tuple(found))


@dataclass(frozen=True)
class _Rule:
    """A label compiled: ``match`` at a paragraph's start, ``search`` (narrative answers only)
    inside a paragraph from a position."""

    label: Label
    match: Callable[..., re.Match[str] | None]
    search: Callable[..., re.Match[str] | None] | None
    colon: bool = False
    """Every match holds a colon (:func:`_needs_colon`): a paragraph without one is not tried."""


@lru_cache(maxsize=256)
def _compile(labels: tuple[Label, ...], names: tuple[str, ...]) -> tuple[_Rule, ...]:
    alternation = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    rules = []
    for label in labels:
        if "{names}" in label.pattern and not names:
            continue
        body = label.pattern.replace("{names}", f"(?:{alternation})")
        search = None
        if label.keep and label.role == PODIUM:
            # inside a narrative question's paragraph, after the end of a sentence
            search = re.compile(rf"(?<=[。？?！!])\s*(?:{body})").search
        pattern = re.compile(rf"\s*(?:{body})")
        rules.append(_Rule(label, pattern.match, search, _needs_colon(pattern)))
    return tuple(rules)


#: The colons labels end with, Latin and full-width
_COLONS = (":", "：")


def _needs_colon(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` holds a colon (:data:`_COLONS`), as its parse shows: a
    colon, or a class of colons only, outside any optional part and in every branch. False when
    that cannot be told (re's parser is internal to Python), so that the pattern is always tried.
    (Colons have no case: a pattern ignoring case matches them as they are.)"""
    if _regex_parser is None:
        return False
    try:
        return _holds_colon(_regex_parser.parse(pattern.pattern, pattern.flags))
    except Exception:  # (any change of the internal parser's shapes)
        return False


def _holds_colon(items: _regex_parser.SubPattern) -> bool:
    """:func:`_needs_colon` for a parsed sequence: one of its items needs one."""
    p = _regex_parser
    for op, value in items:
        if op == p.LITERAL and chr(value) in _COLONS:
            return True
        if op == p.IN and value and all(kind == p.LITERAL and chr(char) in _COLONS for kind, char in value):
            return True
        if (op == p.SUBPATTERN and _holds_colon(value[-1])) or (op == p.ATOMIC_GROUP and _holds_colon(value)):
            return True
        if op == p.BRANCH and all(_holds_colon(branch) for branch in value[1]):
            return True
        if op in (p.MAX_REPEAT, p.MIN_REPEAT, p.POSSESSIVE_REPEAT) and value[0] >= 1 and _holds_colon(value[2]):
            return True
    return False


@lru_cache(maxsize=32)
def _notes(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\s*(?:{pattern})\s*")


class Unrecognised(ValueError):
    """The briefing's structure is not one the marker set reads; the message says why."""


# ---------------------------------------------------------------------------------------------
# Blocks and lines

_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
#: blocks read whole, never as a label or a heading: they continue the segment they are in
_ATOMIC = {"table", "ul", "ol", "dl", "pre", "blockquote", "figure"}
#: wrappers walked into when they hold blocks (a div of paragraphs); else read as a paragraph
_CONTAINERS = {"div", "section", "article", "main", "center", "span", "font", "header", "footer",
               "aside", "nav", "address"}
_BLOCKS = _HEADING_TAGS | _ATOMIC | (_CONTAINERS - {"span", "font"}) | {"p", "hr", "li", "dd", "dt", "tr"}
_BOLD = {"b", "strong"}
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.I)
_CENTRED_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
_STRING = string_value
#: an element's HTML, without its tail
_serialised = partial(etree.tostring, encoding="unicode", method="html", with_tail=False)


def _may_hold(html: str, tag: str) -> bool:
    """False when an element whose HTML is ``html`` (:data:`_serialised`) has no ``tag`` below it:
    each element there is written as its start tag. A test of the string the part's HTML is made
    of anyway, where lxml's search by tag builds a matcher and an iterator; True may be a tag's
    name in a comment or an attribute, and the tree is then searched."""
    return f"<{tag}" in html


#: a label-like start the marker set may not know: a few words, a colon, then text
_LABEL_LIKE = re.compile(r"\s*[^\s:：.?!。？！,，;；]{1,2}[^:：.?!。？！;；\n]{0,48}[:：]\s*\S")
#: how a sentence ends, and a question: the last character before any white space (a test of the
#: end, where a pattern anchored at the end tries every character of the paragraph)
_SENTENCE_ENDS = (".", "?", "!", "。", "？", "！", "…")
_QUESTION_ENDS = ("?", "？")
_MAX_HEADING = 200


def _has_block(element: etree._Element) -> bool:
    return any(isinstance(sub.tag, str) and sub.tag in _BLOCKS for sub in element.iterdescendants())


def _blocks(root: etree._Element) -> list[etree._Element]:
    """The body's blocks in order: wrappers holding blocks are walked into, runs of inline
    content between blocks become paragraphs of their own."""
    blocks: list[etree._Element] = []
    # the inline content gathered since the last block; made when some comes (the common case,
    # blocks one after another, makes none: each element made is a document of its own)
    run: etree._Element | None = None

    def flush() -> None:
        nonlocal run
        if run is not None and _is_visible(run):
            blocks.append(run)
        run = None

    def add_text(text: str | None) -> None:
        nonlocal run
        if not text:
            return
        if run is None:
            if text.isspace():
                return  # white space between blocks
            run = etree.Element("p")
            run.text = text
        elif len(run):
            run[-1].tail = (run[-1].tail or "") + text
        else:
            run.text = (run.text or "") + text

    add_text(root.text)
    for child in root:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _CONTAINERS and _has_block(child):
            flush()
            blocks.extend(_blocks(child))
        elif tag in _BLOCKS:
            if run is not None:
                flush()
            if tag != "hr":
                blocks.append(child)
        elif tag:
            inline = child.__copy__()  # (a deep copy, as lxml copies: without copy.deepcopy's memo)
            inline.tail = None
            if run is None:
                run = etree.Element("p")
            run.append(inline)
        if child.tail and (run is not None or not child.tail.isspace()):
            add_text(child.tail)
    flush()
    return blocks


def _lines(element: etree._Element) -> list[list[str | etree._Element]]:
    """The element's content cut at each ``<br>``: lines of text and inline copies (an inline
    element holding a break is cut in two, each part keeping its tag)."""
    lines: list[list[str | etree._Element]] = [[]]
    if element.text:
        lines[-1].append(element.text)
    for child in element:
        if not isinstance(child.tag, str):
            pass
        elif child.tag == "br":
            lines.append([])
        elif len(child) and next(child.iterdescendants("br"), None) is not None:
            for index, part in enumerate(_lines(child)):
                if index:
                    lines.append([])
                wrapper = etree.Element(child.tag, dict(child.attrib))
                _fill(wrapper, [part])
                lines[-1].append(wrapper)
        else:
            inline = child.__copy__()  # (a deep copy, as lxml copies: without copy.deepcopy's memo)
            inline.tail = None
            lines[-1].append(inline)
        if child.tail:
            lines[-1].append(child.tail)
    return lines


def _fill(element: etree._Element, lines: list[list[str | etree._Element]]) -> etree._Element:
    """Put lines into an empty element, joined by ``<br>``."""
    for index, line in enumerate(lines):
        if index:
            etree.SubElement(element, "br")
        for node in line:
            if isinstance(node, str):
                if len(element):
                    element[-1].tail = (element[-1].tail or "") + node
                else:
                    element.text = (element.text or "") + node
            else:
                element.append(node)
    return element


def _paragraphs(block: etree._Element, starts_turn: Callable[[str], bool]) -> list[_Paragraph]:
    """A block as paragraphs: cut at ``<br><br>`` and before a line that starts a new turn."""
    if block.tag in _ATOMIC or not len(block):
        return [_Paragraph.of(block)]
    html = _serialised(block)
    if not _may_hold(html, "br") or next(block.iterdescendants("br"), None) is None:
        return [_Paragraph.of(block, html)]
    attributes = {key: value for key, value in block.attrib.items() if key in ("style", "align")}
    groups: list[list[list[str | etree._Element]]] = [[]]
    for line in _lines(block):
        text = "".join(node if isinstance(node, str) else _STRING(node) for node in line)
        if not text.strip() and not any(not isinstance(node, str) and next(node.iter("img"), None) is not None
                                        for node in line):
            groups.append([])  # a blank line: the paragraph ends
            continue
        if groups[-1] and starts_turn(text):
            groups.append([])
        groups[-1].append(line)
    return [_Paragraph.of(_fill(etree.Element(block.tag, attributes), group)) for group in groups if group]


# ---------------------------------------------------------------------------------------------
# Reading one paragraph

def _is_visible(element: etree._Element) -> bool:
    """Whether the element shows text or an image."""
    return _shows(element, _STRING(element))


def _shows(element: etree._Element, text: str) -> bool:
    """:func:`_is_visible` for an element whose string value ``text`` was read already."""
    return (bool(text) and not text.isspace()) or next(element.iterdescendants("img"), None) is not None


def _bold_element(element: etree._Element) -> bool:
    return element.tag in _BOLD or bool(_BOLD_STYLE.search(element.get("style") or ""))


def _boldness(element: etree._Element) -> tuple[bool, bool]:
    """(whether the first visible text is bold, whether all of it is), by walking the element."""
    if not len(element):  # (the common case, a paragraph of plain text: no walk)
        bold = bool(element.text and element.text.strip()) and _bold_element(element)
        return bold, bold
    first: bool | None = None
    every = True

    def seen(bold: bool) -> bool:
        """Record a visible text's boldness; True when nothing more can change the answer."""
        nonlocal first, every
        if first is None:
            first = bold
        every = every and bold
        return not every

    def walk(node: etree._Element, bold: bool) -> bool:
        bold = bold or _bold_element(node)
        if node.text and node.text.strip() and seen(bold):
            return True
        for child in node:
            if isinstance(child.tag, str) and walk(child, bold):
                return True
            if child.tail and child.tail.strip() and seen(bold):
                return True
        return False

    walk(element, False)
    return bool(first), first is not None and every


class _Paragraph:
    """One paragraph of the body with what its markup says. Its boldness is read when first asked
    for (a paragraph a label opens seldom needs it, and it is a walk of the paragraph)."""

    __slots__ = ("_boldness", "atomic", "centred", "colon", "element", "heading_tag", "html", "text")

    def __init__(self, element: etree._Element, text: str, atomic: bool = False, heading_tag: bool = False,
                 centred: bool = False, boldness: tuple[bool, bool] | None = None, html: str | None = None) -> None:
        self.element = element
        self.text = text
        """Its string value (:func:`crawler.normalise.html.string_value`)."""
        self.html = html
        """Its HTML (:data:`_serialised`), when read already (a paragraph with elements inside)."""
        self.colon = _COLONS[0] in text or _COLONS[1] in text
        """Whether its text holds a colon (a label's does)."""
        self.atomic = atomic
        self.heading_tag = heading_tag
        self.centred = centred
        self._boldness = boldness
        """(whether its first visible text is bold, whether all of it is); None until read."""

    @property
    def starts_bold(self) -> bool:
        return self._read_boldness()[0]

    @property
    def bold(self) -> bool:
        return self._read_boldness()[1]

    def _read_boldness(self) -> tuple[bool, bool]:
        if self._boldness is None:
            self._boldness = _boldness(self.element)
        return self._boldness

    @classmethod
    def of(cls, element: etree._Element, html: str | None = None) -> _Paragraph:
        """The paragraph ``element``; ``html``: its HTML, when the caller has read it. An element
        with elements inside has its HTML read here (what is below it is told from it, and it is
        the HTML of the part the paragraph becomes, most often as it is)."""
        tag = element.tag
        if len(element):
            text = _STRING(element)
            if html is None:
                html = _serialised(element)
            atomic = tag in _ATOMIC or (_may_hold(html, "table") and next(element.iterdescendants("table"), None)
                                        is not None)
        else:  # (the common case, a paragraph of plain text: its text is its string value)
            text = element.text or ""
            atomic = tag in _ATOMIC
        style = element.get("style")
        return cls(element, text, atomic, tag in _HEADING_TAGS,
                   (style is not None and bool(_CENTRED_STYLE.search(style)))
                   or (element.get("align") or "").lower() == "center", html=html)


def _cut(element: etree._Element, count: int) -> int:
    """Remove the first ``count`` characters of the element's text (not its tail); returns how
    many were left to remove."""
    if count and element.text:
        taken = min(count, len(element.text))
        element.text = element.text[taken:]
        count -= taken
    for child in element:
        if not count:
            break
        count = _cut(child, count)
        if count and child.tail:
            taken = min(count, len(child.tail))
            child.tail = child.tail[taken:]
            count -= taken
    return count


def _keep(element: etree._Element, count: int) -> int:
    """Keep only the first ``count`` characters of the element's text; returns the budget left."""
    if element.text and len(element.text) >= count:
        element.text = element.text[:count]
        for child in list(element):
            element.remove(child)
        return 0
    count -= len(element.text or "")
    for index, child in enumerate(list(element)):
        count = _keep(child, count)
        if count == 0:
            child.tail = None
            for later in list(element)[index + 1:]:
                element.remove(later)
            return 0
        if child.tail:
            if len(child.tail) >= count:
                child.tail = child.tail[:count]
                for later in list(element)[index + 1:]:
                    element.remove(later)
                return 0
            count -= len(child.tail)
    return count


def _without_prefix(element: etree._Element, count: int) -> etree._Element:
    """A copy of the paragraph without its first ``count`` characters and the white space after
    them; inline wrappers left empty (the label's ``<strong>``) are dropped."""
    result = element.__copy__()  # (a copy keeps attributes XML cannot name: "xml:lang", "@click")
    result.tail = None
    if not len(element):  # (the common case, a paragraph of plain text: no walk of the copy)
        result.text = (element.text or "")[count:].lstrip()
        return result
    depth = _label_depth(element, count)
    if depth:  # (the common case, a label in bold: the copy's label element dropped, no walk)
        parent = result
        for _ in range(depth - 1):
            parent = parent[0]
        parent.text = parent[0].tail.lstrip()
        parent.remove(parent[0])  # (its tail with it)
        return result
    return _cut_prefix(result, count)


def _label_depth(element: etree._Element, count: int) -> int:
    """How deep below ``element`` the element printing exactly its first ``count`` characters is,
    when the paragraph opens with it as :func:`_cut_prefix` would drop it whole: no text before
    it, each element down to it the first child of the one above, none of them a ``br`` or an
    image, and visible text after it in its tail (``<p><strong>Question:</strong> What…``,
    ``<p><span><b>Question:</b> What…``). 0 for any other paragraph."""
    node, depth = element, 0
    while not node.text and len(node):
        node, depth = node[0], depth + 1
        if not isinstance(node.tag, str) or node.tag in ("br", "img"):
            return 0
        if not len(node):
            # what the cut and the drop of empty wrappers do with it: its text cut, the white
            # space after it cut from its tail, it removed, and that tail its parent's text
            visible_tail = bool(node.tail) and not node.tail.isspace()
            return depth if len(node.text or "") == count and visible_tail else 0
    return 0


def _cut_prefix(result: etree._Element, count: int) -> etree._Element:
    """:func:`_without_prefix` by walking the copy ``result``: any paragraph."""
    _cut(result, count)
    text = _STRING(result)
    _cut(result, len(text) - len(text.lstrip()))
    _drop_leading_empty(result)
    return result


def _drop_leading_empty(element: etree._Element) -> None:
    """Remove the empty inline wrappers and line breaks a cut label leaves at the start
    (``<strong></strong><br>``), keeping their tails; the label may sit in a wrapper of the text
    (``<span><b>Q:</b> …</span>``)."""
    while len(element) and not (element.text or "").strip():
        first = element[0]
        if not isinstance(first.tag, str) or first.tag == "img":
            return
        if _is_visible(first):
            _drop_leading_empty(first)
            return
        element.text = (first.tail or "").lstrip() if first.tag == "br" else (element.text or "") + (first.tail or "")
        element.remove(first)


def _prefix(element: etree._Element, count: int) -> etree._Element:
    result = element.__copy__()
    result.tail = None
    _keep(result, count)
    drop_empty_blocks(result)
    return result


@dataclass(frozen=True)
class _Turn:
    kind: str
    speaker: str | None
    affiliation: str | None


#: The turns no label opens (frozen: shared by every segment they start)
_HEADING = _Turn("heading", None, None)
_REMARK = _Turn("remark", None, None)
_STATEMENT = _Turn("statement", None, None)


@dataclass
class _Segment:
    turn: _Turn
    narrative: bool = False
    parts: list[etree._Element] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    """The string value of each part, read once (its visibility and how it ends are read from it)."""
    htmls: list[str | None] = field(default_factory=list)
    """The HTML of each part, when read already (None: read at the end)."""

    def add(self, part: etree._Element, value: str | None = None, html: str | None = None) -> None:
        """Append a part; ``value``, ``html``: its string value and HTML, when the caller has them."""
        self.parts.append(part)
        self.values.append(_STRING(part) if value is None else value)
        self.htmls.append(html)

    def keep_visible(self) -> None:
        """Drop the parts without text or an image (a label alone on its line leaves an empty one),
        and their values."""
        if len(self.parts) == 1:  # (the common case: no lists made again)
            if not _shows(self.parts[0], self.values[0]):
                self.parts, self.values, self.htmls = [], [], []
            return
        kept = [index for index, (part, value) in enumerate(zip(self.parts, self.values, strict=True))
                if _shows(part, value)]
        self.parts = [self.parts[index] for index in kept]
        self.values = [self.values[index] for index in kept]
        self.htmls = [self.htmls[index] for index in kept]

    def html(self) -> str:
        """The parts' HTML, each without its tail, white space around stripped."""
        if len(self.parts) == 1:  # (the common case: no join)
            html = self.htmls[0]
            return (_serialised(self.parts[0]) if html is None else html).strip()
        return "".join([_serialised(part) if html is None else html
                        for part, html in zip(self.parts, self.htmls, strict=True)]).strip()


def _printed(value: str | None) -> str | None:
    """A label's part as printed, white space collapsed; None when empty."""
    value = " ".join((value or "").split())
    return value or None


def _affiliation(value: str | None) -> str | None:
    """An outlet or office; a qualifier in lower case ("(follow-up)", "(в продолжение)") is none."""
    value = _printed(value)
    return None if value is None or value[:1].islower() else value


#: The element of a line probed by :meth:`_Reader.starts_turn` (only its text is read: one
#: element for every probe, not a new document each).
_PROBE = etree.Element("p")


class _Reader:
    """Reads paragraphs in order into segments."""

    def __init__(self, markers: MarkerSet, title: str) -> None:
        self.markers = markers
        self.rules = markers.rules(title)
        self.colonless = tuple(rule for rule in self.rules if not rule.colon)
        """The rules a paragraph without a colon may match."""
        self.notes = _notes(markers.notes)
        self.segments: list[_Segment] = []
        self.current: _Segment | None = None
        self.last_turn: _Turn | None = None
        self.seen_question = False

    # -- what a paragraph is --------------------------------------------------------------------
    def label(self, paragraph: _Paragraph) -> tuple[_Rule, re.Match[str]] | None:
        """The first rule whose label starts the paragraph, if any."""
        if paragraph.atomic:
            return None
        narrative = self.current is not None and self.current.narrative
        for rule in self.rules if paragraph.colon else self.colonless:
            label = rule.label
            if label.keep and label.role == PODIUM and not narrative:
                continue
            match = rule.match(paragraph.text)
            if match is None:
                continue
            if label.strict and not (self.seen_question or paragraph.starts_bold):
                continue
            return rule, match
        return None

    def starts_turn(self, text: str) -> bool:
        """Whether a line of a paragraph starts a new turn (a label or a note)."""
        probe = _Paragraph(_PROBE, text, boldness=(True, False))
        return self.label(probe) is not None or bool(self.notes.fullmatch(text))

    def is_heading(self, paragraph: _Paragraph, text: str) -> bool:
        """Whether the paragraph is a heading; ``text``: its text stripped."""
        if paragraph.atomic:
            return False
        if paragraph.heading_tag:
            return True
        if len(text) > _MAX_HEADING or text.endswith(_SENTENCE_ENDS):
            return False
        return (self.markers.bold_headings and paragraph.bold) or \
            (self.markers.centred_headings and paragraph.centred)

    # -- reading ---------------------------------------------------------------------------------
    def open(self, turn: _Turn, part: etree._Element, value: str | None = None, html: str | None = None, *,
             narrative: bool = False) -> None:
        """Start a segment with its first part (``value``, ``html``: its string value and HTML, when
        known)."""
        self.current = _Segment(turn, narrative)
        self.current.add(part, value, html)
        self.segments.append(self.current)

    def read(self, paragraph: _Paragraph, pending: deque[_Paragraph]) -> None:
        found = self.label(paragraph)
        if found is not None:
            rule, match = found
            label = rule.label
            if label.role == PODIUM and self.current is not None and len(self.current.parts) > 1 \
                    and self.current.turn.kind in ("statement", "answer") \
                    and self.current.values[-1].rstrip().endswith(_QUESTION_ENDS):
                # a podium turn ending in an unlabelled line with a question mark, then the podium
                # again: that line was a question the marker set does not see
                raise Unrecognised(f"unlabelled question before {match.group(0).strip()!r}")
            kind = {QUESTION: "question", MODERATOR: "remark"}.get(label.role) or \
                ("answer" if self.seen_question else "statement")
            if label.role == QUESTION:
                self.seen_question = True
            groups = match.groupdict()
            turn = _Turn(kind, _printed(groups.get("speaker")), _affiliation(groups.get("affiliation")))
            narrative = label.keep and label.role == QUESTION
            if narrative:
                element = self.split_narrative(paragraph, match.end(), pending)
            elif label.keep:
                element = paragraph.element
            else:
                element = _without_prefix(paragraph.element, match.end())
            if element is paragraph.element:
                self.open(turn, element, paragraph.text, paragraph.html, narrative=narrative)
            else:
                self.open(turn, element, narrative=narrative)
            self.last_turn = turn
            return
        text = paragraph.text.strip()
        if not paragraph.atomic and self.notes.fullmatch(text):
            self.open(_REMARK, paragraph.element, paragraph.text, paragraph.html)
            self.current = None  # what follows continues the turn before the note
            return
        # (the text first: the boldness is a walk of the paragraph; the pattern needs a colon)
        if not paragraph.atomic and paragraph.colon and _LABEL_LIKE.match(paragraph.text) and paragraph.starts_bold \
                and not paragraph.bold:
            raise Unrecognised(f"unknown label {text[:40]!r}")  # a bold label, then plain text
        if self.is_heading(paragraph, text):
            if paragraph.bold and text.endswith(_QUESTION_ENDS) and not paragraph.heading_tag:
                raise Unrecognised(f"unlabelled question {text[:40]!r}")
            self.open(_HEADING, paragraph.element, paragraph.text, paragraph.html)
            self.current = self.last_turn = None
            return
        if not paragraph.atomic and text.endswith(_QUESTION_ENDS) and paragraph.bold:
            raise Unrecognised(f"unlabelled question {text[:40]!r}")
        if self.current is not None:
            self.current.add(paragraph.element, paragraph.text, paragraph.html)
        else:
            self.open(self.last_turn or _STATEMENT, paragraph.element, paragraph.text, paragraph.html)

    def split_narrative(self, paragraph: _Paragraph, start: int, pending: deque[_Paragraph]) -> etree._Element:
        """A narrative question's paragraph, cut where the podium's narrative answer begins in it
        ("…有何评论？洪磊表示，…"); the answer is read next."""
        for rule in self.rules:
            if rule.search is None:
                continue
            match = rule.search(paragraph.text, start)
            if match is not None:
                at = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
                pending.appendleft(_Paragraph.of(_without_prefix(paragraph.element, at)))
                return _prefix(paragraph.element, at)
        return paragraph.element

    def result(self, checked: bool = False) -> list[PageSegment]:
        """The segments read, without empty ones; Unrecognised without a question and an answer."""
        for segment in self.segments:
            segment.keep_visible()
        segments = [segment for segment in self.segments if segment.parts]
        kinds = {segment.turn.kind for segment in segments}
        if "question" not in kinds:
            raise Unrecognised("no labelled question")
        if "answer" not in kinds:
            raise Unrecognised("no answer after a question")
        texts = sanitised_texts_of([s.parts for s in segments], checked, [s.values for s in segments]) \
            or [None] * len(segments)
        return [PageSegment(kind=s.turn.kind, speaker=s.turn.speaker, affiliation=s.turn.affiliation,
                            html=s.html(), text=text) for s, text in zip(segments, texts, strict=True)]


def read_segments(body_html: str, markers: MarkerSet, title: str = "",
                  body: etree._Element | None = None, *, body_checked: bool = False) -> list[PageSegment]:
    """The body's segments in order; :class:`Unrecognised` when its structure is not one the
    marker set reads. ``title`` may name the podium (:attr:`MarkerSet.names_in_title`). ``body``:
    the element ``body_html`` is the content of, when the caller has it (read, never changed; it
    spares a parse); ``body_checked``: its text was read from it by
    :func:`crawler.normalise.html.sanitised_text` (the segments' texts need fewer checks)."""
    reader = _Reader(markers, title)
    pending: deque[_Paragraph] = deque()
    for block in _blocks(fragment_root(body_html) if body is None else body):
        pending.extend(_paragraphs(block, reader.starts_turn))
        while pending:
            reader.read(pending.popleft(), pending)
    return reader.result(body is not None and body_checked)


def segment(body_html: str, markers: MarkerSet, title: str = "",
            body: etree._Element | None = None, *, body_checked: bool = False) -> list[PageSegment]:
    """Like :func:`read_segments`, but an unrecognised structure gives ``[]``."""
    try:
        return read_segments(body_html, markers, title, body, body_checked=body_checked)
    except Unrecognised:
        return []


def segments_for(page: PageStatement, markers: MarkerSet,
                 body: etree._Element | None = None) -> list[PageSegment] | None:
    """What page objects call: the segments of a briefing (``[]`` when its structure is not
    recognised), None for any other type of document. ``body``: the cleaned element whose content
    ``page.body_html`` is, when the page object still has it (it spares parsing the HTML again;
    ``page.body_text``, when set, was read from it)."""
    if page.type != "briefing":
        return None
    return segment(page.body_html, markers, page.title, body, body_checked=page.body_text is not None)
