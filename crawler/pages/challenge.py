"""Recognising bot-wall (challenge) pages that sites serve with status 200 instead of content."""

from __future__ import annotations

# Markers of the F5 (TSPD) challenge mid.ru serves: script URLs under /TSPD/, the bobcmn
# variable, and its visible texts. Two are needed, so an article quoting one stays an article.
# Plain substring tests: this runs on every response the downloader sees.
_F5_MARKERS = (
    "/TSPD/",
    "bobcmn",
    "Please enable JavaScript",
    "Data processing... Please, wait",
)


def challenge_markers(text: str) -> int:
    """How many F5 challenge markers the page text carries."""
    return sum(1 for marker in _F5_MARKERS if marker in text)


def is_challenge(text: str) -> bool:
    """True for an F5 challenge page (two markers or more)."""
    return challenge_markers(text) >= 2
