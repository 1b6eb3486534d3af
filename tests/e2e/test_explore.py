"""``scrapy explore``: the demo archive in a real Datasette on loopback, searched through its JSON API
in Russian, Chinese and German, every canned query answered, the search page in headless Chromium;
a PostgreSQL archive explored through an SQLite snapshot."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest
import yaml
from lxml import etree

from crawler.commands.explore import METADATA
from crawler.items import STATEMENT_FIELDS, PageEvent
from crawler.store import open_archive
from crawler.store.copying import copy_archive
from tests.conftest import FIXTURES, external_program
from tests.crawl import run_scrapy, start_scrapy
from tests.e2e.test_readers import CHROMIUM_FLAGS

pytestmark = pytest.mark.e2e
EDITED = "aa:de:2712005"      # Rede von Außenminister Johann Wadephul bei der Botschafterkonferenz
REMOVED = "mid:en:1820702"
CANNED = ("latest_statements", "edited_statements", "removed_statements", "questions_by_outlet",
          "briefing_questions", "find_text")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo archive (`scrapy update --replay tests/fixtures`), with one edit and one removal."""
    folder = tmp_path_factory.mktemp("explore")
    archive = folder / "archive.sqlite3"
    result = run_scrapy("update", "--replay", str(FIXTURES), "-s", f"MF_ARCHIVE_URL=sqlite:///{archive}",
                        "-s", f"MF_LOCK_PATH={folder / 'lock'}", "-s", f"MF_REPORT_DIR={folder / 'reports'}",
                        "-s", f"MF_PUBLIC_DIR={folder / 'public'}")
    assert result.returncode == 0, result.stderr[-3000:]
    with open_archive(archive) as store:
        latest = store.get(EDITED)
        item = {name: latest[name] for name in STATEMENT_FIELDS}
        item["body_text"] += "\n\nDieser Absatz wurde nachträglich eingefügt."
        item["body_html"] += "<p>Dieser Absatz wurde nachträglich eingefügt.</p>"
        item["fetched_at"] = "2026-11-29T10:00:00Z"
        assert store.write_batch([], [item]) == ["updated"]
        url = store.get(REMOVED)["url"]
        assert store.write_batch([], [PageEvent(url, "2026-11-29T11:00:00Z", gone_reason="HTTP 404")]) == ["removed"]
    return folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def explore(*args: str):
    """``scrapy explore ARGS --port P`` running; yields the URL of its statements table."""
    process = start_scrapy("explore", *args, "--port", str(free_port()))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            assert line, f"scrapy explore ended: {process.wait()}"
            if line.startswith("scrapy explore: exploring "):
                yield line.split(" at ", 1)[1].split(" ", 1)[0]
                break
        else:
            pytest.fail("scrapy explore did not start")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def search(table: str, text: str) -> list[dict]:
    query = urllib.parse.urlencode({"_search": text, "_shape": "objects", "_size": "max"})
    return get(f"{table}.json?{query}")["rows"]


@pytest.fixture(scope="module")
def explored(demo):
    with explore("-s", f"MF_ARCHIVE_URL=sqlite:///{demo / 'archive.sqlite3'}") as table:
        yield table


@pytest.mark.parametrize(("word", "expected"), [
    ("санкций", {"mid:ru:1819686", "mid:ru:liferay-4005408"}),        # Russian, an inflected form
    ("外交部", {"fmprc:zh:t20241126_11534200", "fmprc:zh:t20241128_11535541"}),  # Chinese, no spaces
    ("Botschafterkonferenz", {EDITED}),                              # German, a compound
    ("nachträglich", {EDITED}),                                       # the edit, indexed at once
])
def test_search_through_the_json_api(explored, word, expected):
    rows = search(explored, word)
    assert {row["id"] for row in rows} == expected
    for row in rows:
        assert word.lower() in (row["title"] + row["body_text"]).lower()


def test_facets_by_source_language_type_tag_and_year(explored):
    answer = get(f"{explored}.json?_shape=objects&_size=1")
    facets = answer["facet_results"]
    assert set(facets) == {"source", "language", "type", "tags", "year"}
    total = answer["filtered_table_rows_count"]
    assert total == 97  # 95 statements and the two mid pages that repeat old-site ones (same_as)
    for name in ("source", "language", "type", "year"):
        assert not facets[name]["truncated"], name
        assert sum(value["count"] for value in facets[name]["results"]) == total, name
    assert {value["value"] for value in facets["source"]["results"]} >= {"mid", "fmprc", "aa", "fcdo"}
    assert {value["value"] for value in facets["language"]["results"]} >= {"ru", "zh", "de", "en"}
    assert facets["tags"]["results"] and all(value["count"] > 0 for value in facets["tags"]["results"])
    narrowed = get(f"{explored}.json?_shape=objects&language=zh&year=2024")
    assert narrowed["filtered_table_rows_count"] == 2


def test_every_canned_query_answers(explored):
    database = explored.rsplit("/", 1)[0]
    configured = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["archive"]["queries"]
    assert set(configured) == set(CANNED)
    answers = {}
    for name, parameters in zip(CANNED, [{}, {}, {}, {}, {"outlet": ""}, {"text": "王毅"}], strict=True):
        answer = get(f"{database}/{name}.json?" + urllib.parse.urlencode({**parameters, "_shape": "objects"}))
        assert answer["ok"] is True, (name, answer.get("error"))
        answers[name] = answer["rows"]
    assert len(answers["latest_statements"]) == 95
    assert answers["latest_statements"][0]["published"] >= answers["latest_statements"][-1]["published"]
    assert [(row["id"], row["versions"]) for row in answers["edited_statements"]] == [(EDITED, 2)]
    assert [(row["id"], row["removed_at"]) for row in answers["removed_statements"]] == [
        (REMOVED, "2026-11-29T11:00:00Z")]
    outlets = {row["outlet"]: row["questions"] for row in answers["questions_by_outlet"]}
    questions = answers["briefing_questions"]
    assert sum(outlets.values()) == len(questions) > 10
    assert "CCTV" in outlets or "RIA Novosti" in outlets, outlets
    named = next(outlet for outlet in outlets if not outlet.startswith("("))
    only = get(f"{database}/briefing_questions.json?" + urllib.parse.urlencode({"outlet": named, "_shape": "objects"}))
    assert len(only["rows"]) == outlets[named] and {row["outlet"] for row in only["rows"]} == {named}
    assert {row["id"] for row in answers["find_text"]} == {"fmprc:zh:t20241126_11534200",
                                                          "fmprc:zh:t20241128_11535541"}


def test_statements_are_ordered_by_the_instant_of_publication(explored):
    """Tokyo's midnight of 30 September (15:00 UTC) came before New Delhi's (18:30 UTC): below it,
    newest first, in the statements view as the metadata sorts it and in the canned queries,
    though the text of ``published`` sorts it above."""
    database = explored.rsplit("/", 1)[0]
    tokyo, new_delhi = "mofa_jp:en:pressite_000001_02911", "mea_in:hi:41705"
    view = get(f"{explored}.json?_shape=objects&_size=max")["rows"]
    published = {row["id"]: (row["published"], row["published_utc"]) for row in view}
    assert published[tokyo] == ("2026-09-30T00:00:00+09:00", "2026-09-29T15:00:00Z")
    assert published[new_delhi] == ("2026-09-30T00:00:00+05:30", "2026-09-29T18:30:00Z")
    assert [row["published_utc"] for row in view] == sorted((row["published_utc"] for row in view), reverse=True)
    latest = get(f"{database}/latest_statements.json?_shape=objects")["rows"]
    # text both statements hold (their day, 30), found by the query for text of any length
    found = get(f"{database}/find_text.json?" + urllib.parse.urlencode({"text": "30", "_shape": "objects"}))["rows"]
    for rows in (view, latest, found):
        ids = [row["id"] for row in rows]
        assert ids.index(new_delhi) < ids.index(tokyo)
        assert [row["published"] for row in rows if row["id"] in (tokyo, new_delhi)] == [
            "2026-09-30T00:00:00+05:30", "2026-09-30T00:00:00+09:00"]


@pytest.mark.parametrize("text", ["%", "_", "50%", "\\"])
def test_find_text_takes_wildcards_as_text(explored, text):
    """% and _ (and the escape character) are looked for as they are: the statements that hold
    them, not every statement."""
    database = explored.rsplit("/", 1)[0]
    rows = get(f"{database}/find_text.json?" + urllib.parse.urlencode({"text": text, "_shape": "objects"}))["rows"]
    holding = get(f"{database}.json?" + urllib.parse.urlencode({
        "sql": "select d.id from documents d join statement_text t on t.doc_id = d.id"
               " where instr(t.title, :text) or instr(t.body, :text)", "text": text, "_shape": "objects"}))["rows"]
    assert {row["id"] for row in rows} == {row["id"] for row in holding}
    assert len(rows) < 95


def test_read_only_and_on_loopback(explored):
    assert explored.startswith("http://127.0.0.1:")
    database = explored.rsplit("/", 1)[0]
    query = urllib.parse.urlencode({"sql": "DELETE FROM documents", "_shape": "objects"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        get(f"{database}.json?{query}")
    assert refused.value.code == 400
    assert get(f"{database}.json?sql=select+count(*)+as+n+from+documents&_shape=objects")["rows"] == [{"n": 97}]


def test_search_page_in_headless_chromium(explored, tmp_path):
    program = external_program("chromium", "chromium-browser")
    page = f"{explored}?" + urllib.parse.urlencode({"_search": "外交部"})
    profile = tmp_path / "profile"
    dom = subprocess.run([program, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1600",
                          "--dump-dom", page], capture_output=True, text=True, timeout=90, check=True).stdout
    root = etree.HTML(dom)
    assert set(root.xpath("//input[@name='_search']/@value")) == {"外交部"}
    titles = {text.strip() for text in root.xpath("//table[contains(@class, 'rows-and-columns')]//td//text()")}
    assert "王毅会见哈萨克斯坦外长努尔特列乌" in titles
    assert '2 rows where search matches "外交部"' in " ".join(" ".join(root.xpath("//h3//text()")).split())
    shot = tmp_path / "search.png"
    subprocess.run([program, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1600",
                    f"--screenshot={shot}", page], capture_output=True, text=True, timeout=90, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(shot.read_bytes()[16:20], "big") == 1280
    print(f"search page screenshot: {shot}")


def test_a_postgresql_archive_is_explored_through_a_snapshot(demo, postgres, tmp_path):
    name = postgres.create_database()
    try:
        url = postgres.url(name)
        copy_archive(demo / "archive.sqlite3", url)
        snapshot = tmp_path / "snapshot.sqlite3"
        written = run_scrapy("export", "--sqlite", str(snapshot), "-s", f"MF_ARCHIVE_URL={url}")
        assert written.returncode == 0, written.stderr
        assert written.stderr.strip().startswith(f"SQLite snapshot written to {snapshot}: 97 statements, 98 versions")
        with explore(str(snapshot)) as table:
            assert {row["id"] for row in search(table, "санкций")} == {"mid:ru:1819686", "mid:ru:liferay-4005408"}
            assert {row["id"] for row in search(table, "外交部")} == {"fmprc:zh:t20241126_11534200",
                                                                    "fmprc:zh:t20241128_11535541"}
        with explore("-s", f"MF_ARCHIVE_URL={url}") as table:  # a snapshot of its own, gone afterwards
            assert {row["id"] for row in search(table, "Botschafterkonferenz")} == {EDITED}
    finally:
        postgres.drop_database(name)


@pytest.mark.parametrize(("arguments", "message"), [
    (["/no/such/archive.sqlite3"], "scrapy explore: /no/such/archive.sqlite3: no such file"),
    (["--port", "http"], "scrapy explore: --port http: not a port number (0 to 65535)"),
    (["a", "b"], "scrapy explore: unexpected arguments: b"),
])
def test_bad_requests_are_one_line(arguments, message):
    result = run_scrapy("explore", *arguments)
    assert (result.returncode, result.stderr.strip()) == (2, message)


def test_a_busy_port_is_one_line(demo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_scrapy("explore", "--port", str(port),
                            "-s", f"MF_ARCHIVE_URL=sqlite:///{demo / 'archive.sqlite3'}")
    assert (result.returncode, result.stderr.strip()) == (2, f"scrapy explore: --port {port}: cannot listen "
                                                              "(already in use)")


def test_export_sqlite_refuses_filters(demo, tmp_path):
    result = run_scrapy("export", "--sqlite", str(tmp_path / "x.sqlite3"), "--source", "mid",
                        "-s", f"MF_ARCHIVE_URL=sqlite:///{demo / 'archive.sqlite3'}")
    assert (result.returncode, result.stderr.strip()) == (
        2, "scrapy export: --sqlite writes the whole archive: filters apply to JSON Lines and --warc")
    assert not (tmp_path / "x.sqlite3").exists()
