"""Re-extraction: today's page objects, normaliser and validation run over the raw pages the
archive already holds, with no network (``scrapy reextract``).

What is read again, for each source:

- every archived statement, from the raw page its latest version was read from (a statement
  whose version names none: the newest page fetched from its URL). Read differently, it gets a
  new version whose ``origin`` is ``reextract``: not an edit on the site, so its ``updated``
  (and its Atom entry's) stays; read the same, nothing changes;
- statements that came whole from a feed (the US State Department's and the Federal Foreign
  Office's feeds carry the text): from the newest feed document kept that still carries them;
  one that no kept feed document carries is skipped ("from feed, no feed document kept");
- pending pages (fetched, but they did not parse, normalise or validate), from their newest
  raw page: one that now reads becomes a statement and leaves ``pending``; one that still
  does not stays pending, as it was.

A page is read as a crawl read it: with the tags and the date the listing gave (a pending
record keeps them; for an archived statement, its tags and its ``published_raw`` stand in,
used only where the page lacks its own), and as fetched from its archived URL, under the
statement's id (ids never change). The comparison is with the latest version, on everything
read from the page but the fetch time and the language links (links newly found are added in
place, as a crawl adds them); so a second run changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from crawler.normalise.statement import NormaliseError, mint_id, normalise, now_utc
from crawler.pages import ParseError
from crawler.pages.registry import FEED_PAGES, read_saved_feed, read_saved_page
from crawler.pipelines.validate import validation_errors
from crawler.sources import SOURCES
from crawler.store import ArchiveDamaged, Selection
from crawler.store.records import Reading

if TYPE_CHECKING:
    from collections.abc import Iterator

    from crawler.items import PageStatement
    from crawler.store import ArchiveStore

logger = logging.getLogger(__name__)

#: The store's outcomes (ArchiveWriter.write_reextracted) as counted: language links added in
#: place are a change of the archive too.
_COUNTED_AS = {"recovered": "recovered", "changed": "changed", "linked": "changed", "unchanged": "unchanged"}
NO_RAW_PAGE = "no raw page kept"
FROM_FEED = "from feed, no feed document kept"
NOTHING_FETCHED = "pending, nothing fetched"
#: The reason of a page whose raw page or fetch the archive holds damaged (crawler.store.ArchiveDamaged).
DAMAGED = "damaged_raw_page"


class Unreadable(ValueError):
    """A raw page that gives no statement; ``reason`` as a crawl records it in ``pending``
    (``unparsed: missing_title``, ``unnormalisable: unreadable_date``, ``invalid: published``)."""

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}" + (f" ({detail})" if detail else ""))


@dataclass
class Tally:
    """What re-extraction did to one source's statements and pending pages."""

    recovered: int = 0
    """Pending pages that became statements."""
    changed: int = 0
    """Statements read differently: a new version (or language links added)."""
    unchanged: int = 0
    """Statements read as archived."""
    failed: Counter[str] = field(default_factory=Counter)
    """Pages that give no statement, by reason (pending pages that still do not read among them)."""
    failed_archived: int = 0
    """Of ``failed``: statements archived before whose page today's page objects cannot read."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Statements and pending pages with nothing to read again, by reason."""

    def line(self, source: str) -> str:
        """``mid: 1 recovered, 2 changed, 30 unchanged, 0 failed, 1 skipped (no raw page kept ×1)``."""
        failed, skipped = sum(self.failed.values()), sum(self.skipped.values())
        text = (f"{source}: {self.recovered} recovered, {self.changed} changed, {self.unchanged} unchanged, "
                f"{failed} failed")
        if failed:
            text += " (" + ", ".join(f"{reason} ×{n}" for reason, n in sorted(self.failed.items())) + ")"
        text += f", {skipped} skipped"
        if skipped:
            text += " (" + ", ".join(f"{reason} ×{n}" for reason, n in sorted(self.skipped.items())) + ")"
        return text

    def add(self, other: Tally) -> None:
        self.recovered += other.recovered
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.failed.update(other.failed)
        self.failed_archived += other.failed_archived
        self.skipped.update(other.skipped)


def as_statement(page: PageStatement, fetched_at: str) -> dict[str, Any]:
    """A page object's reading normalised and validated as a crawl does it (the normalise and
    validate pipelines' rules), fetched at ``fetched_at``; Unreadable when it cannot be stored."""
    page.fetched_at = fetched_at
    try:
        item = normalise(page).to_dict()
    except NormaliseError as error:
        raise Unreadable(page.url, f"unnormalisable: {error.reason}", error.detail) from None
    errors = validation_errors(item)
    if errors:
        field_name = errors[0].split(":", 1)[0].split("/", 1)[0].strip("()")
        raise Unreadable(page.url, f"invalid: {field_name}", "; ".join(errors[:3]))
    return item


class Reextraction:
    """One run over an archive, source by source; its statements written in transactions of
    ``batch`` readings."""

    def __init__(self, store: ArchiveStore, *, since: date | None = None, batch: int = 100,
                 extracted_at: str | None = None) -> None:
        self.store = store
        self.since = since
        self.batch = batch
        self.extracted_at = extracted_at or now_utc()

    def run(self, sources: list[str]) -> dict[str, Tally]:
        """Every source named, in turn; its tally (sources with nothing archived left out)."""
        tallies = {}
        for source in sources:
            tally = Tally()
            self._statements(source, tally)
            self._pending(source, tally)
            if tally.recovered or tally.changed or tally.unchanged or tally.failed or tally.skipped:
                tallies[source] = tally
        return tallies

    # --- archived statements ---------------------------------------------------------------------
    def _statements(self, source: str, tally: Tally) -> None:
        selection = Selection(source=source, since=self.since, include_removed=True, include_repeats=True)
        from_feeds: dict[str, dict[str, Any]] = {}
        after = ""
        while pages := self.store.latest_raw_pages(selection, after=after, limit=self.batch):
            after = pages[-1]["id"]
            readings = []
            for page in pages:
                try:
                    capture = self.store.capture(page["raw_sha256"], url=page["url"]) if page["raw_sha256"] \
                        else self.store.capture(url=page["url"])
                except ArchiveDamaged as error:  # (that page is lost; the others are read)
                    self._failed(Unreadable(page["url"], DAMAGED, error.reason), tally, archived=True)
                    continue
                if source in FEED_PAGES and (capture is None or capture["kind"] == "feed"):
                    from_feeds[page["id"]] = page  # an item of a feed document: read with the others
                elif capture is None:
                    tally.skipped[NO_RAW_PAGE] += 1
                else:
                    reading = self._read_article(page, capture, tally)
                    if reading is not None:
                        readings.append(reading)
            self._write(readings, tally)
        if from_feeds:
            self._from_feeds(source, from_feeds, tally)

    def _read_article(self, page: dict[str, Any], capture: dict[str, Any], tally: Tally) -> Reading | None:
        try:
            try:
                found = read_saved_page(page["url"], capture["body"], capture["headers"].get("Content-Type"),
                                        tags=list(page["tags"]), listing_date=page["published_raw"],
                                        site=page["site"])
            except ParseError as error:
                raise Unreadable(page["url"], f"unparsed: {error.reason}", error.detail) from None
            item = as_statement(found, capture["fetched_at"])
        except Unreadable as error:
            self._failed(error, tally, archived=True)
            return None
        return Reading({**item, "id": page["id"], "url": page["url"]}, capture["raw_sha256"])

    def _from_feeds(self, source: str, wanted: dict[str, dict[str, Any]], tally: Tally) -> None:
        """Statements that came whole from a feed, read again from the feed document their latest
        version was read from (when the archive says which), else from the newest feed document
        kept that carries them."""
        for document in self._feed_documents(wanted):
            readings = []
            for found in self._feed_statements(source, document):
                page = wanted.get(_minted_id(found))
                if page is None:
                    continue
                del wanted[page["id"]]
                found.url = page["url"]  # as the spider moved it onto the host it crawled
                found.tags = found.tags + [tag for tag in page["tags"] if tag not in found.tags]
                found.fallback_published_raw = page["published_raw"]
                try:
                    item = as_statement(found, document["fetched_at"])
                except Unreadable as error:
                    self._failed(error, tally, archived=True)
                    continue
                readings.append(Reading({**item, "id": page["id"]}, document["raw_sha256"]))
            self._write(readings, tally)
            if not wanted:
                return
        tally.skipped[FROM_FEED] += len(wanted)

    def _feed_documents(self, wanted: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The feed documents the wanted statements' versions name, then every one kept, newest
        first; each once."""
        named = dict.fromkeys(page["raw_sha256"] for page in wanted.values() if page["raw_sha256"])
        seen = set()
        for raw_sha256 in named:
            try:
                capture = self.store.capture(raw_sha256)
            except ArchiveDamaged as error:
                logger.warning("Feed document not read: %s", error)
                continue
            if capture is not None:
                seen.add(raw_sha256)
                yield {"url": capture["url"], "raw_sha256": raw_sha256, "fetched_at": capture["fetched_at"]}
        for document in self.store.feed_captures():
            if document["raw_sha256"] not in seen:
                yield document

    def _feed_statements(self, source: str, document: dict[str, Any]) -> list[PageStatement]:
        try:
            body = self.store.raw_page(document["raw_sha256"])
        except ArchiveDamaged as error:
            logger.warning("Feed document %s (fetched %s) not read: %s", document["url"], document["fetched_at"],
                           error.reason)
            return []
        if body is None:
            return []
        try:
            return read_saved_feed(source, document["url"], body)
        except ParseError as error:
            logger.warning("Feed document %s (fetched %s) not read: %s", document["url"], document["fetched_at"],
                           error)
            return []

    # --- pending pages -----------------------------------------------------------------------------
    def _pending(self, source: str, tally: Tally) -> None:
        readings: list[Reading] = []
        for record in self._pending_records(source):
            try:
                capture = self.store.capture(url=record["url"])
            except ArchiveDamaged as error:
                self._failed(Unreadable(record["url"], DAMAGED, error.reason), tally, archived=False)
                continue
            if capture is None:  # the fetch itself failed: only a crawl can try it again
                tally.skipped[NOTHING_FETCHED] += 1
                continue
            try:
                try:
                    found = read_saved_page(record["url"], capture["body"], capture["headers"].get("Content-Type"),
                                            tags=list(record["tags"]), listing_date=record["listing_date"],
                                            spider=record["spider"])
                except ParseError as error:
                    raise Unreadable(record["url"], f"unparsed: {error.reason}", error.detail) from None
                item = as_statement(found, capture["fetched_at"])
            except Unreadable as error:
                self._failed(error, tally, archived=False)
                continue
            readings.append(Reading(item, capture["raw_sha256"], pending_url=record["url"]))
            if len(readings) >= self.batch:
                self._write(readings, tally)
                readings = []
        self._write(readings, tally)

    def _pending_records(self, source: str) -> Iterator[dict[str, Any]]:
        """The source's pending pages (last fetched on or after ``since``, when given)."""
        for spider in SOURCES[source].spiders:
            for record in self.store.pending(spider):
                if self.since is not None and record["last_failed"][:10] < self.since.isoformat():
                    continue
                yield {**record, "tags": json.loads(record["tags"]) if isinstance(record["tags"], str)
                       else record["tags"]}

    # --- both ------------------------------------------------------------------------------------------
    def _failed(self, error: Unreadable, tally: Tally, *, archived: bool) -> None:
        tally.failed[error.reason] += 1
        if archived:
            tally.failed_archived += 1
            logger.error("Archived statement not read again: %s; its archived versions stay", error)
        else:
            logger.info("Pending page still not read: %s", error)

    def _write(self, readings: list[Reading], tally: Tally) -> None:
        if not readings:
            return
        for outcome in self.store.write_reextracted(readings, self.extracted_at):
            if outcome in _COUNTED_AS:
                setattr(tally, _COUNTED_AS[outcome], getattr(tally, _COUNTED_AS[outcome]) + 1)
            else:
                tally.failed["rejected by the archive"] += 1


def _minted_id(page: PageStatement) -> str:
    return mint_id(page.source, page.language, page.site_id, page.site)
