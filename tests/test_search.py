"""Full-text search of the archive: the trigram index kept by the store (SQLite), the same answers
from PostgreSQL, and SQLite snapshots that carry the index."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.commands.explore import datasette_metadata
from crawler.items import PageEvent
from crawler.store import SCHEMA_VERSION, open_archive
from crawler.store.copying import DestinationInUse, write_snapshot
from tests.feed_archive import PAGES, make_archive, statement

ZH = "https://www.mfa.gov.cn/web/wjdt_674879/wjbxw_674885/202411/t20241126_11534200.shtml"
RU = "https://mid.ru/ru/foreign_policy/news/1819686/"
DE_URL = "https://www.auswaertiges-amt.de/de/newsroom/news/beispiel/2600001"


def german(body: str, fetched_at: str = "2026-11-01T00:00:00Z") -> dict:
    """A statement of the Federal Foreign Office in German (made from a mirror page's statement)."""
    item = statement(PAGES[0], fetched_at=fetched_at)
    item.update(id="aa:de:2600001", source="aa", site="auswaertiges-amt.de", site_id="2600001", language="de",
                url=DE_URL, title="Außenministerin Baerbock zur Lage in der Ukraine", translations={}, tags=["Ukraine"],
                body_text=body, body_html="".join(f"<p>{p}</p>" for p in body.split("\n\n")))
    return item


GERMAN = "Die Bundesregierung verurteilt den Angriff.\n\nWir stehen fest an der Seite der Ukraine."


@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url, [*PAGES, ZH, RU])
    store.write_batch([], [german(GERMAN)])
    yield store
    store.close()


def found(store, text: str) -> list[str]:
    return [row["id"] for row in store.search(text)]


@pytest.mark.parametrize(("query", "expected"), [
    ("санкций", ["mid:ru:1819686"]),
    ("САНКЦИЙ", ["mid:ru:1819686"]),              # case folded in Cyrillic too
    ("санкци", ["mid:ru:1819686"]),               # a stem finds its inflected forms
    ("哈萨克斯坦", ["fmprc:zh:t20241126_11534200"]),  # Chinese: no spaces, found inside the text
    ("外交部长", ["fmprc:zh:t20241126_11534200"]),
    ("王毅", ["fmprc:zh:t20241126_11534200"]),        # two characters: compared, not indexed
    ("Außenministerin", ["aa:de:2600001"]),
    ("AUSSENMINISTERIN", []),                     # ß is not ss: no folding beyond case
    ("Bundesregierung Ukraine", ["aa:de:2600001"]),  # every word, anywhere
    ("Bundesregierung Москва", []),
    ('"Angriff', []),             # FTS5 syntax is only text: the quote is looked for, no error
    ("Angriff OR", []),
    ("", []),
])
def test_search_finds_words_in_every_script(archive, query, expected):
    assert found(archive, query) == expected


def test_the_index_follows_edits_and_not_other_writes(archive):
    assert found(archive, "verurteilt") == ["aa:de:2600001"]
    edited = german(GERMAN.replace("verurteilt", "missbilligt"), fetched_at="2026-11-05T00:00:00Z")
    assert archive.write_batch([], [edited]) == ["updated"]
    assert found(archive, "verurteilt") == []
    assert found(archive, "missbilligt") == ["aa:de:2600001"]
    # Removed statements stay searchable (they are archived, marked removed).
    archive.write_batch([], [PageEvent(DE_URL, "2026-11-06T00:00:00Z", gone_reason="HTTP 404")])
    assert found(archive, "missbilligt") == ["aa:de:2600001"]
    # A refetch with the same text, a new translation link: the index is untouched and still right.
    again = german(GERMAN.replace("verurteilt", "missbilligt"), fetched_at="2026-11-07T00:00:00Z")
    again["translations"] = {"en": "https://www.auswaertiges-amt.de/en/newsroom/news/example/2600001"}
    assert archive.write_batch([], [again]) == ["restored"]
    assert found(archive, "missbilligt") == ["aa:de:2600001"]
    assert archive.integrity_problems() == []
    if archive.backend == "sqlite":
        assert archive.db.one("SELECT count(*) FROM statement_text")[0] == archive.count()
        archive.db.execute("INSERT INTO statement_search (statement_search) VALUES ('integrity-check')")


def test_a_snapshot_carries_the_index(archive, archive_url, tmp_path):
    target = tmp_path / "snapshot.sqlite3"
    target.write_bytes(b"an older snapshot")  # replaced whole
    checks = write_snapshot(archive_url, target)
    assert all(check.ok for check in checks)
    assert not list(tmp_path.glob(".snapshot.sqlite3.*"))
    db = sqlite3.connect(target)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert db.execute("SELECT d.id FROM statement_search s JOIN statement_text t ON t.search_id = s.rowid"
                      " JOIN documents d ON d.id = t.doc_id WHERE statement_search MATCH ?",
                      ('"克斯坦外"',)).fetchall() == [("fmprc:zh:t20241126_11534200",)]
    assert db.execute("SELECT count(*) FROM statements").fetchone() == (archive.count(),)
    db.close()
    with open_archive(target, readonly=True) as snapshot:
        assert found(snapshot, "санкций") == ["mid:ru:1819686"]
        assert snapshot.integrity_problems() == []


def test_a_snapshot_never_overwrites_its_own_archive(tmp_path):
    path = tmp_path / "archive.sqlite3"
    make_archive(f"sqlite:///{path}", PAGES[:1]).close()
    with pytest.raises(DestinationInUse, match="is the archive itself"):
        write_snapshot(f"sqlite:///{path}", path)
    link = tmp_path / "link.sqlite3"  # a symbolic link is followed: to the archive, it is the archive
    link.symlink_to(path)
    before = path.read_bytes()
    with pytest.raises(DestinationInUse, match=r"link\.sqlite3: is the archive itself"):
        write_snapshot(f"sqlite:///{path}", link)
    assert link.is_symlink() and path.read_bytes() == before


def test_an_archive_of_schema_3_gets_its_index_on_open(tmp_path):
    """Archives written before the index: migration 4 indexes what they hold."""
    path = tmp_path / "archive.sqlite3"
    make_archive(f"sqlite:///{path}", [ZH, RU]).close()
    db = sqlite3.connect(path)
    for name in ("statements",):
        db.execute(f"DROP VIEW {name}")
    for name in ("documents_searched", "documents_searched_again", "documents_unsearched"):
        db.execute(f"DROP TRIGGER {name}")
    db.execute("DROP TABLE statement_search")
    db.execute("DROP TABLE statement_text")
    db.execute("DROP INDEX fetches_by_raw")
    db.execute("DROP TABLE crawl_runs")  # and the later migrations' tables, applied again on open
    for table in ("documents", "versions"):  # and schema 5's provenance
        for column in ("extractor", "origin", "extracted_at"):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for index in ("documents_by_language_instant", "documents_by_feed_instant", "documents_by_type_instant"):
        db.execute(f"DROP INDEX {index}")  # and schema 7's instants of publication
    db.execute("ALTER TABLE documents DROP COLUMN published_utc")
    db.execute("DELETE FROM schema_versions WHERE version >= 4")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with open_archive(path, readonly=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert found(store, "санкций") == ["mid:ru:1819686"]
        assert found(store, "哈萨克斯坦") == ["fmprc:zh:t20241126_11534200"]


def test_find_text_takes_percent_underscore_and_backslash_as_text(tmp_path):
    """``scrapy explore``'s "find text" query (LIKE): ``%`` and ``_`` are characters looked for,
    not wildcards, and so is the escape character."""
    bodies = {"percent": "Turnout rose by 50% this year.", "underscore": "Resolution 3_7 was adopted.",
              "backslash": "The file C:\\new was cited.", "plain": "Nothing special: 50 of 37, 3-7."}
    path = tmp_path / "archive.sqlite3"
    with open_archive(path) as store:
        store.write_batch([], [german(body) | {"id": f"aa:de:{name}", "site_id": name, "url": f"{DE_URL}/{name}"}
                               for name, body in bodies.items()])
    sql = datasette_metadata("archive")["databases"]["archive"]["queries"]["find_text"]["sql"]
    db = sqlite3.connect(path)

    def find(text: str) -> set[str]:
        return {row[6].removeprefix("aa:de:") for row in db.execute(sql, {"text": text})}

    try:
        assert find("%") == find("50%") == find("0%") == {"percent"}
        assert find("_") == find("3_7") == {"underscore"}
        assert find("\\") == find("C:\\new") == {"backslash"}
        assert find("\\%") == find("\\_") == find("%%") == find("5_%") == set()
        assert find("50") == {"percent", "plain"}
        assert find("37") == {"plain"}
        assert find("nothing SPECIAL") == {"plain"}  # Latin letters still compare case-insensitively
    finally:
        db.close()
