"""Recognising bot-wall (challenge) pages that sites serve with status 200 (or 403) instead of
content: F5's (mid.ru) and Cloudflare's (a block page, or a JavaScript challenge)."""

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


# Markers of Cloudflare's block page ("Sorry, you have been blocked") and JavaScript challenge
# ("Just a moment..."), as the WAF in front of mofa.go.jp is inferred to be (a pasted
# "…-1752996164-1.0.1.1-…" bot cookie in public scrapers; ../shared/reference/ministries-more.md).
_CLOUDFLARE_MARKERS = (
    "/cdn-cgi/",
    "cf-error-details",
    "Attention Required! | Cloudflare",
    "Sorry, you have been blocked",
    "Just a moment...",
    "cf_chl_opt",
    "challenge-platform",
)


def challenge_markers(text: str) -> int:
    """How many F5 challenge markers the page text carries."""
    return sum(1 for marker in _F5_MARKERS if marker in text)


def is_challenge(text: str) -> bool:
    """True for an F5 challenge page or a Cloudflare block or challenge page (two markers of
    either or more, so an article quoting one stays an article)."""
    if challenge_markers(text) >= 2:
        return True
    head = text[:30_000]
    return sum(1 for marker in _CLOUDFLARE_MARKERS if marker in head) >= 2
