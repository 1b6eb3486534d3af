"""``scrapy serve``: the public folder over real HTTP, one test per rule (RFC 9110 §13 conditional
requests, content negotiation, what is served and as what, bad paths)."""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import time
from email.utils import formatdate

import pytest

from feeds.publish import publish
from tests.crawl import start_scrapy
from tests.feed_archive import make_archive, options

pytestmark = pytest.mark.e2e

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
FEEDPARSER = ("application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
              "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1")


class Served:
    def __init__(self, folder, host: str, port: int, line: str) -> None:
        self.folder, self.host, self.port, self.line = folder, host, port, line

    def request(self, method: str, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name.replace("_", "-"), value)
            connection.endheaders()
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def get(self, path: str, **headers: str):
        return self.request("GET", path, **headers)

    def raw(self, request_line: bytes) -> bytes:
        """The status line answered to a request line sent as it is (no client normalises it)."""
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(request_line + b"\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            return sock.makefile("rb").readline()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    public = folder / "public"
    # Serving is the same whatever the archive's backend: one SQLite archive serves every test.
    store = make_archive(f"sqlite:///{folder / 'a.sqlite3'}")
    publish(store, options(public))
    store.close()
    # What a killed publish or an editor may leave, and what must never be served.
    (public / "mid" / ".en.atom.x1y2.tmp").write_bytes(b"<half")
    (public / "data" / ".2022.jsonl.gz.ab.part").write_bytes(b"half")
    (public / "notes.bak").write_text("private")
    (public / "outside").symlink_to("/etc/hostname")
    (public / "escape.atom").symlink_to(folder / "a.sqlite3")
    server = start_scrapy("serve", "--port", "0", "-s", f"MF_PUBLIC_DIR={public}")
    line = server.stderr.readline()
    url = line.split(" at ", 1)[1].split(" ", 1)[0]
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    yield Served(public, host, int(port), line)
    server.terminate()
    server.wait(timeout=10)


def test_binds_to_localhost_by_default(served):
    assert served.host == "127.0.0.1"
    assert served.line.startswith(f"serving {served.folder} at http://127.0.0.1:")


@pytest.mark.parametrize(("path", "content_type"), [
    ("/mid/en.atom", "application/atom+xml; charset=utf-8"),
    ("/mid/en/archive/2022-06.atom", "application/atom+xml; charset=utf-8"),
    ("/feeds.opml", "text/x-opml; charset=utf-8"),
    ("/", "text/html; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/feed.xsl", "application/xslt+xml; charset=utf-8"),
    ("/data/mid/en/2022.jsonl.gz", "application/gzip"),
    ("/data/SHA256SUMS", "text/plain; charset=utf-8"),
    ("/data/manifest.json", "application/json"),
    ("/schema/statement.schema.json", "application/json"),
])
def test_types_and_validators(served, path, content_type):
    response, body = served.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"].startswith('"') and response.headers["ETag"].endswith('"')
    assert response.headers["Last-Modified"].endswith(" GMT")
    assert int(response.headers["Content-Length"]) == len(body)
    on_disk = served.folder / (path.lstrip("/") or "index.html")
    assert body == on_disk.read_bytes()


def test_head_has_the_headers_of_get_and_no_body(served):
    got, body = served.get("/mid/en.atom")
    head, head_body = served.request("HEAD", "/mid/en.atom")
    assert head.status == 200
    assert head_body == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Vary"):
        assert head.headers[name] == got.headers[name]
    assert int(head.headers["Content-Length"]) == len(body)


def test_if_none_match_strong_match_is_304_with_validators(served):
    etag = served.get("/mid/en.atom")[0].headers["ETag"]
    response, body = served.get("/mid/en.atom", If_None_Match=etag)
    assert response.status == 304
    assert body == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Vary"] == "Accept, Accept-Encoding"


def test_if_none_match_uses_weak_comparison(served):
    etag = served.get("/mid/en.atom")[0].headers["ETag"]
    assert served.get("/mid/en.atom", If_None_Match=f"W/{etag}")[0].status == 304
    assert served.get("/mid/en.atom", If_None_Match=f'"other", W/{etag}')[0].status == 304


def test_if_none_match_star_matches_any_existing_file(served):
    assert served.get("/mid/en.atom", If_None_Match="*")[0].status == 304
    assert served.request("HEAD", "/feeds.opml", If_None_Match="*")[0].status == 304
    assert served.get("/nothing.atom", If_None_Match="*")[0].status == 404


def test_if_none_match_wins_over_if_modified_since(served):
    # A stale ETag with a fresh date: the reader must get the new feed, not keep its stale one.
    fresh = formatdate(time.time() + 3600, usegmt=True)
    response, body = served.get("/mid/en.atom", If_None_Match='"stale"', If_Modified_Since=fresh)
    assert response.status == 200
    assert body.startswith(b"<?xml")


def test_if_modified_since_alone(served):
    modified = served.get("/mid/en.atom")[0].headers["Last-Modified"]
    assert served.get("/mid/en.atom", If_Modified_Since=modified)[0].status == 304
    assert served.request("HEAD", "/mid/en.atom", If_Modified_Since=modified)[0].status == 304
    assert served.get("/mid/en.atom", If_Modified_Since="Sat, 01 Jan 2000 00:00:00 GMT")[0].status == 200
    assert served.get("/mid/en.atom", If_Modified_Since="not a date")[0].status == 200  # ignored


def test_if_modified_since_only_for_get_and_head(served):
    modified = served.get("/mid/en.atom")[0].headers["Last-Modified"]
    response, _ = served.request("POST", "/mid/en.atom", If_Modified_Since=modified)
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_if_match_and_if_unmodified_since(served):
    etag = served.get("/mid/en.atom")[0].headers["ETag"]
    assert served.get("/mid/en.atom", If_Match=etag)[0].status == 200
    assert served.get("/mid/en.atom", If_Match="*")[0].status == 200
    assert served.get("/mid/en.atom", If_Match='"other"')[0].status == 412
    assert served.get("/mid/en.atom", If_Match=f"W/{etag}")[0].status == 412  # strong comparison
    assert served.get("/mid/en.atom", If_Unmodified_Since="Sat, 01 Jan 2000 00:00:00 GMT")[0].status == 412


def test_gzip_and_identity_are_two_representations(served):
    plain, plain_body = served.get("/mid/en.atom")
    coded, coded_body = served.get("/mid/en.atom", Accept_Encoding="gzip, deflate")
    assert "Content-Encoding" not in plain.headers
    assert coded.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(coded_body) == plain_body
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert "Accept-Encoding" in coded.headers["Vary"]
    assert coded.headers["ETag"] != plain.headers["ETag"]
    # Each ETag validates its own representation only.
    assert served.get("/mid/en.atom", Accept_Encoding="gzip", If_None_Match=coded.headers["ETag"])[0].status == 304
    assert served.get("/mid/en.atom", Accept_Encoding="gzip", If_None_Match=plain.headers["ETag"])[0].status == 200
    assert served.get("/mid/en.atom", If_None_Match=coded.headers["ETag"])[0].status == 200


@pytest.mark.parametrize(("accept_encoding", "gzipped"), [
    ("gzip;q=0", False), ("identity", False), ("*", True), ("gzip;q=0.5, identity", False),
    ("x-gzip", True), ("br, gzip;q=0.8, identity;q=0.5", True), ("", False),
])
def test_accept_encoding_weights(served, accept_encoding, gzipped):
    response, _ = served.get("/feeds.opml", Accept_Encoding=accept_encoding)
    assert (response.headers.get("Content-Encoding") == "gzip") is gzipped


def test_compressed_dumps_are_served_as_they_are(served):
    response, body = served.get("/data/mid/en/2022.jsonl.gz", Accept_Encoding="gzip")
    assert "Content-Encoding" not in response.headers
    assert "Vary" not in response.headers
    assert body == (served.folder / "data/mid/en/2022.jsonl.gz").read_bytes()
    assert gzip.decompress(body).startswith(b'{"id": ')


def test_browsers_get_the_feed_as_xml_so_its_stylesheet_applies(served):
    reader, body = served.get("/mid/en.atom", Accept=FEEDPARSER)
    browser, page_body = served.get("/mid/en.atom", Accept=BROWSER)
    assert reader.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert served.get("/mid/en.atom", Accept="*/*")[0].headers["Content-Type"].startswith("application/atom+xml")
    assert browser.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert page_body == body
    assert browser.headers["ETag"] != reader.headers["ETag"]
    assert browser.headers["Vary"] == "Accept, Accept-Encoding"


@pytest.mark.parametrize("path", [
    "/.publish-state.json", "/mid/.en.atom.x1y2.tmp", "/data/.2022.jsonl.gz.ab.part", "/notes.bak",
    "/outside", "/escape.atom", "/mid/", "/mid", "/data/", "/nothing.atom", "/mid//en.atom",
])
def test_only_published_files_are_served(served, path):
    assert (served.folder / ".publish-state.json").exists()
    response, body = served.get(path)
    assert response.status == 404, path
    assert b"half" not in body and b"private" not in body


@pytest.mark.parametrize("request_line", [
    b"GET /mid/en.atom%00 HTTP/1.1", b"GET /mid/en%00.atom HTTP/1.1", b"GET /mid/\x00en.atom HTTP/1.1",
    b"GET /../../etc/passwd HTTP/1.1", b"GET /mid/../feeds.opml HTTP/1.1", b"GET /%2e%2e/etc/passwd HTTP/1.1",
    b"GET /mid%2fen.atom HTTP/1.1", b"GET /mid%5cen.atom HTTP/1.1", b"GET /..%5c..%5cetc/passwd HTTP/1.1",
    b"GET /mid/%zz.atom HTTP/1.1", b"GET /mid/%ff.atom HTTP/1.1", b"GET /./feeds.opml HTTP/1.1",
    b"GET mid/en.atom HTTP/1.1", b"GET /mid/en.atom\x7f HTTP/1.1",
])
def test_bad_paths_are_400(served, request_line):
    assert served.raw(request_line).startswith(b"HTTP/1.1 400 "), request_line


def test_absolute_form_and_query_strings(served):
    assert served.raw(b"GET http://localhost/feeds.opml HTTP/1.1").startswith(b"HTTP/1.1 200 ")
    assert served.get("/mid/en.atom?utm_source=reader")[0].status == 200


def test_a_republished_file_gets_a_new_etag(served):
    path = served.folder / "feeds.opml"
    before = served.get("/feeds.opml")[0].headers["ETag"]
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after, _ = served.get("/feeds.opml")
    assert after.headers["ETag"] != before
    assert served.get("/feeds.opml", If_None_Match=before)[0].status == 200
