"""Publishing checks its state against the archive, the settings and its own code, and renders
everything again by itself when the public folder cannot be built on: an archive restored from an
older copy (crawled since or not), another base URL or feed setting, other code, a publication
that did not finish (whose temporary files it removes). Each time, the folder ends as a full
publication of the archive as it is would leave it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.files import TEMPORARY_NAME, remove_leftovers, write_atomic
from feeds.publish import STATE_FILE, renderer_digest
from feeds.publish import publish as publish_archive
from tests.feed_archive import BASE_URL, PAGES, make_archive, options, published_files, statement

OTHER_BASE = "https://mirror.example.net/ministry/"


def publish(store, out: Path, **changes):
    settings = {"entries": 2, "archive_page": 1, **changes}
    base_url = settings.pop("base_url", BASE_URL)
    return publish_archive(store, replace(options(out, **settings), base_url=base_url))


def assert_as_a_full_publication(store, out: Path, tmp_path: Path, **changes) -> None:
    """Every file a full publication of the archive writes into a new folder is in ``out`` with
    the same bytes."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    publish(store, fresh, **changes)
    expected, found = published_files(fresh), published_files(out)
    assert len(expected) > 20
    for path, data in expected.items():
        assert found.get(path) == data, f"{path} is not what a full publication writes"


def state(out: Path) -> dict:
    return json.loads((out / STATE_FILE).read_text(encoding="utf-8"))


def later(page: str, published: str, **changes) -> dict:
    doc = statement(page)
    doc["published"] = published
    doc.update(changes)
    return doc


@pytest.fixture
def live(tmp_path):
    """The archive as the public folder was last published from: three writes."""
    store = make_archive(f"sqlite:///{tmp_path / 'live.sqlite3'}", PAGES[:3])
    store.write_batch([], [later(PAGES[3], "2022-08-01T10:00:00+03:00")])
    store.write_batch([], [later(PAGES[4], "2019-03-05T10:00:00+03:00")])
    yield store
    store.close()


def test_an_unchanged_state_is_built_on(live, tmp_path):
    out = tmp_path / "public"
    first = publish(live, out)
    assert first.full_reason.startswith("no publication state")
    assert state(out)["status"] == "done"
    assert state(out)["change_seq"] == live.change_seq() == 3
    assert [witness[0] for witness in state(out)["witnesses"]] == ["mid:en:liferay-2826535"]
    again = publish(live, out)
    assert again.full_reason is None and again.rendered == 0 and again.written == []
    live.write_batch([], [later(PAGES[3], "2022-08-01T10:00:00+03:00", id="mid:en:7", site_id="7",
                                url="https://mid.ru/en/foreign_policy/news/7/")])
    step = publish(live, out)
    assert step.full_reason is None and 0 < step.rendered < first.rendered
    assert_as_a_full_publication(live, out, tmp_path)


def test_an_archive_restored_from_an_older_copy(live, tmp_path, archive_url):
    out = tmp_path / "public"
    publish(live, out)
    restored = make_archive(archive_url, PAGES[:3])  # the copy made after the first write
    assert restored.change_seq() == 1
    result = publish(restored, out)
    assert result.full_reason.startswith("the archive's change sequence went back (3 published, 1 now)")
    assert_as_a_full_publication(restored, out, tmp_path)
    assert b"2826535" not in (out / "all" / "en.atom").read_bytes()  # a statement the copy never had
    assert publish(restored, out).full_reason is None
    restored.close()


def test_an_archive_restored_from_an_older_copy_and_crawled_since(live, tmp_path, archive_url):
    out = tmp_path / "public"
    publish(live, out)
    restored = make_archive(archive_url, PAGES[:3])
    edited = statement(PAGES[2], fetched_at="2026-11-22T00:00:00Z")
    edited["body_html"] += "<p>An edit the live archive never had.</p>"
    edited["body_text"] += "\n\nAn edit the live archive never had."
    restored.write_batch([], [edited])
    restored.write_batch([], [later(PAGES[3], "2022-09-09T10:00:00+03:00")])
    assert restored.change_seq() == 3  # the number published: only the statements tell the two apart
    result = publish(restored, out)
    assert result.full_reason.startswith("the archive is not the one last published (statement mid:en:")
    assert_as_a_full_publication(restored, out, tmp_path)
    assert b"An edit the live archive never had." in (out / "mid" / "en.atom").read_bytes()
    restored.close()


def test_a_statement_changed_again_since_is_no_stranger(live, tmp_path):
    out = tmp_path / "public"
    publish(live, out)
    moved = later(PAGES[4], "2019-04-05T10:00:00+03:00", fetched_at="2026-11-23T00:00:00Z")
    moved["body_html"] += "<p>More.</p>"
    moved["body_text"] += "\n\nMore."
    live.write_batch([], [moved])  # the witness itself changes: a later change sequence
    assert publish(live, out).full_reason is None
    assert_as_a_full_publication(live, out, tmp_path)


def test_a_new_base_url(live, tmp_path):
    out = tmp_path / "public"
    old_base = "https://old-host.example.com/"
    publish(live, out, base_url=old_base)
    result = publish(live, out, base_url=OTHER_BASE)
    assert result.full_reason == f"MF_PUBLIC_BASE_URL ({old_base!r} → {OTHER_BASE!r}) changed"
    assert_as_a_full_publication(live, out, tmp_path, base_url=OTHER_BASE)
    files = published_files(out)
    assert sum(OTHER_BASE.encode() in data for data in files.values()) > 20
    for path, data in files.items():
        assert b"old-host" not in data, f"{path} keeps the old base URL"


@pytest.mark.parametrize(("setting", "name", "value"), [
    ("MF_FEED_ENTRIES", "entries", 3), ("MF_FEED_ARCHIVE_PAGE", "archive_page", 2),
    ("MF_FEED_MAX_BYTES", "max_bytes", 12_000), ("MF_FEED_MAX_CONTENT_CHARS", "max_content_chars", 1000),
])
def test_other_feed_settings(live, tmp_path, setting, name, value):
    out = tmp_path / "public"
    publish(live, out)
    result = publish(live, out, **{name: value})
    assert result.full_reason.startswith(f"{setting} (") and result.full_reason.endswith(f"→ {value!r}) changed")
    assert_as_a_full_publication(live, out, tmp_path, **{name: value})


def test_other_rendering_code(live, tmp_path):
    out = tmp_path / "public"
    publish(live, out)
    written = state(out)
    assert written["renderer"] == renderer_digest()
    # What the same release, deployed from another commit, left.
    write_atomic(out / STATE_FILE, json.dumps({**written, "renderer": "0" * 64}).encode())
    result = publish(live, out)
    assert result.full_reason == "the code that renders the documents changed since the last publication"
    assert state(out)["renderer"] == renderer_digest()


def test_the_digest_follows_every_file_of_the_rendering_code(tmp_path):
    root = tmp_path / "release"
    source = Path(__file__).resolve().parent.parent
    for name in ("feeds", "crawler/normalise"):
        shutil.copytree(source / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("crawler/sources.py", "crawler/__init__.py"):
        shutil.copyfile(source / name, root / name)
    before = renderer_digest(root)
    assert before == renderer_digest(source)
    (root / "feeds" / "__pycache__").mkdir()
    (root / "feeds" / "__pycache__" / "atom.cpython-311.pyc").write_bytes(b"compiled")
    assert renderer_digest(root) == before
    for name in ("feeds/atom.py", "feeds/feed.xsl", "crawler/normalise/html.py", "crawler/sources.py"):
        with (root / name).open("a", encoding="utf-8") as handle:
            handle.write("\n")
        after = renderer_digest(root)
        assert after != before, name
        before = after


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"format": 2, "status": "done"}', b"\xff\xfe"])
def test_a_state_it_cannot_read(live, tmp_path, content):
    out = tmp_path / "public"
    publish(live, out)
    (out / STATE_FILE).write_bytes(content)
    result = publish(live, out)
    assert result.full_reason is not None
    assert_as_a_full_publication(live, out, tmp_path)
    assert state(out)["status"] == "done"


def test_a_publication_that_did_not_finish(live, tmp_path):
    out = tmp_path / "public"
    publish(live, out)
    live.write_batch([], [later(PAGES[3], "2022-08-02T10:00:00+03:00", id="mid:en:7", site_id="7",
                                url="https://mid.ru/en/foreign_policy/news/7/")])
    # The disk refuses one file midway (as a full disk would): the publication stops there.
    (out / "all" / "en.atom").unlink()
    (out / "all" / "en.atom").mkdir()
    with pytest.raises(OSError):
        publish(live, out)
    assert state(out)["status"] == "in progress"
    # What a publication killed in the middle of writes leaves beside its targets.
    leftovers = [out / "mid" / ".en.atom.k2x9q0zz.tmp", out / "data" / "mid" / "en" / ".2022.jsonl.gz.a1b2c3d4.tmp",
                 out / f".{STATE_FILE}.5jv8_q1r.tmp", out / "mid" / "en" / "archive" / ".2022-08.atom.ffff0000.tmp"]
    for path in leftovers:
        assert TEMPORARY_NAME.match(path.name), path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"<half")
    (out / "all" / "en.atom").rmdir()
    result = publish(live, out)
    assert result.full_reason == "the last publication did not finish"
    assert result.leftovers_removed == len(leftovers)
    assert not any(path.exists() for path in leftovers)
    assert_as_a_full_publication(live, out, tmp_path)
    assert state(out)["status"] == "done"


def test_leftovers_are_only_write_atomic_temporary_files(tmp_path):
    kept = [".publish-state.json", ".publish.lock", "en.atom", ".en.atom.tmp", "x.tmp", ".en.atom.abc.tmp",
            ".hidden", "notes.txt.k2x9q0zz.tmp"]
    for name in kept:
        (tmp_path / name).write_text("keep")
    write_atomic(tmp_path / "written.atom", b"data")
    gone = tmp_path / "sub" / ".en.atom.k2x9q0zz.tmp"
    gone.parent.mkdir()
    gone.write_text("half")
    assert remove_leftovers(tmp_path) == [gone]
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == sorted([*kept, "written.atom"])
