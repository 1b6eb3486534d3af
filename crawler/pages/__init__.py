"""Page objects: pure parsing of saved or fetched pages, no I/O, no crawler imports.

Each is built from a URL and the page's text and raises :class:`ParseError` with the URL and a
reason when the page is not what it should be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar

from crawler import __version__
from crawler.normalise.charset import decode_page

if TYPE_CHECKING:
    from collections.abc import Callable

    from crawler.items import PageStatement


def extractor_name(page_class: type) -> str:
    """What a page object is called in a statement's provenance: the release and the class,
    ``ministry-feeds 0.1.0 crawler.pages.mid.MidArticlePage``."""
    return f"ministry-feeds {__version__} {page_class.__module__}.{page_class.__qualname__}"


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

    #: Legacy encodings the site has served pages in, tried when the declared ones do not fit.
    charset_hints: ClassVar[tuple[str, ...]] = ()
    #: Whether it reads HTML pages (False for an API's JSON): an HTML document cut short is then a
    #: ParseError ``truncated_page`` before it is read.
    reads_html: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every statement a page object reads says which one read it (``extractor``), a page
        with control characters lxml will not move is read again without them
        (crawler.pages.cleanup.read_without_controls), and an HTML document cut short is a
        ParseError ``truncated_page`` (crawler.pages.cleanup.cut_short), never the start of a
        statement: its ``statement()`` is wrapped once, where the class defines it."""
        super().__init_subclass__(**kwargs)
        if "statement" in cls.__dict__:
            cls.statement = _stamped(cls.__dict__["statement"], extractor_name(cls))  # type: ignore[method-assign]

    def __init__(self, url: str, text: str) -> None:
        self.url = url
        self.text = text

    @classmethod
    def decode(cls, body: bytes, content_type: str | None = None) -> str:
        """The page's text from its raw bytes, the charset decided by evidence (the HTTP header's
        ``content_type`` as served, the page's meta, the bytes; crawler.normalise.charset)."""
        return decode_page(body, content_type, cls.charset_hints)[0]


def _stamped(read: Callable[..., PageStatement], extractor: str) -> Callable[..., PageStatement]:
    from crawler.pages.cleanup import cut_short, read_without_controls  # (cleanup imports this module)

    @wraps(read)
    def statement(self: ArticlePage, *args: Any, **kwargs: Any) -> PageStatement:
        if self.reads_html and cut_short(self.text):
            raise ParseError(self.url, "truncated_page", "an HTML document with no </body> or </html>: cut short")
        found = read_without_controls(lambda: read(self, *args, **kwargs))
        found.extractor = extractor
        return found

    return statement


@dataclass
class ListingEntry:
    """One document as a listing (a listing page, a feed, an API answer) names it, for the spider."""

    url: str
    """The document's page, absolute."""
    title: str
    """Its title as listed."""
    date_raw: str | None = None
    """Its date as listed (completed where the listing prints it without a year, from what the
    listing page says of its month), else None."""
    tags: list[str] = field(default_factory=list)
    """Tags the listing gives it."""
    statement: PageStatement | None = None
    """The whole statement, when the listing carries its text (then nothing is fetched)."""
