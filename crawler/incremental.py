"""What an incremental crawl knows before it starts: the archived pages, when each is due for a
re-check, and the validators to ask the server with.

Loaded once from the archive when a spider opens (no I/O in callbacks afterwards).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.normalise.dates import parse_timestamp
from crawler.store import ArchiveMissing, ArchiveURL, open_archive


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

    def __init__(self, rows: Iterable[Iterable[float]]) -> None:
        self.rows = sorted((float(age), float(hours)) for age, hours in rows)
        if not self.rows:
            raise ValueError("MF_RECHECK_SCHEDULE needs at least one (max_age_days, every_hours) row")

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
    """The archive's pages by URL, with the re-check schedule applied at ``now``."""

    def __init__(self, pages: Iterable[KnownPage], schedule: RecheckSchedule, now: datetime,
                 walked: set[tuple[str, str]] | None = None, pending: Iterable[PendingArticle] = ()) -> None:
        self.pages = {page.url: page for page in pages}
        self.schedule = schedule
        self.now = now
        self.walked = walked or set()
        self.pending = list(pending)

    @classmethod
    def load(cls, url: str | Path | ArchiveURL, schedule: RecheckSchedule, spider: str,
             now: datetime | None = None) -> ArchiveIndex:
        """Read the index of an archive for one spider (an absent archive is an empty index)."""
        now = now or datetime.now(UTC)
        try:
            store = open_archive(url, readonly=True)
        except ArchiveMissing:
            return cls([], schedule, now)
        try:
            pages = [
                KnownPage(row["url"], row["id"], parse_timestamp(row["published"]), parse_timestamp(row["fetched_at"]),
                          row["removed_at"] is not None, row["etag"], row["last_modified"])
                for row in store.index_rows()
            ]
            pending = [PendingArticle(row["url"], row["attempts"], json.loads(row["tags"]), row["listing_date"])
                       for row in store.pending(spider)]
            walked = store.listing_walks(spider)
        finally:
            store.close()
        return cls(pages, schedule, now, walked, pending)

    def has_walked(self, language: str, section: str) -> bool:
        """True once a finished crawl has read this listing: only then may an all-known page end
        the walk (a crawl killed half-way leaves older pages unread)."""
        return (language, section) in self.walked

    def pending_retries(self, max_attempts: int) -> list[PendingArticle]:
        """Articles that failed in earlier runs and may be tried again."""
        return [article for article in self.pending if article.attempts < max_attempts]

    def get(self, url: str) -> KnownPage | None:
        return self.pages.get(url)

    def is_known_article(self, url: str) -> bool:
        """An archived statement still present on the site."""
        page = self.pages.get(url)
        return page is not None and page.doc_id is not None and not page.removed

    def is_due(self, url: str) -> bool:
        """A known article whose re-check is due (a removed one is due whenever it is listed)."""
        page = self.pages.get(url)
        if page is None or page.doc_id is None:
            return True
        if page.removed:
            return True
        return self.schedule.is_due(page.published, page.last_checked, self.now)

    def due_rechecks(self, owns: Callable[[str], bool], limit: int) -> list[KnownPage]:
        """Known articles of one spider whose re-check is due, least recently checked first."""
        due = [page for page in self.pages.values()
               if page.doc_id is not None and owns(page.url) and self.is_due(page.url)]
        due.sort(key=lambda page: (page.last_checked or datetime.min.replace(tzinfo=UTC), page.url))
        return due[:limit]
