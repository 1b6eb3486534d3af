"""Page objects: pure parsing of saved or fetched pages, no I/O, no crawler imports.

Each is built from a URL and the page's text and raises :class:`ParseError` with the URL and a
reason when the page is not what it should be.
"""

from __future__ import annotations


class ParseError(Exception):
    """A page that cannot become an item; ``reason`` is a short slug used in the stats."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        self.detail = detail
        super().__init__(f"{url}: {reason}" + (f" ({detail})" if detail else ""))
