"""Decides each page's character encoding by evidence before anything reads its text.

Scrapy reads a response with the charset of its HTTP header first, then the page's ``<meta>``
(WHATWG's order). When the header is wrong — UTF-8 pages labelled windows-1251 or gb2312,
windows-1251 pages labelled UTF-8 — that stores mojibake. This middleware weighs header, meta and
bytes (crawler.normalise.charset) and, when the evidence overrules what Scrapy would use, hands on
the same response with the chosen encoding. The raw bytes are unchanged, so the archive keeps
them as served. Every overruling is logged at debug level with the evidence and counted
(``mf/charset/overruled``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import TextResponse, XmlResponse

from crawler.normalise.charset import decide_charset, same_encoding

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class CharsetMiddleware:
    """Sets the encoding of text responses (not XML: its parsers read the bytes and the XML
    declaration) from the evidence; the spider's ``charset_hints`` name its sites' legacy
    encodings."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or isinstance(response, XmlResponse) or not response.body:
            return response
        content_type = response.headers.get("Content-Type")
        hints = getattr(self.crawler.spider, "charset_hints", ())
        choice = decide_charset(response.body, content_type.decode("latin-1") if content_type else None, hints)
        if choice.evidence == "ascii" or same_encoding(choice.encoding, response.encoding):
            return response  # (ASCII reads the same in every encoding a page may declare)
        logger.debug("Charset of %s: %s, not %s as Scrapy would read it", response.url, choice.describe(),
                     response.encoding)
        self.crawler.stats.inc_value("mf/charset/overruled")
        return response.replace(encoding=choice.encoding)
