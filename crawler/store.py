"""The archive: every statement, every version of it, and the raw pages it came from.

SQLite by default (one file, WAL journal). Nothing is ever deleted: an edited statement gets a new
version beside the old ones, a removed one is marked ``removed_at``. Raw pages are kept
compressed and de-duplicated by their SHA-256, so extraction can be re-run without re-crawling.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.items import FetchFailed, ListingWalked, PageEvent
from crawler.normalise.slugs import tag_slug

SCHEMA_VERSION = 1
logger = logging.getLogger(__name__)

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (
    sha256 TEXT PRIMARY KEY,
    body BLOB NOT NULL                -- zlib-compressed raw bytes as served
);
CREATE TABLE IF NOT EXISTS fetches (
    fetch_id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    kind TEXT,                        -- listing, article, ...
    raw_sha256 TEXT REFERENCES blobs(sha256),
    headers TEXT NOT NULL             -- JSON: the response headers that matter
);
CREATE INDEX IF NOT EXISTS fetches_by_url ON fetches(url, fetched_at);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    language TEXT NOT NULL,
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    type TEXT NOT NULL,
    published TEXT NOT NULL,
    doc_number TEXT,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    updated TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    removed_at TEXT,
    same_as TEXT,                     -- id of the document this one duplicates, if any
    change_seq INTEGER NOT NULL,      -- the write that last changed what publishers show
    item TEXT NOT NULL                -- JSON of the latest version, schema fields
);
CREATE INDEX IF NOT EXISTS documents_by_change ON documents(change_seq);
CREATE INDEX IF NOT EXISTS documents_by_language ON documents(language, same_as, published);
CREATE INDEX IF NOT EXISTS documents_by_type ON documents(source, language, type, same_as, published);
CREATE TABLE IF NOT EXISTS document_tags (
    doc_id TEXT NOT NULL REFERENCES documents(id),
    tag TEXT NOT NULL,
    slug TEXT NOT NULL,               -- a safe file name for the tag's feed
    PRIMARY KEY (doc_id, tag)
);
CREATE INDEX IF NOT EXISTS document_tags_by_slug ON document_tags(slug, doc_id);
CREATE INDEX IF NOT EXISTS documents_by_site_id ON documents(source, site_id);
CREATE INDEX IF NOT EXISTS documents_by_url ON documents(url);
-- Feed and export queries select "same_as IS NULL" and a range of published: both in the index,
-- so counts and ranges are read from the index alone, whatever the archive's size.
CREATE INDEX IF NOT EXISTS documents_by_feed ON documents(source, language, same_as, published);
CREATE INDEX IF NOT EXISTS documents_by_number ON documents(source, language, doc_number);
CREATE TABLE IF NOT EXISTS validators (
    url TEXT PRIMARY KEY,             -- listing or article page
    etag TEXT,
    last_modified TEXT,
    seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    url TEXT PRIMARY KEY,             -- an article that failed; retried by the next runs
    spider TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failed TEXT NOT NULL,
    last_failed TEXT NOT NULL,
    tags TEXT NOT NULL,               -- JSON list, from the listing
    listing_date TEXT
);
CREATE TABLE IF NOT EXISTS listing_walks (
    spider TEXT NOT NULL,
    language TEXT NOT NULL,
    section TEXT NOT NULL,
    completed_at TEXT NOT NULL,
    PRIMARY KEY (spider, language, section)
);
CREATE TABLE IF NOT EXISTS health (
    name TEXT PRIMARY KEY,            -- a spider (a crawl target of `scrapy update`)
    last_run TEXT NOT NULL,
    last_success TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    raw_sha256 TEXT REFERENCES blobs(sha256),
    item TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
"""

#: The fields whose change makes a new version (translations and fetch times do not).
CONTENT_FIELDS = ("title", "published", "published_raw", "doc_number", "type", "tags",
                  "body_text", "body_html", "published_precision", "change_history", "withdrawn")


def content_hash(item: dict[str, Any]) -> str:
    """SHA-256 of the normalised content fields, as canonical JSON."""
    content = {name: item.get(name) for name in CONTENT_FIELDS}
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Validators:
    """What a server said to revalidate a page with (ETag, Last-Modified)."""

    url: str
    etag: str | None
    last_modified: str | None
    seen_at: str


@dataclass(frozen=True)
class Capture:
    """One fetched page, raw."""

    url: str
    fetched_at: str
    status: int
    kind: str | None
    headers: dict[str, str]
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


class ArchiveStore:
    """Reads and writes the SQLite archive. Writes happen in explicit transactions."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(_DDL)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('change_seq', '0')")
        self._seq: int | None = None

    def close(self) -> None:
        self.db.close()

    # --- writing -----------------------------------------------------------------------------------
    def write_batch(self, captures: Iterable[Capture],
                    items: Iterable[dict[str, Any] | PageEvent | FetchFailed | ListingWalked],
                    raw_for_url: dict[str, str] | None = None,
                    validators: Iterable[Validators] = ()) -> list[str]:
        """Store raw pages, statements and events in one transaction; returns each item's outcome:
        ``new``, ``updated``, ``unchanged``, ``restored`` or ``rejected`` for statements; for page
        events ``unchanged`` (304), ``removed``, ``still_removed`` or ``unknown``; ``pending`` or
        ``failed_known`` for failed fetches; ``walked`` for listings read."""
        outcomes: list[str] = []
        raw_for_url = dict(raw_for_url or {})
        with self.transaction():
            for capture in captures:
                raw_for_url[capture.url] = self._put_capture(capture)
            for validator in validators:
                self.db.execute("INSERT OR REPLACE INTO validators VALUES (?,?,?,?)",
                                (validator.url, validator.etag, validator.last_modified, validator.seen_at))
            for item in items:
                if isinstance(item, PageEvent):
                    outcomes.append(self._event(item))
                elif isinstance(item, FetchFailed):
                    outcomes.append(self._pending(item))
                elif isinstance(item, ListingWalked):
                    self.db.execute("INSERT OR REPLACE INTO listing_walks VALUES (?,?,?,?)",
                                    (item.spider, item.language, item.section, item.completed_at))
                    outcomes.append("walked")
                else:
                    outcomes.append(self._put_statement(item, raw_for_url.get(item.get("url"))))
        return outcomes

    def _put_statement(self, item: dict[str, Any], raw_sha256: str | None) -> str:
        """One statement in its own savepoint: a statement the database refuses is logged and
        left out, and the rest of the batch is kept."""
        self.db.execute("SAVEPOINT statement")
        try:
            outcome = self._upsert(item, raw_sha256)
            self.db.execute("DELETE FROM pending WHERE url = ?", (item["url"],))
        except (sqlite3.Error, KeyError, TypeError, ValueError) as error:
            self.db.execute("ROLLBACK TO statement")
            self.db.execute("RELEASE statement")
            logger.error("Statement %s not archived: %s", item.get("url") or item.get("id"), error)
            return "rejected"
        self.db.execute("RELEASE statement")
        return outcome

    def _pending(self, failed: FetchFailed) -> str:
        """Remember a failed article for the next runs (known statements need no reminder)."""
        if self.db.execute("SELECT 1 FROM documents WHERE url = ?", (failed.url,)).fetchone():
            return "failed_known"
        self.db.execute(
            "INSERT INTO pending VALUES (?,?,?,1,?,?,?,?) ON CONFLICT(url) DO UPDATE SET"
            " reason = excluded.reason, attempts = pending.attempts + 1, last_failed = excluded.last_failed",
            (failed.url, failed.spider, failed.reason, failed.failed_at, failed.failed_at,
             json.dumps(failed.tags, ensure_ascii=False), failed.listing_date),
        )
        return "pending"

    def pending(self, spider: str) -> list[sqlite3.Row]:
        """Articles of a spider that failed before, fewest attempts first."""
        return self.db.execute("SELECT * FROM pending WHERE spider = ? ORDER BY attempts, first_failed",
                               (spider,)).fetchall()

    def listing_walks(self, spider: str) -> set[tuple[str, str]]:
        """(language, section) of the listings a finished crawl of the spider has read."""
        return {(row["language"], row["section"]) for row in
                self.db.execute("SELECT language, section FROM listing_walks WHERE spider = ?", (spider,))}

    def _event(self, event: PageEvent) -> str:
        """A known page answered 304 (checked, unchanged) or is gone (marked, never deleted)."""
        row = self.db.execute("SELECT id, removed_at FROM documents WHERE url = ?", (event.url,)).fetchone()
        if row is None:
            return "unknown"
        self.db.execute("DELETE FROM pending WHERE url = ?", (event.url,))
        if event.gone_reason is None:
            self.db.execute("UPDATE documents SET fetched_at = ? WHERE id = ?", (event.fetched_at, row["id"]))
            return "unchanged"
        if row["removed_at"] is not None:
            self.db.execute("UPDATE documents SET fetched_at = ? WHERE id = ?", (event.fetched_at, row["id"]))
            return "still_removed"
        self.db.execute("UPDATE documents SET removed_at = ?, fetched_at = ?, change_seq = ? WHERE id = ?",
                        (event.fetched_at, event.fetched_at, self._change(), row["id"]))
        return "removed"

    def record_run(self, name: str, ok: bool, when: str, error: str | None = None) -> None:
        """Keep a crawl target's health: last run, last success, consecutive failures."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO health (name, last_run, last_success, consecutive_failures, last_error)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET last_run = excluded.last_run,"
                " last_success = COALESCE(excluded.last_success, health.last_success),"
                " consecutive_failures = CASE WHEN ? THEN 0 ELSE health.consecutive_failures + 1 END,"
                " last_error = excluded.last_error",
                (name, when, when if ok else None, 0 if ok else 1, error, ok),
            )

    def health(self) -> dict[str, dict[str, Any]]:
        """Every crawl target's health record."""
        return {row["name"]: dict(row) for row in self.db.execute("SELECT * FROM health ORDER BY name")}

    def transaction(self) -> _Transaction:
        self._seq = None
        return _Transaction(self.db)

    def _change(self) -> int:
        """The sequence number of this transaction's changes (allocated on first use)."""
        if self._seq is None:
            self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq'")
            self._seq = int(self.db.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])
        return self._seq

    def change_seq(self) -> int:
        """The last change's sequence number."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'change_seq'").fetchone()[0])

    def _put_tags(self, item: dict[str, Any]) -> None:
        self.db.execute("DELETE FROM document_tags WHERE doc_id = ?", (item["id"],))
        self.db.executemany("INSERT OR IGNORE INTO document_tags VALUES (?, ?, ?)",
                            [(item["id"], tag, tag_slug(tag)) for tag in item.get("tags", [])])

    def _put_capture(self, capture: Capture) -> str:
        sha = capture.sha256
        self.db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, zlib.compress(capture.body, 6)))
        self.db.execute(
            "INSERT INTO fetches (url, fetched_at, status, kind, raw_sha256, headers) VALUES (?,?,?,?,?,?)",
            (capture.url, capture.fetched_at, capture.status, capture.kind, sha,
             json.dumps(capture.headers, sort_keys=True)),
        )
        return sha

    def _upsert(self, item: dict[str, Any], raw_sha256: str | None) -> str:
        row = self.db.execute("SELECT version, content_hash, item, removed_at FROM documents WHERE id = ?",
                              (item["id"],)).fetchone()
        if row is not None:
            stored = json.loads(row["item"])
            if not item.get("tags") and stored.get("tags"):
                # Tags come from listing pages; a page fetched outside a listing keeps the old ones.
                item = {**item, "tags": stored["tags"]}
            item = {**item, "translations": {**stored.get("translations", {}),
                                              **item.get("translations", {})}}
        item = self._link_translations(item)
        digest = content_hash(item)
        encoded = json.dumps(item, ensure_ascii=False)
        if row is None:
            self.db.execute(
                "INSERT INTO documents (id, source, language, site_id, url, type, published, doc_number,"
                " version, content_hash, first_seen, updated, fetched_at, removed_at, same_as, change_seq,"
                " item) VALUES (?,?,?,?,?,?,?,?,1,?,?,?,?,NULL,?,?,?)",
                (item["id"], item["source"], item["language"], item["site_id"], item["url"], item["type"],
                 item["published"], item["doc_number"], digest, item["fetched_at"], item["published"],
                 item["fetched_at"], self._same_document(item), self._change(), encoded),
            )
            self._put_version(item, 1, digest, raw_sha256, encoded)
            self._put_tags(item)
            return "new"
        if digest == row["content_hash"]:
            changed = row["removed_at"] is not None or row["item"] != encoded
            self.db.execute(
                "UPDATE documents SET fetched_at = ?, removed_at = NULL, url = ?, item = ?,"
                " change_seq = CASE WHEN ? THEN ? ELSE change_seq END WHERE id = ?",
                (item["fetched_at"], item["url"], encoded, changed, self._change() if changed else 0, item["id"]),
            )
            return "restored" if row["removed_at"] else "unchanged"
        version = row["version"] + 1
        self.db.execute(
            "UPDATE documents SET url = ?, type = ?, published = ?, doc_number = ?, version = ?,"
            " content_hash = ?, updated = ?, fetched_at = ?, removed_at = NULL, change_seq = ?, item = ?"
            " WHERE id = ?",
            (item["url"], item["type"], item["published"], item["doc_number"], version, digest,
             item["fetched_at"], item["fetched_at"], self._change(), encoded, item["id"]),
        )
        self._put_version(item, version, digest, raw_sha256, encoded)
        self._put_tags(item)
        return "updated"

    def _put_version(self, item: dict[str, Any], version: int, digest: str, raw_sha256: str | None,
                     encoded: str) -> None:
        self.db.execute("INSERT INTO versions VALUES (?,?,?,?,?,?)",
                        (item["id"], version, digest, item["fetched_at"], raw_sha256, encoded))

    def _same_document(self, item: dict[str, Any]) -> str | None:
        """The id of an archived document this one repeats: the same source, language and
        document number (the old and the current mid.ru site carry the same documents under
        different ids). The one archived first stays the document; the later one points to it."""
        if not item.get("doc_number"):
            return None
        row = self.db.execute(
            "SELECT id FROM documents WHERE source = ? AND language = ? AND doc_number = ?"
            " AND id != ? AND same_as IS NULL ORDER BY first_seen, id LIMIT 1",
            (item["source"], item["language"], item["doc_number"], item["id"]),
        ).fetchone()
        return row["id"] if row else None

    def _link_translations(self, item: dict[str, Any]) -> dict[str, Any]:
        """Language versions share the site's id: link this one and its siblings both ways."""
        translations = dict(item.get("translations") or {})
        siblings = self.db.execute(
            "SELECT id, language, url, item FROM documents WHERE source = ? AND site_id = ? AND id != ?",
            (item["source"], item["site_id"], item["id"]),
        ).fetchall()
        for sibling in siblings:
            if sibling["language"] == item["language"]:
                continue
            translations.setdefault(sibling["language"], sibling["url"])
            sibling_item = json.loads(sibling["item"])
            if sibling_item.get("translations", {}).get(item["language"]) != item["url"]:
                sibling_item.setdefault("translations", {})[item["language"]] = item["url"]
                sibling_item["translations"] = dict(sorted(sibling_item["translations"].items()))
                self.db.execute("UPDATE documents SET item = ?, change_seq = ? WHERE id = ?",
                                (json.dumps(sibling_item, ensure_ascii=False), self._change(), sibling["id"]))
        return {**item, "translations": dict(sorted(translations.items()))}

    # --- reading -----------------------------------------------------------------------------------
    def known_page(self, url: str) -> sqlite3.Row | None:
        """What incremental crawls need to know of one page: url, id, published, last fetch,
        removal, and the validators its server gave (a listing page has these only, its other
        columns NULL); None for a page the archive does not know. An indexed read."""
        row = self.db.execute(
            "SELECT d.url, d.id, d.published, d.fetched_at, d.removed_at, v.etag, v.last_modified"
            " FROM documents d LEFT JOIN validators v ON v.url = d.url WHERE d.url = ?"
            " ORDER BY d.rowid DESC LIMIT 1", (url,)).fetchone()
        return row or self.db.execute(
            "SELECT url, NULL AS id, NULL AS published, seen_at AS fetched_at, NULL AS removed_at, etag,"
            " last_modified FROM validators WHERE url = ?", (url,)).fetchone()

    def archived_pages(self) -> Iterator[sqlite3.Row]:
        """Every archived document's page, as :meth:`known_page` gives it (one row a URL), streaming."""
        yield from self.db.execute(
            "SELECT d.url, d.id, d.published, d.fetched_at, d.removed_at, v.etag, v.last_modified"
            " FROM documents d LEFT JOIN validators v ON v.url = d.url"
            " WHERE d.rowid = (SELECT max(rowid) FROM documents WHERE url = d.url)"
        )

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The latest version of one statement with its archive fields, or None."""
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _with_archive_fields(row) if row else None

    def documents(self, where: str = "1", params: tuple = (), *, include_repeats: bool = False,
                  oldest_first: bool = False, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Latest versions, newest publication first (or oldest first), streaming; documents
        that repeat another (``same_as``) only when asked for."""
        if not include_repeats:
            where = f"({where}) AND same_as IS NULL"
        order = "published, id" if oldest_first else "published DESC, id DESC"
        query = f"SELECT * FROM documents WHERE {where} ORDER BY {order}"  # noqa: S608
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        for row in self.db.execute(query, params):
            yield _with_archive_fields(row)

    @staticmethod
    def _month_range(month: str) -> tuple[str, str]:
        """``published`` bounds of a month, as text ("2022-06" → "2022-06", "2022-07")."""
        year, number = int(month[:4]), int(month[5:7])
        following = f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"
        return month, following

    def count_in_month(self, where: str, params: tuple, month: str) -> int:
        """Statements of a selection published in a month (a range of the published index)."""
        low, high = self._month_range(month)
        return self.db.execute(
            f"SELECT count(*) FROM documents WHERE ({where}) AND same_as IS NULL"  # noqa: S608
            " AND published >= ? AND published < ?", (*params, low, high)).fetchone()[0]

    def documents_in_month(self, where: str, params: tuple, month: str) -> Iterator[dict[str, Any]]:
        """A selection's statements of one month, oldest first."""
        low, high = self._month_range(month)
        return self.documents(f"({where}) AND published >= ? AND published < ?", (*params, low, high),
                              oldest_first=True)

    def neighbour_month(self, where: str, params: tuple, month: str, *, before: bool) -> str | None:
        """The nearest month before (or after) ``month`` in which the selection has statements."""
        low, high = self._month_range(month) if month[5:7].isdigit() and month[5:7] != "99" else (month, month)
        if before:
            sql = (f"SELECT substr(published, 1, 7) FROM documents WHERE ({where}) AND same_as IS NULL"  # noqa: S608
                   " AND published < ? ORDER BY published DESC LIMIT 1")
            row = self.db.execute(sql, (*params, low)).fetchone()
        else:
            sql = (f"SELECT substr(published, 1, 7) FROM documents WHERE ({where}) AND same_as IS NULL"  # noqa: S608
                   " AND published >= ? ORDER BY published LIMIT 1")
            row = self.db.execute(sql, (*params, high)).fetchone()
        return row[0] if row else None

    def months(self, where: str, params: tuple) -> list[tuple[str, int]]:
        """(YYYY-MM, statements) of the months a selection spans, oldest first."""
        return [(row[0], row[1]) for row in self.db.execute(
            f"SELECT substr(published, 1, 7) AS month, count(*) FROM documents WHERE ({where})"  # noqa: S608
            " AND same_as IS NULL GROUP BY month ORDER BY month", params)]

    def versions(self, doc_id: str) -> list[dict[str, Any]]:
        """Every version of one statement, oldest first."""
        rows = self.db.execute("SELECT * FROM versions WHERE id = ? ORDER BY version", (doc_id,))
        return [{**json.loads(r["item"]), "version": r["version"], "content_hash": r["content_hash"],
                 "fetched_at": r["fetched_at"], "raw_sha256": r["raw_sha256"]} for r in rows]

    def raw_page(self, sha256: str) -> bytes | None:
        """A stored raw page by its hash."""
        row = self.db.execute("SELECT body FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return zlib.decompress(row["body"]) if row else None

    def count(self, table: str = "documents") -> int:
        if table not in {"documents", "versions", "fetches", "blobs"}:
            raise ValueError(table)
        return self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def _with_archive_fields(row: sqlite3.Row) -> dict[str, Any]:
    item = json.loads(row["item"])
    item.update(version=row["version"], updated=row["updated"], removed_at=row["removed_at"],
                content_hash=row["content_hash"], first_seen=row["first_seen"],
                fetched_at=row["fetched_at"], same_as=row["same_as"])
    item["change_seq"] = row["change_seq"]
    return item


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
