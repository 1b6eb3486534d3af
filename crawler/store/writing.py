"""Writing the archive: statements and their versions, raw pages, events, validators, health.

Nothing is ever deleted: an edited statement gets a new version beside the old ones, a removed
one is marked ``removed_at``. Raw pages are kept compressed and de-duplicated by their SHA-256,
so extraction can be re-run without re-crawling (:meth:`ArchiveWriter.write_reextracted`). Every
version records its provenance (:class:`~crawler.store.records.Provenance`): the extractor that
read it, and whether a crawl or a re-extraction did. Every write runs in a write transaction (see
:meth:`crawler.store.backend.Connection.write`); each one that changes what publishers show
takes the next number of the archive's change sequence.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crawler.items import FetchFailed, ListingWalked, PageEvent
from crawler.normalise.slugs import tag_slug
from crawler.store.backend import ArchiveError
from crawler.store.records import Capture, Provenance, Reading, Validators, content_hash, published_utc
from crawler.store.schema import TABLES

if TYPE_CHECKING:
    from crawler.store.backend import Connection

logger = logging.getLogger(__name__)
DOCUMENT_COLUMNS = TABLES["documents"][0]
VERSION_COLUMNS = TABLES["versions"][0]
#: What a re-extraction compares with the stored version: everything read from the page but the
#: fetch time, the language links (merged, as crawls merge them) and the extractor's name.
_NOT_COMPARED = frozenset({"fetched_at", "translations", "extractor"})


def _crawled(item: dict[str, Any]) -> tuple[dict[str, Any], Provenance]:
    """A crawled statement without its extractor (kept in its own column), and its provenance:
    read when it was fetched."""
    item = dict(item)
    return item, Provenance(item.pop("extractor", None), "crawl", item["fetched_at"])


def _as_read(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _NOT_COMPARED}


class ArchiveWriter:
    """The writing half of :class:`crawler.store.ArchiveStore`."""

    db: Connection
    _seq: int | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: committed at the end, rolled back on any exception. Raises
        ArchiveError on an archive opened read-only."""
        if self.db.readonly:
            raise ArchiveError(f"{self.db.location()}: opened read-only, nothing can be written",
                               location=self.db.location())
        self._seq = None
        try:
            with self.db.write():
                yield
        finally:
            self._seq = None

    def check_writable(self) -> None:
        """Raise :class:`ArchiveError` unless a write can be committed now (the file, its folder,
        the disk and the server all allow it): one write transaction rewriting a row as it is."""
        with self.transaction():
            self.db.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")

    def write_batch(self, captures: Iterable[Capture],
                    items: Iterable[dict[str, Any] | PageEvent | FetchFailed | ListingWalked],
                    raw_for_url: dict[str, str] | None = None,
                    validators: Iterable[Validators] = ()) -> list[str]:
        """Store raw pages, statements and events in one transaction; returns each item's outcome:
        ``new``, ``updated``, ``unchanged``, ``restored`` or ``rejected`` for statements; for page
        events ``unchanged`` (304), ``removed``, ``still_removed`` or ``unknown``; ``pending`` for
        failed fetches; ``walked`` for listings read."""
        outcomes: list[str] = []
        raw_for_url = dict(raw_for_url or {})
        with self.transaction():
            for capture in captures:
                raw_for_url[capture.url] = self._put_capture(capture)
            for validator in validators:
                self.db.execute(
                    "INSERT INTO validators (url, etag, last_modified, seen_at) VALUES (?,?,?,?)"
                    " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                    " last_modified = excluded.last_modified, seen_at = excluded.seen_at",
                    (validator.url, validator.etag, validator.last_modified, validator.seen_at))
            for item in items:
                if isinstance(item, PageEvent):
                    outcomes.append(self._event(item))
                elif isinstance(item, FetchFailed):
                    outcomes.append(self._pending(item))
                elif isinstance(item, ListingWalked):
                    self.db.execute(
                        "INSERT INTO listing_walks (spider, language, section, completed_at) VALUES (?,?,?,?)"
                        " ON CONFLICT (spider, language, section) DO UPDATE SET completed_at = excluded.completed_at",
                        (item.spider, item.language, item.section, item.completed_at))
                    outcomes.append("walked")
                else:
                    outcomes.append(self._put_statement(item, raw_for_url.get(item.get("url"))))
        return outcomes

    def load_statements(self, items: Iterable[dict[str, Any]], chunk: int = 5000) -> int:
        """Bulk-load statements new to the archive (generated archives of benchmarks, imports) in
        one transaction and returns how many: each becomes a document with its first version and
        its tags, all under one change sequence number. Unlike :meth:`write_batch` it links no
        translations and looks for no repeats; an id already archived fails the whole load."""
        loaded = 0
        with self.transaction():
            seq = self._change()
            documents: list[tuple] = []
            versions: list[tuple] = []
            tags: list[tuple] = []

            def flush() -> None:
                self.db.bulk_insert("documents", DOCUMENT_COLUMNS, documents)
                self.db.bulk_insert("versions", VERSION_COLUMNS, versions)
                self.db.bulk_insert("document_tags", ("doc_id", "tag", "slug"), tags)
                documents.clear()
                versions.clear()
                tags.clear()

            for item in items:
                item, made = _crawled(item)
                digest, encoded = content_hash(item), json.dumps(item, ensure_ascii=False)
                documents.append((item["id"], item["source"], item["language"], item["site_id"], item["url"],
                                  item["type"], item["published"], item["doc_number"], 1, digest, item["fetched_at"],
                                  item["published"], item["fetched_at"], None, None, seq, encoded,
                                  item.get("site"), made.extractor, made.origin, made.extracted_at,
                                  published_utc(item["published"])))
                versions.append((item["id"], 1, digest, item["fetched_at"], None, encoded, made.extractor,
                                 made.origin, made.extracted_at))
                tags.extend((item["id"], tag, tag_slug(tag)) for tag in dict.fromkeys(item.get("tags", [])))
                loaded += 1
                if len(documents) >= chunk:
                    flush()
            flush()
            self.db.bulk_loaded()
        return loaded

    def record_run(self, name: str, ok: bool, when: str, error: str | None = None) -> None:
        """Keep a crawl target's health: last run, last success, consecutive failures."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO health (name, last_run, last_success, consecutive_failures, last_error)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run,"
                " last_success = COALESCE(excluded.last_success, health.last_success),"
                " consecutive_failures = CASE WHEN ? THEN 0 ELSE health.consecutive_failures + 1 END,"
                " last_error = excluded.last_error",
                (name, when, when if ok else None, 0 if ok else 1, error, ok),
            )

    # --- one item each ---------------------------------------------------------------------------
    def _put_statement(self, item: dict[str, Any], raw_sha256: str | None) -> str:
        """One statement in its own savepoint: a statement the database refuses is logged and
        left out, and the rest of the batch is kept."""
        seq = self._seq
        try:
            with self.db.savepoint("statement"):
                outcome = self._upsert(item, raw_sha256)
                self.db.execute("DELETE FROM pending WHERE url = ?", (item["url"],))
        except (*self.db.errors, KeyError, TypeError, ValueError) as error:
            self._seq = seq  # a sequence number taken inside the savepoint was undone with it
            logger.error("Statement %s not archived: %s", item.get("url") or item.get("id"), error)
            return "rejected"
        return outcome

    def _pending(self, failed: FetchFailed) -> str:
        """Remember a failed article for the next runs, a new one or an archived statement's failed
        re-check alike (the next runs try it again; a re-check's next reading is compared with the
        archived version as any re-check is). A statement that is read, found unchanged (304) or
        gone leaves the list. The page's validators are forgotten: they may be the failed page's
        own, and a re-check asking with them would be answered 304 while the page stays broken."""
        self.db.execute("DELETE FROM validators WHERE url = ?", (failed.url,))
        self.db.execute(
            "INSERT INTO pending (url, spider, reason, attempts, first_failed, last_failed, tags, listing_date)"
            " VALUES (?,?,?,1,?,?,?,?) ON CONFLICT (url) DO UPDATE SET"
            " reason = excluded.reason, attempts = pending.attempts + 1, last_failed = excluded.last_failed",
            (failed.url, failed.spider, failed.reason, failed.failed_at, failed.failed_at,
             json.dumps(failed.tags, ensure_ascii=False), failed.listing_date),
        )
        return "pending"

    def _event(self, event: PageEvent) -> str:
        """A known page answered 304 (checked, unchanged) or is gone (marked, never deleted)."""
        row = self.db.one("SELECT id, removed_at FROM documents WHERE url = ?", (event.url,))
        if row is None:
            return "unknown"
        doc_id, removed_at = row
        self.db.execute("DELETE FROM pending WHERE url = ?", (event.url,))
        if event.gone_reason is None:
            self.db.execute("UPDATE documents SET fetched_at = ? WHERE id = ?", (event.fetched_at, doc_id))
            return "unchanged"
        if removed_at is not None:
            self.db.execute("UPDATE documents SET fetched_at = ? WHERE id = ?", (event.fetched_at, doc_id))
            return "still_removed"
        self.db.execute("UPDATE documents SET removed_at = ?, fetched_at = ?, change_seq = ? WHERE id = ?",
                        (event.fetched_at, event.fetched_at, self._change(), doc_id))
        return "removed"

    def _change(self) -> int:
        """The sequence number of this transaction's changes (allocated on first use)."""
        if self._seq is None:
            self.db.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT)"
                            " WHERE key = 'change_seq'")
            row = self.db.one("SELECT value FROM meta WHERE key = 'change_seq'")
            assert row is not None
            self._seq = int(row[0])
        return self._seq

    def _put_tags(self, item: dict[str, Any]) -> None:
        self.db.execute("DELETE FROM document_tags WHERE doc_id = ?", (item["id"],))
        self.db.executemany("INSERT INTO document_tags (doc_id, tag, slug) VALUES (?, ?, ?)"
                            " ON CONFLICT (doc_id, tag) DO NOTHING",
                            [(item["id"], tag, tag_slug(tag)) for tag in item.get("tags", [])])

    def _put_capture(self, capture: Capture) -> str:
        sha = capture.sha256
        self.db.execute("INSERT INTO blobs (sha256, body) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
                        (sha, zlib.compress(capture.body, 6)))
        self.db.execute(
            "INSERT INTO fetches (url, fetched_at, status, kind, raw_sha256, headers) VALUES (?,?,?,?,?,?)",
            (capture.url, capture.fetched_at, capture.status, capture.kind, sha,
             json.dumps(capture.headers, sort_keys=True)),
        )
        return sha

    def _upsert(self, item: dict[str, Any], raw_sha256: str | None) -> str:
        item, made = _crawled(item)
        row = self.db.one("SELECT version, content_hash, item, removed_at, change_seq FROM documents WHERE id = ?",
                          (item["id"],))
        if row is not None:
            stored = json.loads(row[2])
            if not item.get("tags") and stored.get("tags"):
                # Tags come from listing pages; a page fetched outside a listing keeps the old ones.
                item = {**item, "tags": stored["tags"]}
            item = {**item, "translations": {**stored.get("translations", {}),
                                              **item.get("translations", {})}}
        item = self._link_translations(item)
        digest = content_hash(item)
        encoded = json.dumps(item, ensure_ascii=False)
        if row is None:
            self._insert(item, digest, encoded, raw_sha256, made, first_seen=item["fetched_at"])
            return "new"
        version, stored_hash, stored_item, removed_at, change_seq = row
        if digest == stored_hash:
            # The same text: the latest version stays; the statement as last read (its fetch time,
            # its links, what this release reads of it) is what the archive shows.
            changed = removed_at is not None or stored_item != encoded
            self.db.execute(
                "UPDATE documents SET fetched_at = ?, removed_at = NULL, url = ?, item = ?, change_seq = ?,"
                " site = ?, site_id = ?, extractor = ?, origin = ?, extracted_at = ? WHERE id = ?",
                (item["fetched_at"], item["url"], encoded, self._change() if changed else change_seq,
                 item.get("site"), item["site_id"], made.extractor, made.origin, made.extracted_at, item["id"]),
            )
            return "restored" if removed_at else "unchanged"
        self.db.execute(
            "UPDATE documents SET url = ?, type = ?, published = ?, published_utc = ?, doc_number = ?, version = ?,"
            " content_hash = ?, updated = ?, fetched_at = ?, removed_at = NULL, change_seq = ?, item = ?,"
            " site = ?, site_id = ?, extractor = ?, origin = ?, extracted_at = ? WHERE id = ?",
            (item["url"], item["type"], item["published"], published_utc(item["published"]), item["doc_number"],
             version + 1, digest, item["fetched_at"], item["fetched_at"], self._change(), encoded, item.get("site"),
             item["site_id"], made.extractor, made.origin, made.extracted_at, item["id"]),
        )
        self._put_version(item, version + 1, digest, raw_sha256, encoded, made)
        self._put_tags(item)
        return "updated"

    def _insert(self, item: dict[str, Any], digest: str, encoded: str, raw_sha256: str | None, made: Provenance,
                first_seen: str) -> None:
        """A statement new to the archive: its document, its first version, its tags."""
        self.db.execute(
            "INSERT INTO documents (id, source, language, site_id, url, type, published, doc_number,"
            " version, content_hash, first_seen, updated, fetched_at, removed_at, same_as, change_seq,"
            " item, site, extractor, origin, extracted_at, published_utc)"
            " VALUES (?,?,?,?,?,?,?,?,1,?,?,?,?,NULL,?,?,?,?,?,?,?,?)",
            (item["id"], item["source"], item["language"], item["site_id"], item["url"], item["type"],
             item["published"], item["doc_number"], digest, first_seen, item["published"],
             item["fetched_at"], self._same_document(item), self._change(), encoded, item.get("site"),
             made.extractor, made.origin, made.extracted_at, published_utc(item["published"])),
        )
        self._put_version(item, 1, digest, raw_sha256, encoded, made)
        self._put_tags(item)

    def _put_version(self, item: dict[str, Any], version: int, digest: str, raw_sha256: str | None,
                     encoded: str, made: Provenance) -> None:
        self.db.execute("INSERT INTO versions (id, version, content_hash, fetched_at, raw_sha256, item, extractor,"
                        " origin, extracted_at) VALUES (?,?,?,?,?,?,?,?,?)",
                        (item["id"], version, digest, item["fetched_at"], raw_sha256, encoded, made.extractor,
                         made.origin, made.extracted_at))

    # --- re-extraction ------------------------------------------------------------------------------
    def write_reextracted(self, readings: Iterable[Reading], extracted_at: str) -> list[str]:
        """Store what re-extraction read, in one transaction; returns each reading's outcome:

        - ``recovered``: a statement new to the archive (a pending page that now reads), its
          first version; the page leaves ``pending``;
        - ``changed``: it reads differently from the latest version (anything read from the page
          but its fetch time and language links): a new version, ``origin`` ``reextract``.
          Not an edit on the site: the statement's ``updated``, ``fetched_at`` and ``removed_at``
          stay as they were;
        - ``linked``: it reads the same, but the page names language versions the archive did not
          link: they are linked in place (no version, as in a crawl);
        - ``unchanged``: nothing to do (so a second run changes nothing);
        - ``rejected``: the database refused it (logged; the rest of the batch is kept).
        """
        outcomes = []
        with self.transaction():
            for reading in readings:
                seq = self._seq
                try:
                    with self.db.savepoint("reading"):
                        outcomes.append(self._reextracted(reading, extracted_at))
                except (*self.db.errors, KeyError, TypeError, ValueError) as error:
                    self._seq = seq
                    logger.error("Re-extracted statement %s not archived: %s", reading.item.get("id"), error)
                    outcomes.append("rejected")
        return outcomes

    def _reextracted(self, reading: Reading, extracted_at: str) -> str:
        item = dict(reading.item)
        made = Provenance(item.pop("extractor", None), "reextract", extracted_at)
        for url in dict.fromkeys(filter(None, (reading.pending_url, item["url"]))):
            self.db.execute("DELETE FROM pending WHERE url = ?", (url,))
        row = self.db.one("SELECT version, item FROM documents WHERE id = ?", (item["id"],))
        if row is None:
            item = self._link_translations(item)
            self._insert(item, content_hash(item), json.dumps(item, ensure_ascii=False), reading.raw_sha256, made,
                         first_seen=extracted_at)
            return "recovered"
        version, encoded_doc = row
        stored = json.loads(encoded_doc)
        latest = self.db.one("SELECT item FROM versions WHERE id = ? AND version = ?", (item["id"], version))
        latest_item = json.loads(latest[0]) if latest else stored
        translations = {**stored.get("translations", {}), **item.get("translations", {})}
        item = {**item, "translations": dict(sorted(translations.items()))}
        if _as_read(item) == _as_read(latest_item):
            if item["translations"] == stored.get("translations", {}):
                return "unchanged"
            self.db.execute("UPDATE documents SET item = ?, change_seq = ? WHERE id = ?",
                            (json.dumps({**stored, "translations": item["translations"]}, ensure_ascii=False),
                             self._change(), item["id"]))
            return "linked"
        item = self._link_translations(item)
        digest, encoded = content_hash(item), json.dumps(item, ensure_ascii=False)
        self.db.execute(
            "UPDATE documents SET url = ?, type = ?, published = ?, published_utc = ?, doc_number = ?, version = ?,"
            " content_hash = ?, change_seq = ?, item = ?, site = ?, site_id = ?, extractor = ?, origin = ?,"
            " extracted_at = ? WHERE id = ?",
            (item["url"], item["type"], item["published"], published_utc(item["published"]), item["doc_number"],
             version + 1, digest, self._change(), encoded, item.get("site"), item["site_id"], made.extractor,
             made.origin, made.extracted_at, item["id"]),
        )
        self._put_version(item, version + 1, digest, reading.raw_sha256, encoded, made)
        self._put_tags(item)
        return "changed"

    def _same_document(self, item: dict[str, Any]) -> str | None:
        """The id of an archived document this new one repeats: the same source, language and
        document number (the old and the current mid.ru site carry the same documents under
        different ids). The copy seen first stays the document (of copies seen in the same
        second, the smaller id), whichever crawl writes first: crawls of both sites running at
        once, on one machine or several, leave the same archive. A new copy seen before the
        document takes its place: the document and its repeats then point to the new one."""
        if not item.get("doc_number"):
            return None
        row = self.db.one(
            "SELECT id, first_seen FROM documents WHERE source = ? AND language = ? AND doc_number = ?"
            " AND id != ? AND same_as IS NULL ORDER BY first_seen, id LIMIT 1",
            (item["source"], item["language"], item["doc_number"], item["id"]),
        )
        if row is None:
            return None
        kept, first_seen = row
        if (item["fetched_at"], item["id"]) < (first_seen, kept):
            self.db.execute("UPDATE documents SET same_as = ?, change_seq = ? WHERE id = ? OR same_as = ?",
                            (item["id"], self._change(), kept, kept))
            return None
        return kept

    def _link_translations(self, item: dict[str, Any]) -> dict[str, Any]:
        """Language versions share the site's id on the same site: link this one and its siblings
        both ways (the same number on mid.ru and archive.mid.ru is two documents). A document
        archived before statement schema 1.3.0 may have no site; its site_id alone tells.

        An archived sibling is linked at the URL it was fetched from, whichever was written
        first (the page's own language switcher may name another form of it): crawls writing in
        any order, on one machine or on Scrapyd nodes, leave the same links."""
        translations = dict(item.get("translations") or {})
        site = item.get("site")
        siblings = self.db.all(
            "SELECT id, language, url, item FROM documents WHERE source = ? AND site_id = ? AND id != ?"
            " AND (site IS NULL OR CAST(? AS TEXT) IS NULL OR site = ?) ORDER BY id",
            (item["source"], item["site_id"], item["id"], site, site),
        )
        for sibling_id, language, url, encoded in siblings:
            if language == item["language"]:
                continue
            translations[language] = url
            sibling_item = json.loads(encoded)
            if sibling_item.get("translations", {}).get(item["language"]) != item["url"]:
                sibling_item.setdefault("translations", {})[item["language"]] = item["url"]
                sibling_item["translations"] = dict(sorted(sibling_item["translations"].items()))
                self.db.execute("UPDATE documents SET item = ?, change_seq = ? WHERE id = ?",
                                (json.dumps(sibling_item, ensure_ascii=False), self._change(), sibling_id))
        return {**item, "translations": dict(sorted(translations.items()))}
