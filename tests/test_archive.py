"""The archive's URL, schema and migrations, read-only opening and copies, on every backend."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from scrapy.settings import Settings

import crawler.store.archive
import crawler.store.schema
from crawler.items import PageEvent
from crawler.normalise.dates import parse_timestamp
from crawler.store import (
    SCHEMA_VERSION,
    ArchiveError,
    ArchiveMissing,
    ArchiveURL,
    ArchiveURLError,
    Capture,
    Selection,
    archive_url,
    open_archive,
)
from crawler.store.backend import connect
from crawler.store.copying import DestinationInUse, copy_archive
from crawler.store.schema import MIGRATIONS
from feeds.publish import publish
from tests.conftest import FIXTURES
from tests.feed_archive import PAGES, make_archive, options, statement

RELEASE_0_1_0 = FIXTURES / "archives" / "schema-v1.sqlite3"


# --- URLs ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("data/archive.sqlite3", "archive URL: 'data/archive.sqlite3' is not an archive URL; use sqlite:///PATH or "
                             "postgresql://USER@HOST:PORT/DATABASE"),
    ("sqlite://", "archive URL: 'sqlite://' names no file"),
    ("sqlite://host/x.sqlite3", "archive URL: 'sqlite://host/x.sqlite3' is not an SQLite archive URL"),
    ("mysql://u@h/db", "archive URL: 'mysql://u@h/db' is not an archive URL"),
    ("postgresql://bob:s3cret@db:port/mf", "archive URL: 'postgresql://bob:***@db:port/mf' has a port that is not "
                                           "a number"),
    ("postgresql://bob@db/a/b", "archive URL: 'postgresql://bob@db/a/b' names a database with a '/' in it"),
])
def test_bad_urls_are_one_line_naming_them(text, message):
    with pytest.raises(ArchiveURLError) as raised:
        ArchiveURL.parse(text)
    assert str(raised.value).startswith(message)
    assert "s3cret" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_urls_parsed_and_shown_without_password():
    relative = ArchiveURL.parse("sqlite:///data/archive.sqlite3")
    assert (relative.backend, str(relative.path), str(relative)) == ("sqlite", "data/archive.sqlite3",
                                                                     "sqlite:///data/archive.sqlite3")
    absolute = ArchiveURL.parse("sqlite:////srv/mf/archive.sqlite3")
    assert (str(absolute.path), str(absolute)) == ("/srv/mf/archive.sqlite3", "sqlite:////srv/mf/archive.sqlite3")
    server = ArchiveURL.parse("postgresql://bob:p%40ss@db.example:5433/mf?sslmode=require")
    assert server.backend == "postgresql"
    assert server.password == "p@ss"
    assert str(server) == "postgresql://bob:***@db.example:5433/mf?sslmode=require"
    assert "p%40ss" not in repr(server)
    assert str(ArchiveURL.parse("postgres://bob@db/mf")) == "postgres://bob@db/mf"


def test_archive_url_setting_and_the_older_path_setting():
    settings = Settings({"MF_ARCHIVE_URL": "sqlite:///data/archive.sqlite3", "MF_ARCHIVE_PATH": None})
    assert str(archive_url(settings)) == "sqlite:///data/archive.sqlite3"
    settings.set("MF_ARCHIVE_PATH", "/srv/old.sqlite3", priority="cmdline")
    assert str(archive_url(settings)) == "sqlite:////srv/old.sqlite3"  # the older setting, given, wins
    settings.set("MF_ARCHIVE_URL", "postgresql://bob@db/mf", priority="cmdline")
    assert str(archive_url(settings)) == "postgresql://bob@db/mf"  # both given: the URL
    settings.set("MF_ARCHIVE_URL", "nonsense", priority="cmdline")
    with pytest.raises(ArchiveURLError, match=r"^MF_ARCHIVE_URL: 'nonsense' is not an archive URL"):
        archive_url(settings)
    settings = Settings({"MF_ARCHIVE_URL": "sqlite:///data/archive.sqlite3", "MF_ARCHIVE_PATH": None})
    settings.set("MF_ARCHIVE_PATH", " ", priority="cmdline")  # given empty: not the default archive
    with pytest.raises(ArchiveURLError, match=r"^-s MF_ARCHIVE_PATH=: no path given$"):
        archive_url(settings)


def test_the_older_path_setting_from_the_environment(monkeypatch):
    """Every MF_ setting may come from the environment, at the settings module's priority, the
    default URL's: given there, the older setting names the archive, and given empty it is
    refused as an empty -s value is, not read as the default archive."""
    monkeypatch.setenv("MF_ARCHIVE_PATH", "/srv/old.sqlite3")
    settings = Settings({"MF_ARCHIVE_URL": "sqlite:///data/archive.sqlite3"})
    settings.set("MF_ARCHIVE_PATH", "/srv/old.sqlite3", priority="project")
    assert str(archive_url(settings)) == "sqlite:////srv/old.sqlite3"
    settings.set("MF_ARCHIVE_URL", "postgresql://bob@db/mf", priority="project")  # both there: the URL
    assert str(archive_url(settings)) == "postgresql://bob@db/mf"
    monkeypatch.setenv("MF_ARCHIVE_PATH", "")
    settings = Settings({"MF_ARCHIVE_URL": "sqlite:///data/archive.sqlite3"})
    settings.set("MF_ARCHIVE_PATH", "", priority="project")
    with pytest.raises(ArchiveURLError, match=r"^environment variable MF_ARCHIVE_PATH=: no path given$"):
        archive_url(settings)


def test_the_default_archive_url_is_the_settings_one():
    """archive_url tells the default URL from one given by its value: the two must agree."""
    from crawler.store.url import DEFAULT_URL

    settings_module = Path(__file__).resolve().parent.parent / "crawler" / "settings.py"
    assert f'MF_ARCHIVE_URL = "{DEFAULT_URL}"' in settings_module.read_text(encoding="utf-8")


def test_selection_is_plain_data():
    selection = Selection(source="mid", language="en", tag_slug="nato-09dd41", since=date(2022, 6, 1),
                          until=date(2022, 6, 30), include_removed=False)
    assert selection.to_json() == {"source": "mid", "language": "en", "tag_slug": "nato-09dd41",
                                   "since": "2022-06-01", "until": "2022-06-30", "include_removed": False}
    assert Selection.from_json(selection.to_json()) == selection
    assert Selection(language="ru").within_month("2022-12") == Selection(language="ru", since=date(2022, 12, 1),
                                                                         until=date(2022, 12, 31))
    with pytest.raises(ValueError, match="unknown fields"):
        Selection.from_json({"where": "1"})


# --- the archive of release 0.1.0 ---------------------------------------------------------------------
def release_archive(tmp_path):
    copy = tmp_path / "release-0.1.0.sqlite3"
    shutil.copyfile(RELEASE_0_1_0, copy)
    return copy


def check_release_archive(store) -> None:
    """Everything release 0.1.0 wrote into the fixture, found again."""
    assert store.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1].version
    history = store.schema_history()
    assert history[0] == (1, None, "release 0.1.0")
    assert [version for version, _, _ in history] == [1, *(migration.version for migration in MIGRATIONS)]
    # provenance (schema 5): every version of release 0.1.0 was read by a crawl, when fetched,
    # by page objects of a release that did not say which
    versions = [version for doc in store.documents(Selection(include_repeats=True))
                for version in store.versions(doc["id"])]
    assert {(v["origin"], v["extractor"]) for v in versions} == {("crawl", None)}
    assert all(v["extracted_at"] == v["fetched_at"] for v in versions)
    # statement schema 1.3.0: the site of every statement said, archive.mid.ru's ids its own
    old_site = [doc for doc in store.documents(Selection(source="mid", include_repeats=True))
                if doc["id"].startswith("mid:en:liferay-")]
    assert old_site and all(doc["site"] == "archive.mid.ru" and doc["site_id"].isdigit() for doc in old_site)
    assert {doc["site"] for doc in store.documents(Selection(include_repeats=True))} >= {"mid.ru", "gov.uk"}
    assert all(version["site"] == "archive.mid.ru" for version in store.versions(old_site[0]["id"]))
    assert {table: store.count(table) for table in ("blobs", "fetches", "documents", "document_tags", "versions",
                                                    "validators", "pending", "listing_walks", "health")} == {
        "blobs": 64, "fetches": 64, "documents": 67, "document_tags": 83, "versions": 68, "validators": 1,
        "pending": 3, "listing_walks": 38, "health": 7}
    assert store.count("crawl_runs") == 0  # schema 6: a table for the runs of crawls, empty
    # schema 7: statements ordered by the instant of publication, filled in from ``published``
    everything = list(store.documents(Selection(include_repeats=True), oldest_first=True))
    assert [doc["id"] for doc in everything] == [
        doc["id"] for doc in sorted(everything, key=lambda doc: (parse_timestamp(doc["published"]), doc["id"]))]
    assert store.change_seq() == 8
    edited = store.get("mid:en:1820611")
    assert edited["version"] == 2
    assert edited["body_text"].endswith("An added paragraph.")
    versions = store.versions("mid:en:1820611")
    assert [v["version"] for v in versions] == [1, 2]
    assert not versions[0]["body_text"].endswith("An added paragraph.")
    raw = store.raw_page(versions[0]["raw_sha256"])
    assert "Lavrov" in raw.decode("utf-8") or "Ministry" in raw.decode("utf-8")
    assert store.get("mid:ru:1819033")["removed_at"] == "2026-11-30T12:00:00Z"
    assert store.known_page("https://mid.ru/en/foreign_policy/news/1820801/")["etag"] == '"v1-etag"'
    assert sorted(row["url"] for row in store.pending("mid")) == [
        "https://mid.ru/en/foreign_policy/news/1820833/", "https://mid.ru/ru/foreign_policy/news/1820833/"]
    assert [row["reason"] for row in store.pending("fcdo")] == ["HTTP 404"]
    assert ("en", "foreign_policy/news") in store.listing_walks("mid")
    assert sorted(store.health()) == ["aa", "fcdo", "fmprc_en", "fmprc_zh", "mid", "mid_archive", "state_dept"]
    assert store.counts_by(Selection(), "source") == {("aa",): 5, ("fcdo",): 4, ("fmprc",): 6, ("mid",): 46,
                                                      ("state_dept",): 4}
    assert store.integrity_problems() == []


def test_an_archive_of_release_0_1_0_is_migrated_on_open_and_keeps_everything(tmp_path):
    path = release_archive(tmp_path)
    with open_archive(path) as store:
        check_release_archive(store)
    with open_archive(path, readonly=True) as store:  # once migrated, it opens as it is
        check_release_archive(store)


def test_a_read_only_open_of_an_old_archive_migrates_it_first(tmp_path):
    path = release_archive(tmp_path)
    with open_archive(path, readonly=True) as store:
        assert store.readonly
        check_release_archive(store)


def test_an_archive_of_release_0_1_0_copied_to_each_backend_keeps_everything(tmp_path, archive_url):
    if archive_url.startswith("sqlite:"):
        archive_url = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    copy_archive(release_archive(tmp_path), archive_url)
    with open_archive(archive_url, readonly=True) as store:
        check_release_archive(store)
        assert store.backend == archive_url.split(":")[0]


def test_an_archive_newer_than_the_release_is_refused(archive_url, monkeypatch):
    make_archive(archive_url, PAGES[:1]).close()
    monkeypatch.setattr(crawler.store.archive, "SCHEMA_VERSION", 1)
    monkeypatch.setattr(crawler.store.schema, "SCHEMA_VERSION", 1)
    for readonly in (False, True):
        with pytest.raises(ArchiveError,
                           match=rf"schema version {SCHEMA_VERSION} is newer than this release knows \(1\); upgrade"):
            open_archive(archive_url, readonly=readonly)


# --- opening ---------------------------------------------------------------------------------------------
def make_sqlite_file(path: Path, statement: str) -> None:
    """Another program's SQLite file (rollback journal, as SQLite makes one), with one more object."""
    db = sqlite3.connect(path)
    try:
        db.execute(statement)
        db.commit()
    finally:
        db.close()


@pytest.mark.parametrize("tables", [["documents"], ["foo", "bar"], ["VIEW v"]])
def test_another_programs_database_is_refused_and_left_as_it_was(archive_url, tables, tmp_path):
    """A database with tables but no archive (another program's SQLite file, a PostgreSQL schema
    in use): refused with one line, nothing added (a table named like one of ours was a traceback
    from the migration; unrelated tables got the archive's added beside them)."""
    url = ArchiveURL.parse(archive_url)
    if url.is_sqlite:  # made as another program makes it (not in WAL mode), to see it left so
        archive_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
        url = ArchiveURL.parse(archive_url)
    db = connect(url) if not url.is_sqlite else None
    made = []
    for table in tables:
        statement = f"CREATE {table} AS SELECT 1 AS x" if table.startswith("VIEW") else f"CREATE TABLE {table} (x TEXT)"
        made.append(table.split()[-1])
        if db is not None:
            with db.write():
                db.execute(statement)
        else:
            make_sqlite_file(url.path, statement)
    if db is not None:
        db.close()
    before = url.path.read_bytes() if url.is_sqlite else None
    location = url.redacted()
    message = (f"{location}: not an archive: it holds other tables ({', '.join(sorted(made))}); "
               "nothing was written to it")
    for readonly in (False, True):  # a command that writes, and one that reads
        with pytest.raises(ArchiveError) as raised:
            open_archive(archive_url, readonly=readonly)
        assert str(raised.value) == message
        assert not isinstance(raised.value, ArchiveMissing)
    if url.is_sqlite:
        assert url.path.read_bytes() == before  # not even switched to WAL
        assert sorted(p.name for p in url.path.parent.iterdir()) == ["other.sqlite3"]
    else:
        db = connect(url, create=False)
        try:
            assert db.table_names() | db.view_names() == set(made)
        finally:
            db.close()


def test_no_archive_is_missing_when_reading(tmp_path, archive_url):
    with pytest.raises(ArchiveMissing, match="no archive there"):
        open_archive(archive_url, readonly=True)
    with pytest.raises(ArchiveMissing):
        open_archive(archive_url, create=False)
    with open_archive(archive_url) as store:  # created on a writable open
        assert store.count() == 0
        assert store.schema_version() == SCHEMA_VERSION


def test_a_file_that_exists_is_never_said_to_be_no_archive_there(tmp_path):
    """The first `scrapy update` makes the archive's file, switches it to WAL, then makes its
    tables: a reader (`scrapy publish`) that opens it in between finds a file and no tables. It
    looks again for a moment, then says what it found, not that nothing is there."""
    empty = tmp_path / "empty.sqlite3"
    tableless = tmp_path / "tableless.sqlite3"
    # (A writable opening, create=False, switches an empty file to WAL first: it is then a database.)
    for path, what, openings in ((empty, "an empty file", [{"readonly": True}]),
                                 (tableless, "an SQLite database without tables", [{"readonly": True},
                                                                                    {"create": False}])):
        for arguments in openings:
            path.unlink(missing_ok=True)
            if path == empty:
                path.touch()
            else:
                db = sqlite3.connect(path)
                db.execute("PRAGMA journal_mode=WAL")  # what SQLiteConnection._open does before the tables
                db.close()
            started = time.monotonic()
            with pytest.raises(ArchiveMissing) as raised:
                open_archive(path, **arguments)
            assert str(raised.value) == f"sqlite:///{path}: holds no archive yet ({what}; run `scrapy update` first)"
            assert time.monotonic() - started >= crawler.store.archive.EMPTY_FILE_WAIT  # looked at again meanwhile


def test_an_archive_made_while_a_reader_looks_is_read(tmp_path):
    """The reader that finds the file without its tables reads the archive once they are made."""
    path = tmp_path / "archive.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    made = threading.Timer(0.3, lambda: make_archive(f"sqlite:///{path}", PAGES[:1]).close())
    made.start()
    try:
        with open_archive(path, readonly=True) as store:
            assert store.count() == 1
    finally:
        made.join()


def test_a_read_only_archive_refuses_writes(archive_url):
    make_archive(archive_url, PAGES[:1]).close()
    with open_archive(archive_url, readonly=True) as store:
        with pytest.raises(ArchiveError, match="opened read-only, nothing can be written"):
            store.write_batch([], [statement(PAGES[1])])
        with pytest.raises(ArchiveError, match="opened read-only"):
            store.record_run("mid", True, "2026-11-30T00:00:00Z")
        if store.backend == "postgresql":
            assert store.describe()["session"] == "read-only"  # the server refuses writes too
        assert store.count() == 1


def test_an_unreachable_server_is_one_line(postgres):
    url = postgres.url("nosuchdatabase", user="bob", password="hunter2-secret")
    with pytest.raises(ArchiveError) as raised:
        open_archive(url)
    message = str(raised.value)
    assert message.startswith("postgresql://bob:***@127.0.0.1:")
    assert "cannot connect" in message
    assert "hunter2-secret" not in message
    assert "\n" not in message

    assert raised.value.reason == message.split(": ", 1)[1]  # the same line without the archive's URL


@pytest.fixture
def postgres_archive(postgres):
    """(URL, database name) of a new PostgreSQL archive (SQLite's faults of the same kinds, which
    need a process of their own: tests/e2e/test_archive_failures.py)."""
    database = postgres.create_database()
    yield postgres.url(database), database
    postgres.drop_database(database)


def test_a_server_that_ends_the_session_is_a_failure_of_the_archive_not_of_a_statement(postgres, postgres_archive):
    archive_url, database = postgres_archive
    store = make_archive(archive_url, PAGES[:1])
    assert postgres.terminate_sessions(database) == 1
    with pytest.raises(ArchiveError) as raised:
        store.count()
    assert str(raised.value) == (f"{archive_url}: cannot read the archive (terminating connection due to "
                                 "administrator command)")
    assert raised.value.reason == "cannot read the archive (terminating connection due to administrator command)"
    with pytest.raises(ArchiveError, match=r": cannot write the archive \(the connection is closed\)$"):
        store.write_batch([], [statement(PAGES[1])])
    store.close()
    with open_archive(archive_url) as again:  # a new session: everything committed is there
        # a statement the database refuses is still that statement's fault, not the archive's
        assert again.write_batch([], [statement(PAGES[1]), {"id": "no url"}]) == ["new", "rejected"]
        assert again.count() == 2


def test_a_database_that_refuses_writes_fails_the_first_write(postgres, postgres_archive):
    archive_url, database = postgres_archive
    make_archive(archive_url, PAGES[:1]).close()
    postgres.set_read_only(database)
    with open_archive(archive_url) as store:
        assert store.count() == 1  # reading is fine
        with pytest.raises(ArchiveError) as raised:
            store.check_writable()
        assert raised.value.reason == "cannot write the archive (cannot execute UPDATE in a read-only transaction)"
        with pytest.raises(ArchiveError, match="cannot write the archive"):
            store.record_run("mid", True, "2026-11-30T00:00:00Z")
        assert store.health() == {}


# --- copies ----------------------------------------------------------------------------------------------
def filled_archive(url: str):
    """An archive with statements, an edit, a removal, raw pages, health and a pending article."""
    store = make_archive(url)
    edited = statement(PAGES[2], fetched_at="2026-11-20T10:00:00Z")
    edited["title"] += " (corrected)"
    capture = Capture(url=PAGES[2], fetched_at="2026-11-20T10:00:00Z", status=200, kind="article",
                      headers={"Content-Type": "text/html; charset=utf-8"}, body="<html>страница</html>".encode())
    store.write_batch([capture], [edited, PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")])
    store.record_run("mid", True, "2026-11-21T08:00:00Z")
    return store


def comparable(described: dict) -> dict:
    return {key: described[key] for key in ("schema_version", "schema_history", "change_seq", "tables",
                                            "statements", "health")}


def public_files(folder) -> dict:
    """Every published file's bytes (the dumps' manifest without its clock-dependent "generated")."""
    files = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
             if p.is_file() and p.name != ".publish.lock"}
    manifest = json.loads(files.pop(Path("data/manifest.json")))
    manifest.pop("generated")
    return {**files, "manifest": manifest}


def test_copy_there_and_back_gives_the_same_archive_and_the_same_feeds(tmp_path, archive_url, postgres):
    """SQLite → PostgreSQL → SQLite, and PostgreSQL → SQLite → PostgreSQL."""
    def new_archive(backend: str, name: str) -> str:
        return f"sqlite:///{tmp_path / name}.sqlite3" if backend == "sqlite" \
            else postgres.url(postgres.create_database())

    here = archive_url.split(":")[0]
    there = "postgresql" if here == "sqlite" else "sqlite"
    other, back = new_archive(there, "other"), new_archive(here, "back")
    with filled_archive(archive_url) as store:
        original = store.describe()
        publish(store, options(tmp_path / "original"))
    forth_checks = copy_archive(archive_url, other)
    back_checks = copy_archive(other, back)
    assert all(check.ok for check in forth_checks + back_checks)
    assert [(c.table, c.source_rows, c.source_sha256) for c in forth_checks] == \
        [(c.table, c.copied_rows, c.copied_sha256) for c in back_checks]
    assert {c.table: c.copied_rows for c in forth_checks}["documents"] == 5
    for n, url in enumerate((other, back)):
        with open_archive(url, readonly=True) as copy:
            assert copy.backend == (there, here)[n]
            assert comparable(copy.describe()) == comparable(original)
            assert copy.integrity_problems() == []
            publish(copy, options(tmp_path / f"copy-{n}"))
        assert public_files(tmp_path / f"copy-{n}") == public_files(tmp_path / "original")
    with open_archive(other) as copy:  # the copy goes on as an archive of its own
        copy.write_batch([Capture(url=PAGES[4], fetched_at="2026-12-01T00:00:00Z", status=200, kind="article",
                                  headers={}, body=b"<html>new</html>")],
                         [statement(PAGES[4], fetched_at="2026-12-01T00:00:00Z")])
        assert [fetch["url"] for fetch in copy.fetches()] == [PAGES[2], PAGES[4]]


def test_copy_refuses_a_destination_that_holds_an_archive(tmp_path, archive_url, postgres):
    make_archive(archive_url, PAGES[:1]).close()
    occupied_file = tmp_path / "occupied.sqlite3"
    occupied_file.write_bytes(b"")
    occupied_database = postgres.url(postgres.create_database())
    make_archive(occupied_database, PAGES[1:2]).close()
    with pytest.raises(DestinationInUse, match="already exists"):
        copy_archive(archive_url, f"sqlite:///{occupied_file}")
    with pytest.raises(DestinationInUse, match="already holds an archive"):
        copy_archive(archive_url, occupied_database)
    with open_archive(occupied_database, readonly=True) as store:
        assert [doc["id"] for doc in store.documents()] == ["mid:ru:1819686"]  # untouched
    assert occupied_file.read_bytes() == b""


def test_months_read_in_a_snapshot_answer_as_the_database_does(archive_url):
    """Inside a snapshot, a selection's months once read answer counts and neighbours without
    asking again; the answers are those of the queries."""
    with make_archive(archive_url) as store:
        later = statement(PAGES[0])
        later.update(id="mid:en:999", site_id="999", url="https://mid.ru/en/foreign_policy/news/999/",
                     published="2023-01-05T10:00:00+03:00", doc_number=None)
        store.write_batch([], [later])
        questions = [(selection, month) for selection in (Selection(language="en"), Selection(source="mid"),
                                                           Selection(language="ru"), Selection(language="zh"))
                     for month in ("2016-12", "2017-07", "2017-08", "2022-06", "2022-12", "2023-01", "2024-01")]

        def answers():
            return [(store.count_in_month(s, m), store.neighbour_month(s, m, before=True),
                     store.neighbour_month(s, m, before=False), store.newest_month(s)) for s, m in questions]

        asked = answers()
        with store.snapshot():
            for selection, _ in questions:
                store.months(selection)
            assert answers() == asked
        assert asked[:7] == [(0, None, "2017-07", "2023-01"), (1, None, "2022-06", "2023-01"),
                             (0, "2017-07", "2022-06", "2023-01"), (3, "2017-07", "2023-01", "2023-01"),
                             (0, "2022-06", "2023-01", "2023-01"), (1, "2022-06", None, "2023-01"),
                             (0, "2023-01", None, "2023-01")]
