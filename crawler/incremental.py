"""What an incremental crawl knows of the archive: the archived pages, when each is due for a
re-check, and the validators to ask the server with.

What a run needs whole (the listings a finished crawl has read, the articles pending a retry, the
re-checks due) is read when the spider opens. Single pages are looked up by URL when a listing
names them, an indexed read of the local archive (tens of microseconds), with the last
:data:`LOOKUPS_KEPT` answers kept: the index does not grow with the archive, so neither does a
crawl's memory, however many spiders one `scrapy update` runs.

An archive that cannot be read (unreachable, corrupt) is no empty archive: crawling on would
fetch everything again and keep nothing. A read that fails raises
:class:`~crawler.events.ArchiveFailed`, which closes the crawl (``error`` keeps why); an archive
that cannot be opened at all gives an index whose :meth:`ArchiveIndex.check` raises it.
"""

from __future__ import annotations

import heapq
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from crawler.events import ArchiveFailed
from crawler.normalise.dates import parse_timestamp
from crawler.store import ArchiveError, ArchiveMissing, ArchiveStore, ArchiveURL, open_archive

_T = TypeVar("_T")
#: How many of a feed's last documents are tried for what it listed (:meth:`ArchiveIndex.last_feeds`):
#: the newest may have been cut short, and a run after a few such still finds the last whole one.
FEED_COPIES = 5

#: How far back the language versions archived statements link are looked for unread
#: (:meth:`ArchiveIndex.unfetched_links`), in days.
LINKS_DAYS = 30


class RecheckSchedule:
    """How often a known article is fetched again for edits and removals, by its age.

    Built from ``MF_RECHECK_SCHEDULE``: ``[(max_age_days, every_hours), …]`` in increasing age;
    articles older than the last row use its interval.
    """

    @classmethod
    def from_setting(cls, value: object) -> RecheckSchedule:
        """From the setting's value: a list of pairs, or the same as JSON (``-s`` on the command line)."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"MF_RECHECK_SCHEDULE is not JSON: {error}") from None
        return cls(value)  # type: ignore[arg-type]

    #: The largest age or interval a row may give (days or hours): about 114,000 years, within
    #: what a :class:`~datetime.timedelta` holds ("never" is written as a large number).
    LIMIT = 1e9

    def __init__(self, rows: Iterable[Iterable[float]]) -> None:
        self.rows = sorted((float(age), float(hours)) for age, hours in rows)
        if not self.rows:
            raise ValueError("MF_RECHECK_SCHEDULE needs at least one (max_age_days, every_hours) row")
        for row in self.rows:
            if not all(0 <= value <= self.LIMIT for value in row):  # (False for NaN too)
                raise ValueError(f"MF_RECHECK_SCHEDULE: {list(row)}: days and hours must be numbers from 0 to "
                                 f"{self.LIMIT:.0e}")

    def interval(self, age: timedelta) -> timedelta:
        """How long a page of this age may go unchecked."""
        days = age.total_seconds() / 86400
        for max_age, hours in self.rows:
            if days <= max_age:
                return timedelta(hours=hours)
        return timedelta(hours=self.rows[-1][1])

    def is_due(self, published: datetime | None, last_checked: datetime | None, now: datetime) -> bool:
        """True when the page has not been fetched for longer than its interval."""
        if last_checked is None:
            return True
        age = now - published if published else timedelta(days=36500)
        return now - last_checked >= self.interval(age)


#: Page lookups answered from memory (a listing page's entries are each asked about a few times).
LOOKUPS_KEPT = 256


@dataclass(frozen=True)
class KnownPage:
    """An archived page, as an incremental crawl sees it."""

    url: str
    doc_id: str | None
    published: datetime | None
    last_checked: datetime | None
    removed: bool
    etag: str | None
    last_modified: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> KnownPage:
        """From a row of :meth:`ArchiveStore.known_page` or :meth:`ArchiveStore.archived_pages`."""
        return cls(row["url"], row["id"], parse_timestamp(row["published"]), parse_timestamp(row["fetched_at"]),
                   row["removed_at"] is not None, row["etag"], row["last_modified"])

    def conditional_headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from what the server gave last time."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class PendingArticle:
    """An article that failed in an earlier run."""

    url: str
    attempts: int
    tags: list[str]
    listing_date: str | None


class ArchiveIndex:
    """The archive's pages by URL, with the re-check schedule applied at ``now``.

    ``store`` is None for an archive that does not exist yet (every page is then unknown). Call
    :meth:`close` when the crawl ends.
    """

    def __init__(self, store: ArchiveStore | None, schedule: RecheckSchedule, now: datetime,
                 walked: set[tuple[str, str]] | None = None, pending: Iterable[PendingArticle] = ()) -> None:
        self.store = store
        self.schedule = schedule
        self.now = now
        self.walked = walked or set()
        self.pending = list(pending)
        self._kept: OrderedDict[str, KnownPage | None] = OrderedDict()
        #: Why the archive could not be read, once it could not.
        self.error: ArchiveError | None = None

    @classmethod
    def load(cls, url: str | Path | ArchiveURL, schedule: RecheckSchedule, spider: str,
             now: datetime | None = None) -> ArchiveIndex:
        """Open the index of an archive for one spider, read-only (an absent archive is an empty
        index)."""
        now = now or datetime.now(UTC)
        store = None
        try:
            store = open_archive(url, readonly=True)
            pending = [PendingArticle(row["url"], row["attempts"], json.loads(row["tags"]), row["listing_date"])
                       for row in store.pending(spider)]
            return cls(store, schedule, now, store.listing_walks(spider), pending)
        except ArchiveMissing:
            return cls(None, schedule, now)
        except ArchiveError as error:
            if store is not None:
                store.close()
            index = cls(None, schedule, now)
            index.error = error
            return index

    def check(self) -> None:
        """Raise :class:`~crawler.events.ArchiveFailed` when the archive could not be read."""
        if self.error is not None:
            raise ArchiveFailed(self.error)

    def _failed(self, error: ArchiveError) -> ArchiveFailed:
        self.error = self.error or error
        return ArchiveFailed(error)

    def close(self) -> None:
        """Close the archive connection (lookups afterwards find nothing)."""
        if self.store is not None:
            self.store.close()
            self.store = None
        self._kept.clear()

    def has_walked(self, language: str, section: str) -> bool:
        """True once a finished crawl has read this listing: only then may an all-known page end
        the walk (a crawl killed half-way leaves older pages unread)."""
        return (language, section) in self.walked

    def pending_retries(self, max_attempts: int) -> list[PendingArticle]:
        """Articles that failed in earlier runs and may be tried again."""
        return [article for article in self.pending if article.attempts < max_attempts]

    def get(self, url: str) -> KnownPage | None:
        """The archived page at ``url``, or None."""
        if url in self._kept:
            self._kept.move_to_end(url)
            return self._kept[url]
        if self.store is None:
            self.check()
            return None
        try:
            row = self.store.known_page(url)
        except ArchiveError as error:
            raise self._failed(error) from None
        page = KnownPage.from_row(row) if row is not None else None
        self._kept[url] = page
        if len(self._kept) > LOOKUPS_KEPT:
            self._kept.popitem(last=False)
        return page

    def archived_date(self, url: str) -> str | None:
        """The date string the archived statement at ``url`` was dated from (its ``published_raw``),
        or None (none archived, or dated from its document number)."""
        return self._asked(lambda store: store.archived_date(url))

    def last_feeds(self, url: str, limit: int = FEED_COPIES) -> list[dict[str, Any]]:
        """The newest documents of the feed at ``url`` the archive keeps, newest first (``body``,
        ``headers``, as :meth:`ArchiveStore.last_feeds` gives them), ``limit`` at most."""
        return self._asked(lambda store: store.last_feeds(url, limit)) or []

    def _asked(self, ask: Callable[[ArchiveStore], _T | None]) -> _T | None:
        """``ask(store)`` of the archive, None without one (a missing archive is checked, as
        :meth:`get` checks it); a failed read raises the crawl's ArchiveFailed."""
        if self.store is None:
            self.check()
            return None
        try:
            return ask(self.store)
        except ArchiveError as error:
            raise self._failed(error) from None

    def is_known_article(self, url: str) -> bool:
        """An archived statement still present on the site."""
        page = self.get(url)
        return page is not None and page.doc_id is not None and not page.removed

    def is_due(self, url: str) -> bool:
        """A known article whose re-check is due (a removed one is due whenever it is listed)."""
        return self._page_is_due(self.get(url))

    def _page_is_due(self, page: KnownPage | None) -> bool:
        if page is None or page.doc_id is None or page.removed:
            return True
        return self.schedule.is_due(page.published, page.last_checked, self.now)

    def due_rechecks(self, source: str, owns: Callable[[str], bool], limit: int) -> list[KnownPage]:
        """Known articles of one spider whose re-check is due, least recently checked first: one
        streaming pass over the archive, keeping ``limit`` pages at most. A spider's articles are
        the statements of its ``source`` (ids ``source:…``) at URLs it ``owns``: never another
        source's, whatever its URLs look like, nor those of another spider of the same source."""
        self.check()
        if self.store is None or limit <= 0:
            return []
        prefix = f"{source}:"
        due = (page for page in map(KnownPage.from_row, self.store.archived_pages())
               if page.doc_id is not None and page.doc_id.startswith(prefix) and owns(page.url)
               and self._page_is_due(page))
        try:
            return heapq.nsmallest(limit, due, key=lambda page: (
                page.last_checked or datetime.min.replace(tzinfo=UTC), page.url))
        except ArchiveError as error:
            raise self._failed(error) from None

    def unfetched_links(self, source: str, chosen: Callable[[dict[str, str]], Iterable[str]]) -> list[str]:
        """The statement URLs the source's archived statements link as their language versions
        (those ``chosen`` picks of each statement's ``translations``) that were never read: no
        statement archived there, no failed fetch pending (the pending list retries those). A
        crawl interrupted between an article and its translations leaves these; an unchanged
        article is not fetched again, so its links are found here. Only statements archived or
        fetched in the last :data:`LINKS_DAYS` days are looked at (the run after an interrupted
        one is due within hours; a run does not read the whole archive's texts)."""
        self.check()
        if self.store is None:
            return []
        since = (self.now - timedelta(days=LINKS_DAYS)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            links = [url for translations in self.store.linked_versions(source, since)
                     for url in chosen(translations)]
            return self.store.unfetched(links)
        except ArchiveError as error:
            raise self._failed(error) from None
