"""Safe, stable file names for tags: whatever a tag says, its slug is ``[a-z0-9-]`` only.

Cyrillic is transliterated so slugs stay readable; a short hash of the exact tag keeps two tags
that read alike ("EU" and "E.U.") apart and makes the slug depend on the tag alone.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "ye", "i", "yi", "g"],
    strict=True,
))
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def tag_slug(tag: str, max_length: int = 60) -> str:
    """``"NATO (North Atlantic Treaty Organization)"`` → ``"nato-north-atlantic-treaty-organization-1a2b3c"``."""
    lowered = "".join(_CYRILLIC.get(char, char) for char in tag.lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode("ascii")
    words = _NOT_SLUG.sub("-", ascii_text).strip("-")[:max_length].strip("-")
    digest = hashlib.sha1(tag.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()[:6]
    return f"{words}-{digest}" if words else f"tag-{digest}"
