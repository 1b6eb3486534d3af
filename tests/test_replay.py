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
    (tmp_path / "manifest.json").write_bytes(b"\xff\xfe")  # not UTF-8: it was a traceback
    with pytest.raises(MirrorError) as raised:
        Mirror(tmp_path)
    assert str(raised.value) == f"{tmp_path}/manifest.json: not UTF-8 text (invalid start byte at byte 0)"
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": {"status": 200}}), encoding="utf-8")
    with pytest.raises(MirrorError, match=r"entry for https://x/ needs a 'file'"):
        Mirror(tmp_path)


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("status", "abc", "status 'abc' is not an HTTP status (100 to 599)"),
    ("status", "2.5", "status '2.5' is not an HTTP status (100 to 599)"),
    ("status", 99, "status 99 is not an HTTP status (100 to 599)"),
    ("status", 600, "status 600 is not an HTTP status (100 to 599)"),
    ("status", True, "status True is not an HTTP status (100 to 599)"),
    ("headers", "nope", "headers must map names to strings (or lists of strings)"),
    ("headers", ["Content-Type", "text/html"], "headers must map names to strings (or lists of strings)"),
    ("headers", {"Content-Length": 5}, "headers must map names to strings (or lists of strings)"),
    ("headers", {"Set-Cookie": ["a=1", 2]}, "headers must map names to strings (or lists of strings)"),
])
def test_a_bad_status_or_headers_is_refused_when_the_mirror_is_opened(tmp_path, field, value, reason):
    """Before any request: in a crawl, it was a traceback from inside the download handler."""
    (tmp_path / "page.html").write_text("<html></html>", encoding="utf-8")
    entry = {"file": "page.html", field: value}
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": entry}), encoding="utf-8")
    with pytest.raises(MirrorError) as raised:
        Mirror(tmp_path)
    assert str(raised.value) == f"{tmp_path}/manifest.json: entry for https://x/: {reason}"
    entry.pop(field)  # status and headers are optional
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": entry}), encoding="utf-8")
    assert Mirror(tmp_path).lookup("https://x/") == (200, {}, b"<html></html>")


def test_a_status_as_a_string_and_a_repeated_header_are_read(tmp_path):
    (tmp_path / "page.html").write_text("<html></html>", encoding="utf-8")
    entry = {"file": "page.html", "status": "404", "headers": {"Set-Cookie": ["a=1", "b=2"]}}
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": entry}), encoding="utf-8")
    assert Mirror(tmp_path).lookup("https://x/") == (404, {"Set-Cookie": ["a=1", "b=2"]}, b"<html></html>")


def test_missing_file_names_it(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": {"file": "gone.html"}}), encoding="utf-8")
    with pytest.raises(MirrorError) as raised:  # when the mirror is opened, before any request
        Mirror.open(tmp_path)
    assert str(raised.value) == f"{tmp_path}/manifest.json: entry for https://x/: {tmp_path}/gone.html does not exist"
    (tmp_path / "gone.html").mkdir()
    with pytest.raises(MirrorError) as raised:
        Mirror(tmp_path)
    assert str(raised.value) == f"{tmp_path}/manifest.json: entry for https://x/: {tmp_path}/gone.html is not a file"


def test_a_file_gone_after_opening_names_it(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"https://x/": {"file": "page.html"}}), encoding="utf-8")
    (tmp_path / "page.html").write_text("<p>x</p>", encoding="utf-8")
    mirror = Mirror(tmp_path)
    (tmp_path / "page.html").unlink()
    with pytest.raises(MirrorError, match=r"page\.html: cannot read mirror file for https://x/"):
        mirror.lookup("https://x/")


def test_every_manifest_entry_exists():
    for url, entry in json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8")).items():
        assert (FIXTURES / entry["file"]).is_file(), url


# --- download size limits, as on the network ---------------------------------------------------------
BIG_ARTICLE = "https://mid.ru/en/foreign_policy/news/1819686/"


def _huge_page(size: int) -> bytes:
    """The real article page padded to ``size`` bytes with an HTML comment (still a valid page)."""
    page = (FIXTURES / Mirror(FIXTURES).entries["https://mid.ru/en/foreign_policy/news/1819686/"]["file"]).read_bytes()
    return page.replace(b"</body>", b"<!--" + b"x" * (size - len(page) - len(b"<!---->")) + b"--></body>")


def _crawl_news(tmp_path, *options: str):
    from tests.crawl import fast_settings, run_scrapy

    archive = tmp_path / "archive.sqlite3"
    result = run_scrapy("crawl", "mid", "-a", "languages=en", "-a", "sections=foreign_policy/news", *options,
                        *fast_settings(archive, LOG_LEVEL="WARNING"))
    assert result.returncode == 0, result.stderr[-3000:]
    from crawler.store import Selection, open_archive

    with open_archive(f"sqlite:///{archive}", readonly=True) as store:
        urls = {doc["url"] for doc in store.documents(Selection(include_repeats=True))}
        pending = {row["url"]: row["reason"] for row in store.pending("mid")}
    return result, urls, pending


def _mirror_with(tmp_path, url: str, body: bytes):
    """A mirror of the bundled one where ``url`` answers ``body``."""
    entries = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    for entry in entries.values():
        entry["file"] = str(FIXTURES / entry["file"])
    (tmp_path / "big.html").write_bytes(body)
    entries[url] = {**entries[url], "file": str(tmp_path / "big.html")}
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder


def test_replay_refuses_a_page_over_download_maxsize(tmp_path):
    mirror = _mirror_with(tmp_path, BIG_ARTICLE, _huge_page(20 * 1024 * 1024))  # DOWNLOAD_MAXSIZE: 10 MB
    _, urls, pending = _crawl_news(tmp_path, "-a", f"replay={mirror}")
    assert BIG_ARTICLE not in urls
    assert urls == {"https://mid.ru/en/foreign_policy/news/1820150/", "https://mid.ru/en/foreign_policy/news/1820801/"}
    assert pending[BIG_ARTICLE].startswith("DownloadCancelledError: Expected to receive 20971520 bytes which is "
                                           "larger than download max size (10485760)")


def test_replay_and_network_treat_a_big_page_alike(tmp_path):
    from tests.loopback import LoopbackSite

    body = _huge_page(300_000)
    limits = ("-s", "DOWNLOAD_MAXSIZE=200000", "-s", "DOWNLOAD_WARNSIZE=100000")
    (tmp_path / "r").mkdir()
    mirror = _mirror_with(tmp_path / "r", BIG_ARTICLE, body)
    _, replayed, replay_pending = _crawl_news(tmp_path / "r", "-a", f"replay={mirror}", *limits)
    (tmp_path / "n").mkdir()
    with LoopbackSite(FIXTURES) as site:
        site.set("/en/foreign_policy/news/1819686/", body)
        _, fetched, network_pending = _crawl_news(tmp_path / "n", "-s", f"MF_MID_BASE_URL={site.base_url}", *limits)
    assert BIG_ARTICLE not in replayed
    assert not [url for url in fetched if url.endswith("/1819686/")]
    for pending in (replay_pending, network_pending):
        reasons = [reason for url, reason in pending.items() if url.endswith("/1819686/")]
        assert [reason.split(":")[0] for reason in reasons] == ["DownloadCancelledError"]
    assert len(replayed) == len(fetched) == 2


def test_replay_warns_over_download_warnsize(tmp_path):
    mirror = _mirror_with(tmp_path, BIG_ARTICLE, _huge_page(150_000))
    result, urls, _ = _crawl_news(tmp_path, "-a", f"replay={mirror}", "-s", "DOWNLOAD_WARNSIZE=100000")
    assert BIG_ARTICLE in urls
    assert "Expected to receive 150000 bytes which is larger than download warn size (100000)" in result.stderr


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
