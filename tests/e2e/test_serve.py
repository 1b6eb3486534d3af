"""``scrapy serve``: the public folder over HTTP with ETag, Last-Modified, 304 and gzip."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request

import pytest

from feeds.publish import publish
from tests.crawl import start_scrapy
from tests.feed_archive import make_archive, options

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(tmp_path, archive_url):
    store = make_archive(archive_url)
    publish(store, options(tmp_path / "public"))
    store.close()
    server = start_scrapy("serve", "--port", "0", "-s", f"MF_PUBLIC_DIR={tmp_path / 'public'}")
    line = server.stderr.readline()
    yield line, line.split(" at ", 1)[1].split(" ", 1)[0]
    server.terminate()
    server.wait(timeout=10)


def get(url: str, **headers: str):
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_binds_to_localhost_by_default(served):
    _line, url = served
    assert url.startswith("http://127.0.0.1:")


def test_etag_last_modified_and_304(served):
    _, url = served
    first = get(url + "mid/en.atom")
    assert first.status == 200
    assert first.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag
    assert modified
    assert first.read().startswith(b"<?xml")
    assert get(url + "mid/en.atom", **{"If-None-Match": etag}).status == 304
    assert get(url + "mid/en.atom", **{"If-Modified-Since": modified}).status == 304
    assert get(url + "mid/en.atom", **{"If-None-Match": '"other"'}).status == 200


def test_gzip_and_index(served):
    _, url = served
    response = get(url + "mid/en.atom", **{"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.read()).startswith(b"<?xml")
    index = get(url)
    assert index.status == 200
    assert b"<h1>ministry-feeds</h1>" in index.read()


def test_no_listing_and_no_escape(served):
    _, url = served
    assert get(url + "mid/").status == 404
    assert get(url + "../../etc/passwd").status == 404
