"""Which character encoding a page's bytes are in, decided by evidence, not by the first label.

Ministry sites often say one thing in the HTTP header, another in the page's ``<meta>``, and
serve bytes in a third (China's MFA serves UTF-8 labelled gb2312; a misconfigured server labels
mid.ru's UTF-8 pages windows-1251). Browsers follow the header (WHATWG Encoding); a reader of the
text would not, and an archive must not store mojibake. The evidence, strongest first:

1. a byte-order mark;
2. the bytes themselves: non-ASCII bytes that form valid UTF-8 are UTF-8 (text in any legacy
   encoding almost never does, W3C "Character encodings for beginners"); so are bytes that form
   valid UTF-8 but for a few stray bytes (an editor's pasted windows-1252 quote in a UTF-8 page),
   each stray byte read as U+FFFD: :func:`mostly_utf8` says when, the declared labels weighed;
3. a declared multi-byte encoding (header, then ``<meta>``) that decodes the bytes without error,
   when only one does and no other of the site's known encodings does; otherwise the one whose
   text reads as a language (charset-normalizer, limited to the declared labels, the site's known
   legacy encodings and the common single-byte ones), a declared label first when it reads as
   well as the best, then a hint, then windows-1252, windows-1251 and KOI8-R (the detector alone
   reads French windows-1252 text as windows-1250: "ŕ" for "à");
4. a declared label resolves through WHATWG's aliases (gb2312 and gbk read as gb18030, latin-1 as
   windows-1252: w3lib's table).

Pure functions: the crawl (crawler/middlewares/charset.py) and ``scrapy extract`` share them.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class CharsetChoice:
    """The encoding chosen for a page and why."""

    encoding: str
    """A Python codec name (``utf-8``, ``cp1251``, ``gb18030``)."""
    evidence: str
    """What decided: ``bom``, ``valid utf-8``, ``mostly valid utf-8``, ``ascii``, ``declared``,
    ``detected``, ``fallback``."""
    header: str | None
    """The encoding the HTTP header declared (resolved), if any."""
    meta: str | None
    """The encoding the page's ``<meta>`` declared (resolved), if any."""

    @property
    def conflict(self) -> bool:
        """True when the choice overrules a declaration (worth a debug line)."""
        return any(label is not None and not same_encoding(label, self.encoding)
                   for label in (self.header, self.meta))

    def describe(self) -> str:
        """One line for the debug log: ``utf-8 (valid utf-8; header cp1251, meta utf-8)``."""
        return (f"{self.encoding} ({self.evidence}; header {self.header or 'none'}, "
                f"meta {self.meta or 'none'})")


def _codec(label: str | None) -> str | None:
    """The Python codec of an encoding label, through WHATWG's aliases; None when unknown."""
    if not label:
        return None
    resolved = resolve_encoding(label.strip().strip("'\""))
    return codecs.lookup(resolved).name if resolved else None


def known_encoding(label: str) -> bool:
    """True when ``label`` names an encoding (a WHATWG label or a Python codec)."""
    try:
        return _codec(label) is not None
    except LookupError:
        return False


def same_encoding(first: str, second: str) -> bool:
    """True when two labels name the same codec."""
    return _codec(first) == _codec(second)


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


#: What makes bytes that are not all UTF-8 UTF-8 with stray bytes rather than a legacy encoding:
#: valid multi-byte UTF-8 characters against invalid bytes ("strays"), weighed by what the page
#: declares. In legacy text, sequences that happen to be valid UTF-8 are rarer than invalid bytes:
#: about one for every three or four in GB18030, Shift_JIS and EUC-JP pages (their trail bytes are
#: UTF-8's continuation bytes), almost none in windows-1251, KOI8-R or windows-1252 pages
#: (measured on the fixtures' pages in those encodings), but a short run of legacy text can have
#: more by chance ("её" in KOI8-R is one valid UTF-8 character). So:
#:
#: - declared UTF-8 (header or meta): at least as many valid characters as strays, or strays that
#:   are all C1 bytes (0x80-0x9F: windows-1252's quotes and dashes, what a pasted Word paragraph
#:   brings) beside at least one valid character;
#: - nothing declared: twice as many valid characters as strays, and at least three;
#: - another encoding declared: four times as many, and at least eight (the label is evidence too).
UTF8_PER_STRAY = {"utf-8": 1, None: 2, "other": 4}
UTF8_AT_LEAST = {"utf-8": 1, None: 3, "other": 8}
_STRAY = re.compile("[\udc80-\udcff]")
_NOT_C1 = re.compile("[\udca0-\udcff]")


def mostly_utf8(body: bytes, declared: Iterable[str | None] = ()) -> bool:
    """True when ``body`` is UTF-8 but for stray bytes, by the rule above; ``declared``: the codecs
    the HTTP header and the page's meta name (None where one names none). A page of UTF-8 text with
    pasted windows-1252 quotes (``\x93``) is UTF-8 with one U+FFFD a stray byte, not a windows-1252
    page whose every other non-ASCII character turns to mojibake ("â€™" for "’")."""
    text = body.decode("utf-8", errors="surrogateescape")  # (each invalid byte: one U+DC80-U+DCFF)
    stray = len(_STRAY.findall(text))
    if not stray:
        return False
    valid = len(text) - len(text.encode("ascii", errors="ignore")) - stray  # (non-ASCII, less the stray)
    labels = {label for label in declared if label}
    weight = "utf-8" if "utf-8" in labels else ("other" if labels else None)
    if weight == "utf-8" and valid >= 1 and not _NOT_C1.search(text):
        return True
    return valid >= UTF8_AT_LEAST[weight] and valid >= UTF8_PER_STRAY[weight] * stray


#: Single-byte encodings tried beside the declared ones and the site's hints when a single-byte
#: label is all the evidence: a single-byte codec decodes almost any bytes, so "decodes without
#: error" says nothing about it. The web's default (WHATWG) and the two Cyrillic encodings the
#: Russian pages have been served in (mid-ru.md: windows-1251 on the old site, KOI8-R on mirrors).
LEGACY_SINGLE_BYTE = ("cp1252", "cp1251", "koi8_r")


@lru_cache(maxsize=64)
def single_byte(encoding: str) -> bool:
    """True when ``encoding`` maps every byte to one character (windows-1251, KOI8-R, latin-1):
    such a codec decodes nearly any bytes, so decoding is no evidence for it; False for GB18030,
    Shift_JIS, EUC-KR and the like, whose byte sequences are checked by decoding."""
    # Every high byte one character, and two UTF-8 sequences four characters (UTF-8 itself turns
    # each lone high byte into one U+FFFD, so the first test alone would call it single-byte).
    return (len(bytes(range(0x80, 0x100)).decode(encoding, errors="replace")) == 0x80
            and len(b"\xc3\xa9\xd0\xb0".decode(encoding, errors="replace")) == 4)


def decide_charset(body: bytes, content_type: str | None = None,
                   hints: Iterable[str] = ()) -> CharsetChoice:
    """The encoding of ``body`` from the evidence above. ``content_type`` is the HTTP header's
    value (``text/html; charset=windows-1251``) or a bare label; ``hints`` are the site's known
    legacy encodings, tried before a general detection.

    A declared multi-byte encoding that decodes the bytes, when it is the only declared one that
    does, is taken (its byte sequences are the evidence). A single-byte one is not proof by
    itself: charset-normalizer weighs it against the hints and :data:`LEGACY_SINGLE_BYTE`, and a
    declared label is kept whenever its text reads as well as the best (windows-1251 bytes
    under ``iso-8859-1``, KOI8-R bytes under ``windows-1251``: never mojibake)."""
    header = _codec(http_content_type_encoding(content_type) if content_type and "=" in content_type
                    else content_type)
    meta = _codec(html_body_declared_encoding(body))
    bom = read_bom(body)[0]
    if bom:  # codecs that consume the mark, so the text does not start with U+FEFF
        codec = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16",
                 "utf-32-le": "utf-32", "utf-32-be": "utf-32"}.get(_codec(bom) or bom, bom)
        return CharsetChoice(codec, "bom", header, meta)
    if body.isascii():
        return CharsetChoice(header or meta or "utf-8", "ascii", header, meta)
    if _decodes(body, "utf-8"):
        return CharsetChoice("utf-8", "valid utf-8", header, meta)
    if mostly_utf8(body, (header, meta)):
        return CharsetChoice("utf-8", "mostly valid utf-8", header, meta)
    declared = [label for label in dict.fromkeys((header, meta)) if label and label != "utf-8"]
    fitting = [label for label in declared if _decodes(body, label)]
    hinted = [c for c in map(_codec, hints) if c and _decodes(body, c)]
    if len(fitting) == 1 and not single_byte(fitting[0]) and set(hinted) <= set(fitting):
        return CharsetChoice(fitting[0], "declared", header, meta)
    # Only single-byte evidence: weigh it against the common single-byte encodings. No evidence
    # at all: charset-normalizer over every encoding it knows.
    legacy = [c for c in map(_codec, LEGACY_SINGLE_BYTE) if c and _decodes(body, c)] if (
        fitting + hinted and all(map(single_byte, fitting + hinted))) else []
    candidates = list(dict.fromkeys(fitting + hinted + legacy))
    if len(candidates) == 1:
        return CharsetChoice(candidates[0], "declared" if candidates[0] in declared else "fallback", header, meta)
    results = charset_normalizer.from_bytes(body, cp_isolation=candidates or None)
    best = results.best()
    if best is not None:
        # Encodings that give the very same text are one match (could_be_from_charset): each
        # of them reads as well as the match.
        readings = {_codec(name) or name: match.chaos for match in reversed(list(results))
                    for name in match.could_be_from_charset}
        common = [c for c in map(_codec, LEGACY_SINGLE_BYTE) if c]  # windows-1252 before windows-1250
        for preferred, evidence in ((fitting, "declared"), (hinted, "fallback"), (common, "detected")):
            for label in preferred:
                if label in readings and readings[label] <= best.chaos:
                    return CharsetChoice(label, evidence, header, meta)
        encoding = _codec(best.encoding) or best.encoding
        return CharsetChoice(encoding, "declared" if encoding in declared else "detected", header, meta)
    # Nothing reads as a language: a declared label that decodes, a hint, else windows-1252.
    return CharsetChoice((fitting or declared or hinted or ["cp1252"])[0],
                         "declared" if fitting else "fallback", header, meta)


def decode_page(body: bytes, content_type: str | None = None, hints: Iterable[str] = ()) -> tuple[str, CharsetChoice]:
    """The page's text and the choice that decoded it (undecodable bytes become U+FFFD, never
    an error)."""
    choice = decide_charset(body, content_type, hints)
    return body.decode(choice.encoding, errors="replace"), choice
