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


class ArticlePage:
    """Base of article page objects: built from the page's URL and text; ``matches(url)`` says
    which URLs it reads, ``statement(tags, listing_date)`` reads one (or raises ParseError)."""

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.text = text

    @staticmethod
    def decode(body: bytes, declared_text: str) -> str:
        """The page's text from its bytes; by default what the server and page declare (Scrapy's
        reading, passed in). Sites that declare the wrong charset override this."""
        return declared_text
