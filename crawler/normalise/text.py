"""Plain-text clean-up: XML-safe characters and normalised whitespace."""

from __future__ import annotations

import re

# C0 controls other than tab and newline, DEL, lone surrogates and the two non-characters XML
# forbids. Carriage returns are turned into newlines before this runs.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# XML-illegal characters plus invisible noise that breaks word matching and carries no meaning:
# soft hyphen, zero-width space, word joiner, the BOM (also as a zero-width no-break space) and
# the invisible operators U+2061-U+2064. What clean text drops, in one pass.
#
# Never dropped: U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER. They are letters'
# business, not noise: in Persian, Arabic and Indic scripts they decide whether letters join
# ("می‌کند" is not "میکند"), and U+200D builds emoji sequences (Unicode Standard, ch. 23.2).
_NOISE = "\u00ad\u200b\u2060-\u2064\ufeff"
_DROPPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff" + _NOISE + "]")
_SPACES = re.compile(r"[^\S\n]+")


def xml_safe(text: str) -> str:
    """Drop every character that XML 1.0 cannot carry; CR and CRLF become LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_ILLEGAL.sub("", text)


def clean_inline(text: str) -> str:
    """One line of text: XML-safe, no invisible characters, runs of white space as one space."""
    return " ".join(_DROPPED.sub("", text).split())


def clean_paragraph(text: str) -> str:
    """A paragraph: like :func:`clean_inline`, but line breaks inside it are kept (one each)."""
    text = _DROPPED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if "\n" not in text:
        return " ".join(text.split())
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def join_paragraphs(paragraphs: list[str]) -> str:
    """Paragraphs separated by one blank line, empty ones dropped."""
    return "\n\n".join(p for p in paragraphs if p)
