"""What the two mid.ru sites share: their legacy charset, interview titles, class tests."""

from __future__ import annotations

import re

#: The legacy encoding both sites have served pages in (besides the UTF-8 most pages are in).
CHARSET_HINTS = ("cp1251",)
# Speech-section titles that are interviews rather than speeches.
INTERVIEW = re.compile(r"^(interview|интервью)\b|\binterview (with|to|given)\b|\bинтервью\b", re.I)


def has_class(name: str) -> str:
    """XPath test for one class among several."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def speech_type(section_type: str, title: str) -> str:
    """The section's type; interviews published among speeches are interviews."""
    return "interview" if section_type == "speech" and INTERVIEW.search(title) else section_type
