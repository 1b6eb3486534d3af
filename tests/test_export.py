"""JSON Lines exports and published dumps: schema-valid lines, exact counts, versions in order."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date

import pytest
from jsonschema import Draft202012Validator

from crawler.items import PageEvent, statement_schema
from crawler.sources import SOURCES
from feeds.dumps import publish_dumps
from feeds.jsonl import LINE_FIELDS, ExportError, ExportQuery, count, encode, lines, parse_day, write_lines
from feeds.publish import publish
from tests.feed_archive import PAGES, make_archive, options, statement

VALIDATOR = Draft202012Validator(statement_schema())


@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url)
    edited = statement(PAGES[2], fetched_at="2026-11-20T10:00:00Z")
    edited["title"] += " (corrected)"
    store.write_batch([], [edited])
    store.write_batch([], [PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")])
    yield store
    store.close()


def ids(store, **query) -> list[str]:
    return [line["id"] for line in lines(store, ExportQuery(**query))]


def test_every_line_validates_and_has_the_fields_in_order(archive):
    for versions in ("latest", "all"):
        for line in lines(archive, ExportQuery(versions=versions, include_removed=True)):
            assert list(json.loads(json.dumps(line))) != []
            errors = list(VALIDATOR.iter_errors({k: line[k] for k in LINE_FIELDS}))
            assert errors == [], (line["id"], [e.message for e in errors])


def test_counts_match_the_archive_for_each_filter(archive):
    cases = [
        ({}, ["mid:en:liferay-2826535", "mid:en:1819686", "mid:ru:1819686", "mid:en:1820480"]),
        ({"include_removed": True}, ["mid:en:liferay-2826535", "mid:en:1819686", "mid:ru:1819686",
                                     "mid:en:1820480", "mid:en:1820702"]),
        ({"language": "ru"}, ["mid:ru:1819686"]),
        ({"type": "briefing"}, ["mid:en:1820480"]),
        ({"tag": "Council of Europe (CoE)"}, ["mid:en:liferay-2826535"]),
        ({"since": date(2022, 6, 29)}, ["mid:en:1820480"]),
        ({"until": date(2022, 6, 28)}, ["mid:en:liferay-2826535", "mid:en:1819686", "mid:ru:1819686"]),
        ({"since": date(2022, 6, 28), "until": date(2022, 6, 28)}, ["mid:en:1819686", "mid:ru:1819686"]),
        ({"source": "mid", "language": "en", "type": "comment", "include_removed": True}, ["mid:en:1820702"]),
    ]
    for query, expected in cases:
        assert ids(archive, **query) == expected, query
        assert count(archive, ExportQuery(**query)) == len(expected), query


def test_versions_all_returns_every_version_in_order(archive):
    versions = [line for line in lines(archive, ExportQuery(versions="all", include_removed=True))
                if line["id"] == "mid:en:1820480"]
    assert [v["version"] for v in versions] == [1, 2]
    assert not versions[0]["title"].endswith("(corrected)")
    assert versions[1]["title"].endswith("(corrected)")
    assert versions[0]["updated"] == versions[0]["published"]
    assert versions[1]["updated"] == "2026-11-20T10:00:00Z"
    assert versions[0]["content_hash"] != versions[1]["content_hash"]
    latest = [line for line in lines(archive, ExportQuery()) if line["id"] == "mid:en:1820480"]
    assert [(v["version"], v["updated"]) for v in latest] == [(2, "2026-11-20T10:00:00Z")]
    removed = [line for line in lines(archive, ExportQuery(include_removed=True)) if line["id"] == "mid:en:1820702"]
    assert removed[0]["removed_at"] == "2026-11-21T08:00:00Z"


def test_bad_requests_are_one_line_errors():
    with pytest.raises(ExportError, match=rf"unknown source 'xx' \(known: {', '.join(sorted(SOURCES))}\)"):
        ExportQuery(source="xx").check()
    with pytest.raises(ExportError, match="unknown type 'memo'"):
        ExportQuery(type="memo").check()
    with pytest.raises(ExportError, match=r"--since: '2022-02-30' is not a date"):
        parse_day("2022-02-30", "--since")
    with pytest.raises(ExportError, match="--versions takes latest or all"):
        ExportQuery(versions="some").check()
    with pytest.raises(ExportError, match="is after"):
        ExportQuery(since=date(2023, 1, 1), until=date(2022, 1, 1)).check()


def test_gzip_file_reads_back(archive, tmp_path):
    target = tmp_path / "out.jsonl.gz"
    assert write_lines(lines(archive, ExportQuery()), target, compress=True) == 4
    with gzip.open(target, "rt", encoding="utf-8") as handle:
        read = [json.loads(line) for line in handle]
    assert [line["id"] for line in read] == ids(archive)
    assert list(tmp_path.glob(".*part")) == []


def test_a_failing_export_leaves_no_file(archive, tmp_path):
    target = tmp_path / "out.jsonl"

    def broken():
        yield from lines(archive, ExportQuery())
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_lines(broken(), target, compress=False)
    assert not target.exists()
    assert list(tmp_path.glob(".out.jsonl.*")) == []  # the file written beside it is gone too


def test_published_dumps_and_checksums_verify(archive, tmp_path):
    out = tmp_path / "public"
    publish(archive, options(out))
    data = out / "data"
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema"]["version"] == "1.6.0"
    paths = [entry["path"] for entry in manifest["files"] if entry["kind"] == "statements"]
    assert paths == ["mid/en/2017.jsonl.gz", "mid/en/2022.jsonl.gz", "mid/ru/2022.jsonl.gz"]
    sums = dict(reversed(line.split("  ")) for line in (data / "SHA256SUMS").read_text().splitlines())
    total = 0
    for entry in manifest["files"]:
        if entry["kind"] != "statements":  # question-answer pairs: tests/test_qa.py
            continue
        raw = (data / entry["path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"] == sums[entry["path"]]
        assert len(raw) == entry["bytes"]
        read = [json.loads(line) for line in gzip.decompress(raw).decode("utf-8").splitlines()]
        assert len(read) == entry["lines"]
        assert len({line["id"] for line in read}) == entry["statements"]
        assert read[0]["published"] == entry["first_published"]
        for line in read:
            assert not list(VALIDATOR.iter_errors(line))
        total += entry["lines"]
    assert total == 6  # five statements, one of them in two versions


def test_unchanged_years_are_not_rewritten(archive, tmp_path):
    out = tmp_path / "data"
    publish_dumps(archive, out, None)
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert publish_dumps(archive, out, {("mid", "en", "2022")}) == []
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    later = statement(PAGES[0], fetched_at="2026-11-25T00:00:00Z")
    later["body_text"] += "\n\nP.S."
    later["body_html"] += "<p>P.S.</p>"
    archive.write_batch([], [later])
    written = publish_dumps(archive, out, {("mid", "en", "2022")})
    assert written == ["data/mid/en/2022.jsonl.gz", "data/manifest.json", "data/SHA256SUMS"]


def test_versions_after_the_first_carry_what_changed(archive):
    # A third version of the briefing: one paragraph rewritten, one added at the end.
    third = statement(PAGES[2], fetched_at="2026-11-22T10:00:00Z")
    third["title"] += " (corrected)"
    paragraphs = third["body_text"].split("\n\n")
    paragraphs[1] = paragraphs[1].replace("the", "THE", 1)
    third["body_text"] = "\n\n".join([*paragraphs, "A paragraph added later."])
    third["body_html"] += "<p>A paragraph added later.</p>"
    assert archive.write_batch([], [third]) == ["updated"]
    versions = [line for line in lines(archive, ExportQuery(versions="all")) if line["id"] == "mid:en:1820480"]
    assert [line["changes"] for line in versions] == [
        None,
        {"from_version": 1, "fields": ["title"], "title_changed": True, "paragraphs_added": 0,
         "paragraphs_removed": 0, "paragraphs_changed": 0, "characters_changed": len(" (corrected)")},
        {"from_version": 2, "fields": ["body_text", "body_html"], "title_changed": False, "paragraphs_added": 1,
         "paragraphs_removed": 0, "paragraphs_changed": 1,
         "characters_changed": 2 * len("the") + len("A paragraph added later.")},
    ]
    # An export of latest versions compares the latest with the one before it.
    latest = next(line for line in lines(archive, ExportQuery()) if line["id"] == "mid:en:1820480")
    assert latest["version"] == 3 and latest["changes"] == versions[2]["changes"]
    # Statements of one version, and lines of other statements in between: no changes.
    assert {line["id"]: line["changes"] for line in lines(archive, ExportQuery(versions="all"))
            if line["id"] != "mid:en:1820480"} == dict.fromkeys(
        ["mid:en:liferay-2826535", "mid:en:1819686", "mid:ru:1819686"])
    for line in versions:
        assert not list(VALIDATOR.iter_errors({k: line[k] for k in LINE_FIELDS}))
    assert list(json.loads(encode(versions[2]))) == list(LINE_FIELDS)
    assert list(LINE_FIELDS)[-1] == "changes"
