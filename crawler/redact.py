"""Passwords never reach a log line: every password the process learns (from an archive URL) is
registered here, and every log record's message is scrubbed of them before any handler sees it.

The scrubbing is a :func:`logging.setLogRecordFactory` wrapper, so it covers records of every
logger, Scrapy's "Overridden settings" dump included; :class:`HideArchivePassword` registers the
archive URL's password when a crawler is built, before Scrapy logs its settings.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

MASK = "***"
_secrets: set[str] = set()
_installed = False


def register_secret(secret: str | None) -> None:
    """Hide ``secret`` (and its percent-encoded form is the caller's to register) from now on."""
    global _installed
    if not secret:
        return
    _secrets.add(secret)
    if not _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            message = record.getMessage()
            scrubbed = scrub(message)
            if scrubbed != message:
                record.msg, record.args = scrubbed, None
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class HideArchivePassword:
    """A Scrapy extension that only reads the archive URL, so that its password is registered
    before Scrapy logs the overridden settings; it then steps aside."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HideArchivePassword:
        from crawler.store.url import ArchiveURLError, archive_url

        with contextlib.suppress(ArchiveURLError):  # reported by whoever opens the archive
            archive_url(crawler.settings)  # parsing registers the password
        raise NotConfigured
