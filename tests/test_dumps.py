"""The JSON Lines dumps of the public folder, streamed: one pass over a source and language gives
the bytes of the years read one by one; a year follows its statements' latest publication; a
year left empty goes; a failure leaves the files there as they were."""

from __future__ import annotations

import gzip
import json

import pytest

from crawler.files import TEMPORARY_NAME
from feeds.dumps import dump_keys, publish_dumps
from tests.feed_archive import PAGES, make_archive, statement


@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url)
    edited = statement(PAGES[0], fetched_at="2026-11-20T00:00:00Z")
    edited["body_text"] += "\n\nP.S."
    edited["body_html"] += "<p>P.S.</p>"
    moved = statement(PAGES[2], fetched_at="2026-11-21T00:00:00Z")
    moved["published"] = "2021-12-31T23:30:00+03:00"  # the ministry corrected the date: another year
    store.write_batch([], [edited, moved])
    yield store
    store.close()


def read(folder, path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress((folder / path).read_bytes()).decode("utf-8").splitlines()]


def test_one_pass_gives_the_bytes_of_each_year_on_its_own(archive, tmp_path):
    whole, years = tmp_path / "whole", tmp_path / "years"
    publish_dumps(archive, whole, None)
    publish_dumps(archive, years, None)
    keys = set(dump_keys(archive))
    assert keys == {("mid", "en", "2017"), ("mid", "en", "2021"), ("mid", "en", "2022"), ("mid", "ru", "2022")}
    for path in years.rglob("*.jsonl.gz"):
        path.write_bytes(b"damaged")
    written = publish_dumps(archive, years, keys)  # each year read on its own
    dumps = [f"data/{s}/{lang}/{y}.{kind}jsonl.gz" for s, lang, y in keys for kind in ("", "qa.")]
    assert sorted(written) == sorted([*dumps, "data/manifest.json", "data/SHA256SUMS"])
    for path in whole.rglob("*.jsonl.gz"):
        assert path.read_bytes() == (years / path.relative_to(whole)).read_bytes(), path
    manifest = [json.loads((folder / "manifest.json").read_text())["files"] for folder in (whole, years)]
    assert manifest[0] == manifest[1]


def test_a_statement_is_dumped_with_every_version_in_the_year_of_its_latest(archive, tmp_path):
    publish_dumps(archive, tmp_path, None)
    moved = [line for line in read(tmp_path, "mid/en/2021.jsonl.gz")]
    assert [(line["version"], line["published"][:4]) for line in moved] == [(1, "2022"), (2, "2021")]
    edited = [line for line in read(tmp_path, "mid/en/2022.jsonl.gz") if line["url"] == PAGES[0]]
    assert [line["version"] for line in edited] == [1, 2]
    entries = {entry["path"]: entry for entry in json.loads((tmp_path / "manifest.json").read_text())["files"]}
    assert (entries["mid/en/2021.jsonl.gz"]["lines"], entries["mid/en/2021.jsonl.gz"]["statements"]) == (2, 1)


def test_a_year_left_empty_goes(archive, tmp_path):
    publish_dumps(archive, tmp_path, None)
    back = statement(PAGES[4], fetched_at="2026-11-22T00:00:00Z")
    back["published"] = "2022-06-01T10:00:00+03:00"  # the only statement of 2017 moves to 2022
    archive.write_batch([], [back])
    written = publish_dumps(archive, tmp_path, {("mid", "en", "2017"), ("mid", "en", "2022")})
    assert written == ["data/mid/en/2022.jsonl.gz", "data/manifest.json", "data/SHA256SUMS"]
    assert not (tmp_path / "mid" / "en" / "2017.jsonl.gz").exists()
    assert not (tmp_path / "mid" / "en" / "2017.qa.jsonl.gz").exists()
    paths = [entry["path"] for entry in json.loads((tmp_path / "manifest.json").read_text())["files"]]
    assert paths == ["mid/en/2021.jsonl.gz", "mid/en/2021.qa.jsonl.gz", "mid/en/2022.jsonl.gz",
                     "mid/en/2022.qa.jsonl.gz", "mid/ru/2022.jsonl.gz", "mid/ru/2022.qa.jsonl.gz"]
    assert "mid/en/2017" not in (tmp_path / "SHA256SUMS").read_text()


def test_a_failure_leaves_the_other_files_as_they_were(archive, tmp_path):
    data = tmp_path / "data"
    publish_dumps(archive, data, None)
    edited = statement(PAGES[1], fetched_at="2026-11-23T00:00:00Z")
    edited["body_text"] += "\n\nP.S."
    edited["body_html"] += "<p>P.S.</p>"
    archive.write_batch([], [edited])
    # The year's file cannot be replaced (a folder took its name): the dump fails there.
    year = data / "mid" / "ru" / "2022.jsonl.gz"
    year.unlink()
    year.mkdir()
    before = {path: path.read_bytes() for path in data.rglob("*") if path.is_file()}
    with pytest.raises(IsADirectoryError):
        publish_dumps(archive, data, {("mid", "ru", "2022")})
    assert {path: path.read_bytes() for path in data.rglob("*") if path.is_file()} == before
    assert not [path for path in data.rglob("*") if TEMPORARY_NAME.match(path.name)]
