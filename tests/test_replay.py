"""The offline mirror behind ``-a replay=DIR``."""

import json

import pytest

from crawler.replay import Mirror, MirrorError
from tests.conftest import FIXTURES


def test_lookup_ignores_www_and_fragment():
    status, headers, body = Mirror(FIXTURES).lookup("https://www.mid.ru/en/foreign_policy/news/1819686/#top")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"photo-content__title" in body


def test_unknown_url_is_none():
    assert Mirror(FIXTURES).lookup("https://mid.ru/en/nothing/") is None


def test_bad_manifests_name_the_file(tmp_path):
    with pytest.raises(MirrorError, match=r"manifest\.json: no such file"):
        Mirror(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(MirrorError, match=r"manifest\.json: not valid JSON"):
        Mirror(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": {"status": 200}}), encoding="utf-8")
    with pytest.raises(MirrorError, match=r"entry for https://x/ needs a 'file'"):
        Mirror(tmp_path)


def test_missing_file_names_it(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": {"file": "gone.html"}}), encoding="utf-8")
    with pytest.raises(MirrorError, match=r"gone\.html: cannot read mirror file for https://x/"):
        Mirror(tmp_path).lookup("https://x/")


def test_every_manifest_entry_exists():
    for url, entry in json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8")).items():
        assert (FIXTURES / entry["file"]).is_file(), url


def test_a_mirror_is_read_once_while_its_manifest_stays(tmp_path):
    (tmp_path / "a.html").write_text("A", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/a": {"file": "a.html"}}), encoding="utf-8")
    first = Mirror.open(tmp_path)
    assert Mirror.open(tmp_path / ".") is first  # one copy for every spider of a process
    assert first.lookup("https://x/a")[2] == b"A"
    (tmp_path / "b.html").write_text("B", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/a": {"file": "a.html"},
                                                        "https://x/b": {"file": "b.html"}}), encoding="utf-8")
    second = Mirror.open(tmp_path)
    assert second is not first and second.lookup("https://x/b")[2] == b"B"
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(MirrorError, match=r"manifest\.json: no such file"):
        Mirror.open(tmp_path)
