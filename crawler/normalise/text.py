"""Plain-text clean-up: XML-safe characters and normalised whitespace."""

from __future__ import annotations

import re

# C0 controls other than tab and newline, DEL, the C1 controls U+0080-U+009F other than U+0085 NEXT
# LINE (XML 1.0 allows them but discourages them, and XML 1.1 requires them escaped: no feed reader
# shows them, and in web pages they are almost always bytes of a mislabelled charset), lone
# surrogates and the two non-characters XML forbids. Carriage returns are turned into newlines
# before this runs. NEXT LINE is a line break the publisher wrote (the jsonl-line-separators case):
# HTML keeps it, like U+2028 and U+2029, and every JSON Lines writer escapes all three; in plain
# text it is white space to str.split(), so body_text has a space there.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff"
_XML_ILLEGAL = re.compile(f"[{_CONTROLS}]")
# Controls plus invisible noise that breaks word matching: soft hyphen (a hyphenation hint; the
# word is the same without it), U+200B ZERO WIDTH SPACE, the BOM (also as a zero-width no-break
# space) and the invisible operators U+2061-U+2064 (mathematics only). What clean text drops, in
# one pass. The rule is issue 10's ("only noise (U+200B, BOM, soft hyphen) is removed"): on the
# ministries' pages U+200B is editors' debris inside Latin and Cyrillic words; none of our sources
# publishes Thai, Khmer, Lao or Burmese, where it marks word boundaries — a source in those
# scripts would have to revisit this.
#
# Never dropped: U+2060 WORD JOINER, U+200C ZERO WIDTH NON-JOINER and U+200D ZERO WIDTH JOINER.
# In Persian, Arabic and Indic scripts U+200C and U+200D decide whether letters join ("می‌کند" is
# not "میکند"), U+200D builds emoji sequences, and U+2060 marks where a line may not break.
_NOISE = "\u00ad\u200b\u2061-\u2064\ufeff"
_DROPPED = re.compile(f"[{_CONTROLS}{_NOISE}]")
_SPACES = re.compile(r"[^\S\n]+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(text: str) -> str:
    """``text`` with every lone surrogate (U+D800-U+DFFF: half of a UTF-16 pair, as JSON's
    ``"\\ud83d"`` decodes alone) made U+FFFD REPLACEMENT CHARACTER (Unicode §3.9, "U+FFFD
    substitution"). A Python string holds a surrogate only when it is lone; libxml2 stops reading
    at one, so text must pass here before it is parsed, or all that follows it is lost."""
    if text.isascii():  # (a flag of the string: no scan)
        return text
    try:  # (encoding is a C loop, five times faster than the pattern's scan; almost no text fails)
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


#: What XML 1.0 cannot carry and lxml will not set as text (§2.2): the C0 controls but tab, line
#: feed and carriage return, and the non-characters U+FFFE and U+FFFF; as characters or as numeric
#: character references (``&#11;``, ``&#x0B``, ``&#xFFFE;``: the HTML parser reads them as the
#: characters, HTML §13.2.5.80; a reference needs no ``;`` there).
_C0_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
                          r"|&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45])(?![0-9])"
                          r"|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F]));?")


def without_controls(html: str) -> str:
    """``html`` without the characters XML cannot carry (:data:`_C0_CONTROLS`: C0 controls, as a
    vertical tab Word pastes for a line break, and U+FFFE, U+FFFF), as characters or as
    character references: removed, as :func:`xml_safe` and :func:`clean_inline` remove them from
    text (a control between two words leaves them joined, as they are in the text read from any
    page)."""
    return _C0_CONTROLS.sub("", html)


def utf8_bytes(text: str) -> bytes:
    """``text`` encoded as UTF-8, each lone surrogate (see :func:`replace_lone_surrogates`) as
    U+FFFD. What the HTML parsers are given: libxml2 reads UTF-8 faster than the UCS-2 or UCS-4
    buffer of a ``str`` (bench/extract.py), and the encoding is this call's, never a ``<meta
    charset>`` in the text (the text is decoded already)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return replace_lone_surrogates(text).encode("utf-8")


def xml_safe(text: str) -> str:
    """Drop every character that XML 1.0 cannot carry, and the C1 controls but U+0085 NEXT LINE
    (allowed by XML 1.0 §2.2); CR and CRLF become LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # (every character dropped here is outside str.isprintable, as in clean_inline: printable text
    # but for its line breaks, tabs and no-break spaces, common in Russian text, is given back
    # without the pattern's scan)
    if text.replace("\n", "").replace("\t", "").replace("\xa0", "").isprintable():
        return text
    return _XML_ILLEGAL.sub("", text)


def clean_inline(text: str) -> str:
    """One line of text: XML-safe, no invisible characters, runs of white space as one space."""
    # Printable text (str.isprintable, a C scan) holds none of the characters dropped here (all are
    # in Unicode's categories Cc, Cf, Cs or Cn) and no white space but the ASCII space: most text
    # is clean already, and is given back as it is.
    if text.isprintable():
        if "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text
        return " ".join(text.split())
    if "\xa0" in text and text.replace("\xa0", " ").isprintable():  # (no-break spaces only: no scan)
        return " ".join(text.split())
    return " ".join(_DROPPED.sub("", text).split())


def clean_paragraph(text: str) -> str:
    """A paragraph: like :func:`clean_inline`, but line breaks inside it are kept (one each)."""
    if text.isprintable() or ("\xa0" in text and text.replace("\xa0", " ").isprintable()):
        return clean_inline(text)  # (no line break, no character to drop: as clean_inline reads it)
    text = _DROPPED.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", " "))
    if "\n" not in text:
        return " ".join(text.split())
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def join_paragraphs(paragraphs: list[str]) -> str:
    """Paragraphs separated by one blank line, empty ones dropped."""
    return "\n\n".join(p for p in paragraphs if p)
