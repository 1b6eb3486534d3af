"""What changed between two versions of a statement: title, paragraphs added, removed and changed,
and the words changed inside a changed paragraph; a summary for exports, sanitised HTML with
``<ins>``/``<del>`` for feeds, and plain or coloured text for terminals.

Pure functions of two archived versions (dicts with the schema's fields); no I/O. The comparison
is Python's :mod:`difflib` (``SequenceMatcher``, Ratcliff/Obershelp, with ``autojunk`` off so
that frequent words and characters are never ignored):

- A body is cut into paragraphs at blank lines (``body_text``'s rule, see docs/schema.md). The
  paragraph sequences are matched exactly first; a run of paragraphs that differ is then paired
  by similarity, as ``difflib.Differ`` pairs lines: a pair whose words are at least
  :data:`PARAGRAPH_CUTOFF` alike is a changed paragraph, the rest are removed and added ones.
- Inside a changed paragraph the units are *tokens* (:func:`tokens`): a word of a script that
  separates words with spaces (Latin, Cyrillic, Greek, Devanagari, Arabic…, combining marks and
  zero-width joiners kept inside it), one character of a script that does not (Han, Hiragana,
  Katakana, Thai, Lao, Khmer, Myanmar, Tibetan), a space run, or one punctuation mark. Chinese and
  Japanese are thus compared character by character: no dictionary segmentation (jieba and the
  like guess, and differ by version), and a changed word shows as its changed characters.
- Short equal runs caught between two changes (a "的", a space, an "и") are folded into the
  change when they are no longer than the change on either side, as diff-match-patch's semantic
  clean-up does, so that a rewritten phrase reads as one deletion and one insertion rather than
  confetti.

Counts are of Unicode code points.
"""

from __future__ import annotations

import html
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache, lru_cache
from typing import Any

from crawler.store.records import CONTENT_FIELDS

#: Two paragraphs at least this alike (difflib's ratio of their tokens, 0–1) are one paragraph
#: changed; below it, one removed and one added. difflib.Differ pairs lines at 0.75; paragraphs
#: are longer and keep more of their words through an edit, so less is asked.
PARAGRAPH_CUTOFF = 0.5
#: Beyond this many paragraphs on each side, a run of differing paragraphs is not paired by
#: similarity (quadratic work): its paragraphs are removed and added ones.
PAIRING_LIMIT = 300

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"

#: Unicode scripts written without spaces between words, compared a character at a time. Ranges
#: from the Unicode Character Database's Scripts.txt (Han with its extensions and compatibility
#: ideographs, Hiragana, Katakana with its phonetic extensions and half-width forms, Bopomofo,
#: Thai, Lao, Tibetan, Myanmar, Khmer, Yi).
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),    # Thai, Lao
    (0x0F00, 0x0FFF),    # Tibetan
    (0x1000, 0x109F),    # Myanmar
    (0x1780, 0x17FF),    # Khmer
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x3005, 0x3007),    # 々 〆 〇
    (0x3021, 0x3029),    # Hangzhou numerals
    (0x3031, 0x3035),    # kana repeat marks
    (0x3038, 0x303C),
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x3100, 0x312F),    # Bopomofo
    (0x31A0, 0x31FF),    # Bopomofo extended, Katakana phonetic extensions
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xA000, 0xA4CF),    # Yi
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFF66, 0xFF9F),    # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B–H, compatibility supplement
)
_JOINERS = {"\u200c", "\u200d", "\u2060"}  # ZWNJ, ZWJ, word joiner: part of the word they sit in


@cache
def _unspaced(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _UNSPACED_RANGES)


@cache
def _kind(char: str) -> str:
    """``mark`` (joins the token before it), ``space``, ``unspaced``, ``word`` or ``punct``."""
    category = unicodedata.category(char)
    if category[0] == "M" or char in _JOINERS:
        return "mark"
    if char.isspace():
        return "space"
    if _unspaced(char):
        return "unspaced"
    if category[0] in "LN" or char in "_":
        return "word"
    return "punct"


def tokens(text: str) -> list[str]:
    """``text`` as the units a word-level comparison works on; ``"".join(tokens(t)) == t``.

    A word (letters and digits of spaced scripts, with their combining marks and joiners), one
    character of a script without spaces (with its marks: a variation selector, a dakuten), a run
    of white space, or one other character (punctuation, symbols).
    """
    found: list[str] = []
    previous = ""
    for char in text:
        kind = _kind(char)
        if found and (kind == "mark" or (kind == previous and kind in ("word", "space"))):
            found[-1] += char
            continue
        found.append(char)
        previous = kind
    return found


def split_paragraphs(text: str | None) -> list[str]:
    """The paragraphs of a ``body_text`` (separated by blank lines), stripped, empty ones left out."""
    if not text:
        return []
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


@dataclass(frozen=True)
class Span:
    """A piece of a word-level comparison: text both versions share (``equal``), or text the
    newer one added (``insert``) or took out (``delete``)."""

    op: str
    text: str


@dataclass(frozen=True)
class ParagraphChange:
    """One paragraph added, removed or changed. Positions are 0-based paragraph numbers in the old
    and the new body (None on the side where the paragraph is absent)."""

    kind: str
    old_position: int | None
    new_position: int | None
    spans: tuple[Span, ...]
    """The paragraph as spans: one ``insert`` (added), one ``delete`` (removed), or the
    word-level comparison (changed)."""

    @property
    def characters_changed(self) -> int:
        return sum(len(span.text) for span in self.spans if span.op != EQUAL)


@dataclass(frozen=True)
class StatementDiff:
    """What changed from one version of a statement to another."""

    old_version: int | None
    new_version: int | None
    fields: tuple[str, ...]
    """The content fields (``crawler.store.records.CONTENT_FIELDS``) whose values differ, in
    that order: what made the new version."""
    title: tuple[Span, ...] | None
    """The title compared word by word; None when unchanged."""
    paragraphs: tuple[ParagraphChange, ...] = field(default=())
    """Changed, added and removed paragraphs, in the order of the text."""

    def count(self, kind: str) -> int:
        return sum(1 for change in self.paragraphs if change.kind == kind)

    @property
    def characters_changed(self) -> int:
        """Characters inserted plus characters deleted, in the title and the body text."""
        title = sum(len(span.text) for span in self.title if span.op != EQUAL) if self.title else 0
        return title + sum(change.characters_changed for change in self.paragraphs)

    def summary(self) -> dict[str, Any]:
        """The ``changes`` object of export lines (see docs/schema.md, "Archive fields")."""
        return {"from_version": self.old_version, "fields": list(self.fields),
                "title_changed": self.title is not None, "paragraphs_added": self.count(ADDED),
                "paragraphs_removed": self.count(REMOVED), "paragraphs_changed": self.count(CHANGED),
                "characters_changed": self.characters_changed}

    def __bool__(self) -> bool:
        return bool(self.fields or self.title or self.paragraphs)


# --- comparing ------------------------------------------------------------------------------------
def diff_words(old: str, new: str) -> tuple[Span, ...]:
    """``old`` and ``new`` compared token by token (:func:`tokens`): equal, deleted and inserted
    spans in text order (a deletion before the insertion that replaces it), short equal runs
    between changes folded in. Joining the equal and deleted spans gives ``old``; the equal and
    inserted ones, ``new``."""
    a, b = tokens(old), tokens(new)
    spans: list[Span] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            spans.append(Span(EQUAL, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            spans.append(Span(DELETE, "".join(a[i1:i2])))
        if j2 > j1:
            spans.append(Span(INSERT, "".join(b[j1:j2])))
    return tuple(_words_first(_fold_small_equalities(_merged(spans))))


def _words_first(spans: list[Span]) -> list[Span]:
    """A lone insertion or deletion that starts with white space which the text after it starts
    with too is shifted by that space: ``On{+ indeed+} July`` reads ``On {+indeed +}July``.
    Both say the same; the second marks whole words."""
    spans = list(spans)
    for index in range(1, len(spans) - 1):
        before, span, after = spans[index - 1], spans[index], spans[index + 1]
        if before.op != EQUAL or after.op != EQUAL or span.op == EQUAL:
            continue
        lead = len(span.text) - len(span.text.lstrip())
        if 0 < lead < len(span.text) and len(after.text) > lead and after.text.startswith(span.text[:lead]):
            space = span.text[:lead]
            spans[index - 1] = Span(EQUAL, before.text + space)
            spans[index] = Span(span.op, span.text[lead:] + space)
            spans[index + 1] = Span(EQUAL, after.text[lead:])
    return [span for span in spans if span.text]


def _merged(spans: Iterable[Span]) -> list[Span]:
    """Neighbouring equal spans joined; each run of changes as one deletion then one insertion."""
    result: list[Span] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def close_run() -> None:
        if deleted:
            result.append(Span(DELETE, "".join(deleted)))
        if inserted:
            result.append(Span(INSERT, "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for span in spans:
        if not span.text:
            continue
        if span.op == EQUAL:
            close_run()
            if result and result[-1].op == EQUAL:
                result[-1] = Span(EQUAL, result[-1].text + span.text)
            else:
                result.append(span)
        else:
            (deleted if span.op == DELETE else inserted).append(span.text)
    close_run()
    return result


def _fold_small_equalities(spans: list[Span]) -> list[Span]:
    """Fold an equal span lying between two changes into them when it is no longer than the
    larger side (deleted or inserted) of the change before it and of the change after it
    (diff-match-patch's ``diff_cleanupSemantic`` rule), until none is left."""
    while True:
        for index in range(1, len(spans) - 1):
            span = spans[index]
            if span.op != EQUAL:
                continue
            before = _change_size(spans[index - 1::-1])
            after = _change_size(spans[index + 1:])
            if before and after and len(span.text) <= min(before, after):
                spans = _merged([*spans[:index], Span(DELETE, span.text), Span(INSERT, span.text),
                                 *spans[index + 1:]])
                break
        else:
            return spans


def _change_size(spans: Sequence[Span]) -> int:
    """The larger side (deleted or inserted characters) of the change run at the start of ``spans``."""
    deleted = inserted = 0
    for span in spans:
        if span.op == EQUAL:
            break
        if span.op == DELETE:
            deleted += len(span.text)
        else:
            inserted += len(span.text)
    return max(deleted, inserted)


@lru_cache(maxsize=4096)
def _profile(text: str) -> tuple[tuple[str, ...], Counter[str], int]:
    """A paragraph's tokens, how many times each token other than white space occurs, and the
    characters of those (what :func:`_similarity` weighs). Cached: a run of differing paragraphs
    compares each with every paragraph of the other side."""
    found = tuple(tokens(text))
    words = Counter(token for token in found if not token.isspace())
    return found, words, sum(len(token) * count for token, count in words.items())


def _similarity(old: str, new: str) -> float:
    """How alike two paragraphs are, 0–1: twice the characters of the tokens they share (white
    space not counted) over the characters of both. Weighing tokens by their length keeps a
    shared "the" or "абзац" from pairing two different sentences; for Chinese every token is one
    character, and the measure is difflib's ratio. Below :data:`PARAGRAPH_CUTOFF` the value is
    only known to be below it (0.0)."""
    a, a_words, a_size = _profile(old)
    b, b_words, b_size = _profile(new)
    total = a_size + b_size
    if not total:
        return 1.0
    # The tokens both hold, whatever their order, bound the tokens they share in order: a linear
    # count that stops most pairs of different paragraphs before the matching, which is quadratic
    # (a paragraph rewritten whole, a statement replaced by another).
    fewer, more = (a_words, b_words) if len(a_words) <= len(b_words) else (b_words, a_words)
    if 2 * sum(len(token) * min(count, more[token]) for token, count in fewer.items()) < PARAGRAPH_CUTOFF * total:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < PARAGRAPH_CUTOFF:
        return 0.0
    shared = sum(len(token) for i, _, size in matcher.get_matching_blocks() for token in a[i:i + size]
                 if not token.isspace())
    return 2 * shared / total


def diff_paragraphs(old: Sequence[str], new: Sequence[str]) -> tuple[ParagraphChange, ...]:
    """Paragraph lists compared: the paragraphs added, removed and changed, in text order."""
    changes: list[ParagraphChange] = []
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and (i2 - i1) <= PAIRING_LIMIT and (j2 - j1) <= PAIRING_LIMIT:
            scores = {(i, j): _similarity(old[i], new[j]) for i in range(i1, i2) for j in range(j1, j2)}
            _pair(old, new, i1, i2, j1, j2, scores, changes)
        else:
            _unpaired(old, new, i1, i2, j1, j2, changes)
    return tuple(changes)


def _unpaired(old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int,
              changes: list[ParagraphChange]) -> None:
    changes.extend(ParagraphChange(REMOVED, i, None, (Span(DELETE, old[i]),)) for i in range(i1, i2))
    changes.extend(ParagraphChange(ADDED, None, j, (Span(INSERT, new[j]),)) for j in range(j1, j2))


def _pair(old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int,
          scores: dict[tuple[int, int], float], changes: list[ParagraphChange]) -> None:
    """Pair the most alike paragraphs of two differing runs (at or above the cut-off), then the
    runs before and after that pair, as difflib.Differ's ``_fancy_replace`` pairs lines."""
    best, best_pair = PARAGRAPH_CUTOFF - 1e-9, None
    for i in range(i1, i2):
        for j in range(j1, j2):
            if scores[i, j] > best:
                best, best_pair = scores[i, j], (i, j)
    if best_pair is None:
        _unpaired(old, new, i1, i2, j1, j2, changes)
        return
    i, j = best_pair
    _pair(old, new, i1, i, j1, j, scores, changes)
    changes.append(ParagraphChange(CHANGED, i, j, diff_words(old[i], new[j])))
    _pair(old, new, i + 1, i2, j + 1, j2, scores, changes)


def diff_statements(old: dict[str, Any], new: dict[str, Any]) -> StatementDiff:
    """Two versions of a statement (dicts with the schema's fields; ``version`` read when
    present) compared: fields, title and the paragraphs of ``body_text``."""
    fields = tuple(name for name in CONTENT_FIELDS if old.get(name) != new.get(name))
    old_title, new_title = old.get("title") or "", new.get("title") or ""
    title = diff_words(old_title, new_title) if old_title != new_title else None
    paragraphs = diff_paragraphs(split_paragraphs(old.get("body_text")), split_paragraphs(new.get("body_text")))
    return StatementDiff(old.get("version"), new.get("version"), fields, title, paragraphs)


def changes_summary(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The ``changes`` object of an export line for ``new``, compared with the version before it."""
    return diff_statements(old, new).summary()


# --- showing --------------------------------------------------------------------------------------
def _shortened(spans: Sequence[Span], context: int | None) -> list[Span | None]:
    """Spans with the equal text far from any change cut to ``context`` characters on each side
    of a change (at a token boundary); None stands where text was left out."""
    if context is None:
        return list(spans)
    shown: list[Span | None] = []
    last = len(spans) - 1
    for index, span in enumerate(spans):
        if span.op != EQUAL:
            shown.append(span)
            continue
        parts = tokens(span.text)
        keep_head = _take(parts, context) if index > 0 else []
        keep_tail = _take(parts[::-1], context)[::-1] if index < last else []
        if len(keep_head) + len(keep_tail) >= len(parts):
            shown.append(span)
            continue
        if keep_head:
            shown.append(Span(EQUAL, "".join(keep_head)))
        shown.append(None)
        if keep_tail:
            shown.append(Span(EQUAL, "".join(keep_tail)))
    return shown


def _take(parts: Sequence[str], characters: int) -> list[str]:
    taken: list[str] = []
    size = 0
    for part in parts:
        if size >= characters:
            break
        taken.append(part)
        size += len(part)
    return taken


def _html_spans(spans: Sequence[Span], context: int | None, longest: int | None = None) -> str:
    out = []
    for span in _shortened(spans, context):
        if span is None:
            out.append("…")
        elif span.op == EQUAL:
            out.append(_escape(span.text))
        else:
            tag = "ins" if span.op == INSERT else "del"
            text = span.text
            if longest is not None and len(text) > longest:
                text = "".join(_take(tokens(text), longest)).rstrip() + "…"
            out.append(f"<{tag}>{_escape(text)}</{tag}>")
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


#: What each kind of paragraph change is called, for people.
LABELS = {ADDED: "Added", REMOVED: "Removed", CHANGED: "Changed"}


def html_changes(diff: StatementDiff, *, context: int | None = 120, longest: int | None = None) -> list[str]:
    """The title change and each paragraph change as a ``<p>``, ``<ins>``/``<del>`` marking the
    words (see :func:`render_html`). ``longest``: characters of one inserted or deleted run shown
    at most (cut at a token, "…" after it; None: all)."""
    parts: list[str] = []
    if diff.title is not None:
        parts.append(f"<p><strong>Title:</strong> {_html_spans(diff.title, None, longest)}</p>")
    for change in diff.paragraphs:
        label = f"<strong>{LABELS[change.kind]} paragraph {_position(change)}:</strong>"
        parts.append(f"<p>{label} {_html_spans(change.spans, context, longest)}</p>")
    return parts


def render_html(diff: StatementDiff, *, context: int | None = 120) -> str:
    """The changes as HTML for a feed entry or a page: a ``<div class="mf-changes">`` holding the
    title change and one ``<p>`` per paragraph change, ``<ins>``/``<del>`` marking the words.

    Safe by construction: all text is escaped, and the only elements are ``div``, ``p``,
    ``strong``, ``ins`` and ``del`` (the ``class`` of the ``div`` their only attribute), which any
    feed sanitiser keeps. ``context``: characters of unchanged text kept around each change inside
    a changed paragraph (None: whole paragraphs). Empty for a diff with no change in title or body.
    """
    parts = html_changes(diff, context=context)
    if not parts:
        return ""
    return '<div class="mf-changes">' + "".join(parts) + "</div>"


def _position(change: ParagraphChange) -> int:
    """1-based paragraph number: in the new text, or the old one for a removed paragraph."""
    position = change.new_position if change.new_position is not None else change.old_position
    assert position is not None
    return position + 1


#: ANSI SGR sequences of the terminal rendering (ECMA-48): deletions red and struck through,
#: insertions green and underlined (readable without colour too), headings bold.
_STYLE = {DELETE: ("\x1b[31;9m", "\x1b[0m"), INSERT: ("\x1b[32;4m", "\x1b[0m"), "heading": ("\x1b[1m", "\x1b[0m")}
#: Without colour, wdiff's marks: ``[-deleted-]{+inserted+}``.
_MARKS = {DELETE: ("[-", "-]"), INSERT: ("{+", "+}"), "heading": ("", "")}


def _text_spans(spans: Sequence[Span], context: int | None, colour: bool) -> str:
    marks = _STYLE if colour else _MARKS
    out = []
    for span in _shortened(spans, context):
        if span is None:
            out.append("…")
        elif span.op == EQUAL:
            out.append(span.text)
        else:
            start, end = marks[span.op]
            out.append(f"{start}{span.text}{end}")
    return "".join(out)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def render_text(diff: StatementDiff, *, colour: bool = False, context: int | None = None) -> str:
    """The changes as text for a terminal: a summary line, then the title change and each
    paragraph change under a heading, words marked ``[-deleted-]{+inserted+}`` (or, with
    ``colour``, red struck-through and green underlined, ANSI SGR). Lines end with ``\\n``."""
    heading = _STYLE["heading"] if colour else _MARKS["heading"]
    summary = diff.summary()
    lines = [f"{_count(summary['paragraphs_changed'], 'paragraph')} changed, {summary['paragraphs_added']} added, "
             f"{summary['paragraphs_removed']} removed; {_count(summary['characters_changed'], 'character')} changed"
             + ("; title changed" if diff.title is not None else "")]
    if diff.fields:
        lines.append(f"fields changed: {', '.join(diff.fields)}")
    if diff.title is not None:
        lines += ["", f"{heading[0]}Title{heading[1]}", "  " + _text_spans(diff.title, None, colour)]
    for change in diff.paragraphs:
        where = f"paragraph {_position(change)}"
        if change.kind == REMOVED:
            where += f" of version {diff.old_version}" if diff.old_version is not None else " of the old text"
        lines += ["", f"{heading[0]}{LABELS[change.kind]} {where}{heading[1]}"]
        lines += ["  " + line for line in _text_spans(change.spans, context, colour).split("\n")]
    return "\n".join(lines) + "\n"
