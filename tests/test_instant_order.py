"""Statements are ordered by the instant they were published, not by the text of ``published``.

``published`` keeps the source's own offset (``2026-09-30T00:00:00+09:00`` in Tokyo,
``…+05:30`` in New Delhi, ``+02:00`` / ``+01:00`` in Berlin either side of the switch from
summer time), so its text sorts by the local clock: Tokyo's midnight before New Delhi's, which
came 3.5 hours later. The archive keeps each statement's instant in UTC (``published_utc``,
schema version 7) and every order of statements — the store's, the feeds', the exports' — is by
it; months (a feed's archive documents) and ``--since`` / ``--until`` stay the local dates the
statements print. Both backends; ``scrapy explore``'s view and queries (schema version 8) on SQLite.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date

import feedparser
import pytest

from crawler.commands.explore import datasette_metadata
from crawler.normalise.dates import parse_timestamp
from crawler.store import SCHEMA_VERSION, ArchiveURL, Selection, open_archive
from crawler.store.backend import connect
from crawler.store.schema import MIGRATIONS
from feeds.atom import entry_id
from feeds.dumps import render_year
from feeds.jsonl import ExportQuery, lines
from feeds.publish import publish
from tests.feed_archive import FETCHED, options

#: name → (source, published), oldest instant first. Their texts sort otherwise: New Delhi's
#: midnight (18:30 UTC) after Tokyo's (15:00 UTC); in Berlin's repeated hour of 25 October 2026,
#: 02:30 summer time (00:30 UTC) before 02:10 winter time (01:10 UTC); Tokyo's 1 November, 01:00
#: (in November by its own date) before Berlin's 31 October, 23:00 (22:00 UTC).
STATEMENTS = {
    "J1": ("mofa_jp", "2026-09-30T00:00:00+09:00"),  # 2026-09-29T15:00:00Z
    "I1": ("mea_in", "2026-09-30T00:00:00+05:30"),   # 2026-09-29T18:30:00Z
    "B1": ("aa", "2026-10-25T02:30:00+02:00"),       # 2026-10-25T00:30:00Z
    "B2": ("aa", "2026-10-25T02:10:00+01:00"),       # 2026-10-25T01:10:00Z
    "J2": ("mofa_jp", "2026-11-01T01:00:00+09:00"),  # 2026-10-31T16:00:00Z
    "B3": ("aa", "2026-10-31T23:00:00+01:00"),       # 2026-10-31T22:00:00Z
}
BY_INSTANT = list(STATEMENTS)
#: The statements view as schema version 4 made it (before published_utc).
VIEW_OF_SCHEMA_4 = next(statement for migration in MIGRATIONS if migration.version == 4
                        for statement in migration.sqlite if statement.startswith("CREATE VIEW statements"))
UTC_OF = {"J1": "2026-09-29T15:00:00Z", "I1": "2026-09-29T18:30:00Z", "B1": "2026-10-25T00:30:00Z",
          "B2": "2026-10-25T01:10:00Z", "J2": "2026-10-31T16:00:00Z", "B3": "2026-10-31T22:00:00Z"}


def doc_id(name: str) -> str:
    return f"{STATEMENTS[name][0]}:en:{name.lower()}"


def name_of(identifier: str) -> str:
    return identifier.rsplit(":", 1)[1].upper()


def made(name: str) -> dict:
    """A statement of the source and time ``STATEMENTS`` give it, in English."""
    source, published = STATEMENTS[name]
    body = f"Statement {name} of {source}."
    return {"id": doc_id(name), "source": source, "site_id": name.lower(), "language": "en",
            "url": f"https://{source}.example.org/en/{name.lower()}", "title": f"Statement {name}",
            "published": published, "published_raw": published, "published_precision": "datetime",
            "doc_number": None, "type": "statement", "tags": [], "body_text": body, "body_html": f"<p>{body}</p>",
            "translations": {}, "fetched_at": FETCHED}


def test_the_texts_sort_otherwise():
    """The premise: string order and instant order of these times differ."""
    assert sorted(BY_INSTANT, key=lambda name: STATEMENTS[name][1]) == ["I1", "J1", "B2", "B1", "B3", "J2"]
    assert sorted(BY_INSTANT, key=lambda name: parse_timestamp(STATEMENTS[name][1])) == BY_INSTANT
    assert [parse_timestamp(STATEMENTS[n][1]).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            for n in BY_INSTANT] == [UTC_OF[n] for n in BY_INSTANT]


@pytest.fixture
def archive(archive_url):
    store = open_archive(archive_url)
    store.write_batch([], [made(name) for name in ("B2", "J1", "B3", "I1", "J2", "B1")])
    yield store
    store.close()


def test_the_store_orders_by_instant_both_ways(archive):
    oldest_first = [name_of(doc["id"]) for doc in archive.documents(oldest_first=True)]
    assert oldest_first == BY_INSTANT
    assert [name_of(doc["id"]) for doc in archive.documents()] == BY_INSTANT[::-1]
    assert [name_of(doc["id"]) for doc in archive.documents(limit=3)] == ["B3", "J2", "B2"]
    # one source across the switch from summer time
    assert [name_of(doc["id"]) for doc in archive.documents(Selection(source="aa"), oldest_first=True)] == [
        "B1", "B2", "B3"]
    # a month is the statements' own (local) month, in the order of their instants
    assert [name_of(doc["id"]) for doc in archive.documents_in_month(Selection(language="en"), "2026-10")] == [
        "B1", "B2", "B3"]
    assert [name_of(doc["id"]) for doc in archive.documents_in_month(Selection(), "2026-09", oldest_first=False)] \
        == ["I1", "J1"]
    assert [name_of(doc["id"]) for doc in archive.documents_in_month(Selection(), "2026-11")] == ["J2"]
    # every version of each, in the same order
    assert [name_of(record["id"]) for record in archive.version_records()] == BY_INSTANT
    assert [name_of(fetch["id"]) for fetch in archive.version_fetches()] == BY_INSTANT
    # the published field itself is as the ministry's clock gave it
    assert {name_of(doc["id"]): doc["published"] for doc in archive.documents()} == {
        name: published for name, (_, published) in STATEMENTS.items()}
    assert "published_utc" not in archive.get(doc_id("B2"))


def test_bulk_loaded_statements_are_ordered_by_instant_too(archive_url):
    with open_archive(archive_url) as store:
        store.load_statements([made(name) for name in ("B2", "J1", "B3", "I1", "J2", "B1")])
        assert [name_of(doc["id"]) for doc in store.documents(oldest_first=True)] == BY_INSTANT


def test_the_feed_of_a_language_orders_its_entries_by_instant(archive, tmp_path):
    out = tmp_path / "public"
    publish(archive, options(out, entries=3, archive_page=2))
    feed = feedparser.parse((out / "all" / "en.atom").read_bytes())
    assert [name_of(entry.id) for entry in feed.entries] == ["B3", "J2", "B2"]  # the newest three, newest first
    assert feed.feed.updated == "2026-10-31T23:00:00+01:00"  # the newest entry's
    # archive documents: the local months, each in pages oldest first, newest first inside a page
    pages = {name: [name_of(entry.id) for entry in feedparser.parse((out / "all" / "en" / "archive" / name)
                                                                    .read_bytes()).entries]
             for name in ("2026-09.atom", "2026-10.atom", "2026-10-p2.atom", "2026-11.atom")}
    assert pages == {"2026-09.atom": ["I1", "J1"], "2026-10.atom": ["B2", "B1"], "2026-10-p2.atom": ["B3"],
                     "2026-11.atom": ["J2"]}
    aa = feedparser.parse((out / "aa" / "en.atom").read_bytes())
    assert [name_of(entry.id) for entry in aa.entries] == ["B3", "B2", "B1"]
    # a publication of what changed since gives the same documents as a full one
    incremental = tmp_path / "incremental"
    later = made("J2") | {"id": "mofa_jp:en:j3", "site_id": "j3", "url": "https://mofa_jp.example.org/en/j3",
                          "published": "2026-11-01T06:30:00+09:00"}  # 2026-10-31T21:30:00Z: before B3
    publish(archive, options(incremental, entries=3, archive_page=2))
    archive.write_batch([], [later])
    publish(archive, options(incremental, entries=3, archive_page=2))
    feed = feedparser.parse((incremental / "all" / "en.atom").read_bytes())
    assert [entry.id for entry in feed.entries] == [entry_id(doc_id("B3")), "tag:ministry-feeds.github.io,2026:"
                                                    "mofa_jp:en:j3", entry_id(doc_id("J2"))]
    full = tmp_path / "full"
    publish(archive, options(full, entries=3, archive_page=2), full=True)
    assert {p.relative_to(full): p.read_bytes() for p in full.rglob("*.atom")} == {
        p.relative_to(incremental): p.read_bytes() for p in incremental.rglob("*.atom")}


def test_exports_are_ordered_by_instant_and_filtered_by_local_date(archive):
    assert [name_of(line["id"]) for line in lines(archive, ExportQuery(language="en"))] == BY_INSTANT
    assert [name_of(line["id"]) for line in lines(archive, ExportQuery(versions="all"))] == BY_INSTANT
    # --since / --until compare the statement's own date: J2 is of 1 November where it was printed
    october = ExportQuery(since=date(2026, 10, 25), until=date(2026, 10, 31))
    assert [name_of(line["id"]) for line in lines(archive, october)] == ["B1", "B2", "B3"]
    assert [line["published"] for line in lines(archive, october)] == [STATEMENTS[n][1] for n in ("B1", "B2", "B3")]
    _, entry = render_year(archive, "aa", "en", "2026")
    assert (entry["first_published"], entry["last_published"]) == (STATEMENTS["B1"][1], STATEMENTS["B3"][1])


def canned(name: str) -> str:
    """The SQL of a canned query of ``scrapy explore``."""
    return datasette_metadata("archive")["databases"]["archive"]["queries"][name]["sql"]


def explored_order(path) -> dict[str, list[str]]:
    """Names of the statements in the orders ``scrapy explore`` gives them: the statements view
    (and the documents table) as the Datasette metadata sorts them, and the canned queries."""
    tables = datasette_metadata("archive")["databases"]["archive"]["tables"]
    db = sqlite3.connect(path)
    try:
        orders = {table: [name_of(row[0]) for row in db.execute(
            f"SELECT id FROM {table} ORDER BY {tables[table]['sort_desc']} DESC")]  # Datasette then sorts by key
            for table in ("statements", "documents")}
        orders["latest_statements"] = [name_of(row[6]) for row in db.execute(canned("latest_statements"))]
        orders["find_text"] = [name_of(row[6]) for row in db.execute(canned("find_text"), {"text": "Statement"})]
        return orders
    finally:
        db.close()


def test_scrapy_explore_orders_by_instant(tmp_path):
    """The statements view, its sort in the Datasette metadata and the canned queries: Tokyo's
    midnight (15:00 UTC) below New Delhi's (18:30 UTC), the latest first."""
    path = tmp_path / "archive.sqlite3"
    with open_archive(path) as store:
        store.write_batch([], [made(name) for name in ("B2", "J1", "B3", "I1", "J2", "B1")])
    newest_first = BY_INSTANT[::-1]
    assert explored_order(path) == dict.fromkeys(("statements", "documents", "latest_statements", "find_text"),
                                                 newest_first)
    db = sqlite3.connect(path)
    shown = {name_of(row[0]): row[1:] for row in db.execute("SELECT id, published, published_utc FROM statements")}
    assert shown == {name: (STATEMENTS[name][1], UTC_OF[name]) for name in STATEMENTS}
    # the canned queries still show the statement's own time
    assert [row[0] for row in db.execute(canned("latest_statements"))] == [STATEMENTS[n][1] for n in newest_first]
    db.close()


def test_an_sqlite_archive_of_schema_7_gets_the_view_with_instants_on_open(tmp_path):
    """Migration 8: the statements view of schema 4 made anew with published_utc."""
    path = tmp_path / "archive.sqlite3"
    with open_archive(path) as store:
        store.write_batch([], [made(name) for name in ("B2", "J1", "B3", "I1", "J2", "B1")])
    db = sqlite3.connect(path)
    db.execute("DROP VIEW statements")
    db.execute(VIEW_OF_SCHEMA_4)
    db.execute("DELETE FROM schema_versions WHERE version >= 8")
    db.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    db.commit()
    assert "published_utc" not in {row[0] for row in db.execute("SELECT name FROM pragma_table_info('statements')")}
    db.close()
    with open_archive(path, readonly=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert [version for version, _, _ in store.schema_history()][-2:] == [7, 8]
        assert store.integrity_problems() == []
    assert explored_order(path)["statements"] == BY_INSTANT[::-1]


def _published_utc(url: str) -> dict[str, str]:
    db = connect(ArchiveURL.parse(url))
    try:
        return {name_of(identifier): utc for identifier, utc in db.all("SELECT id, published_utc FROM documents")}
    finally:
        db.close()


def test_an_archive_of_schema_6_gets_the_instants_on_open(archive_url):
    """Migration 7 on an archive written before it: the column added, filled from ``published``."""
    with open_archive(archive_url) as store:
        store.write_batch([], [made(name) for name in ("B2", "J1", "B3", "I1", "J2", "B1")])
    # The archive taken back to schema 6, as the release before wrote it.
    db = connect(ArchiveURL.parse(archive_url))
    with db.write():
        if db.backend == "sqlite":  # schema 4's statements view, without published_utc
            db.execute("DROP VIEW statements")
            db.execute(VIEW_OF_SCHEMA_4)
        for index in ("documents_by_language_instant", "documents_by_feed_instant", "documents_by_type_instant"):
            db.execute(f"DROP INDEX {index}")
        db.execute("ALTER TABLE documents DROP COLUMN published_utc")
        db.execute("DELETE FROM schema_versions WHERE version >= 7")
        db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    assert "published_utc" not in [column for column, *_ in db.all(
        "SELECT name FROM pragma_table_info('documents')" if db.backend == "sqlite" else
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'documents'")]
    db.close()
    with open_archive(archive_url, readonly=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert [version for version, _, _ in store.schema_history()][-3:] == [6, 7, 8]
        assert [name_of(doc["id"]) for doc in store.documents(oldest_first=True)] == BY_INSTANT
        assert store.integrity_problems() == []
    assert _published_utc(archive_url) == UTC_OF
