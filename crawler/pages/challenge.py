"""Recognising bot-wall (challenge) pages that sites serve with status 200 instead of content."""

from __future__ import annotations

import re

# Markers of the F5 (TSPD) challenge mid.ru serves: script URLs under /TSPD/, the bobcmn
# variable, and its visible texts. Two markers are needed, so an article quoting one stays safe.
_F5_MARKERS = (
    re.compile(r"""["']/TSPD/""", re.I),
    re.compile(r"""window\[["']bobcmn["']\]"""),
    re.compile(r"Please enable JavaScript", re.I),
    re.compile(r"Data processing\.\.\. Please, wait", re.I),
)


def challenge_markers(text: str) -> int:
    """How many F5 challenge markers the page text carries."""
    head = text[:200_000]
    return sum(1 for marker in _F5_MARKERS if marker.search(head))


def is_challenge(text: str) -> bool:
    """True for an F5 challenge page (two markers or more)."""
    return challenge_markers(text) >= 2
