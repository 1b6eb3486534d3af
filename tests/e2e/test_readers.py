"""The demo as its readers meet it: ``scrapy update --replay tests/fixtures`` (every source), then
``scrapy serve`` on loopback, read by feedparser, by newsboat (a real feed reader, Debian's) and by
headless Chromium (the index page, and a feed shown through its XSLT stylesheet)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from crawler.store import Selection, open_archive
from tests.atom_rules import A, check_document
from tests.conftest import FIXTURES, external_program
from tests.crawl import run_scrapy, start_scrapy

pytestmark = pytest.mark.e2e
BASE = "https://feeds.example.org/"
#: Statements of the bundled mirror, as `make demo` archives them (two mid pages repeat old-site ones).
DEMO_STATEMENTS = 95
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Demo:
    def __init__(self, folder: Path, url: str, archive: str) -> None:
        self.folder, self.public, self.url = folder, folder / "public", url
        with open_archive(archive, readonly=True) as store:
            #: every archived statement's page, repeats of old-site ones included: id → URL
            self.urls = {doc["id"]: doc["url"] for doc in store.documents(Selection(include_repeats=True))}
            #: statements per language, without repeats (what the feeds list)
            self.per_language = {language: count for (language,), count in
                                 store.counts_by(Selection(), "language").items()}

    def feeds(self, archives: bool = False) -> list[str]:
        """Paths of the published Atom documents (subscription feeds, or every document)."""
        return sorted(str(p.relative_to(self.public)) for p in self.public.rglob("*.atom")
                      if archives or "/archive/" not in str(p))

    def entries(self, path: str) -> list[etree._Element]:
        return etree.fromstring((self.public / path).read_bytes()).findall(f"{A}entry")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, module_archive_url):
    """The demo crawled, published and served, with its archive on each backend in turn."""
    folder = tmp_path_factory.mktemp("demo")
    archive = module_archive_url
    result = run_scrapy("update", "--replay", str(FIXTURES), "-s", f"MF_ARCHIVE_URL={archive}",
                        "-s", f"MF_LOCK_PATH={folder / 'lock'}", "-s", f"MF_REPORT_DIR={folder / 'reports'}",
                        "-s", f"MF_PUBLIC_DIR={folder / 'public'}", "-s", f"MF_PUBLIC_BASE_URL={BASE}")
    assert result.returncode == 0, result.stderr[-3000:]
    server = start_scrapy("serve", "--port", "0", "-s", f"MF_PUBLIC_DIR={folder / 'public'}")
    try:
        line = server.stderr.readline()
        yield Demo(folder, line.split(" at ", 1)[1].split(" ", 1)[0], archive)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_every_entry_of_every_feed_links_its_own_page(demo):
    documents = demo.feeds(archives=True)
    assert len(documents) > 250
    seen = set()
    for path in documents:
        parsed = feedparser.parse((demo.public / path).read_bytes())
        assert not parsed.bozo, path
        for entry in parsed.entries:
            doc_id = entry.id.rsplit(":", 3)[-3:]
            doc_id = ":".join(doc_id)
            assert entry.link == demo.urls[doc_id], (path, doc_id)
            for link in entry.links:
                if link.rel == "related":  # the other language versions, marked with hreflang
                    assert link.hreflang and link.hreflang != entry.get("language"), (path, link)
            seen.add(doc_id)
    assert len(seen) == DEMO_STATEMENTS


def test_translations_stay_reachable_with_hreflang(demo):
    entry = next(e for e in feedparser.parse((demo.public / "mid/en.atom").read_bytes()).entries
                 if e.id.endswith(":mid:en:1819686"))
    assert entry.link == "https://mid.ru/en/foreign_policy/news/1819686/"
    assert [(link.rel, link.hreflang, link.href) for link in entry.links if link.get("hreflang")] == [
        ("alternate", "en", "https://mid.ru/en/foreign_policy/news/1819686/"),
        ("related", "ru", "https://mid.ru/ru/foreign_policy/news/1819686/")]


def _newsboat(program: str, home: Path, urls: list[str]) -> tuple[sqlite3.Connection, str]:
    """``newsboat -x reload`` with its own config, url file, cache and log: the cache and the log.
    The cache is newsboat's own SQLite database (not an archive of ours), read as newsboat left it."""
    home.mkdir(parents=True)
    (home / "urls").write_text("".join(url + "\n" for url in urls), encoding="utf-8")
    (home / "config").write_text('reload-threads 2\ndownload-timeout 30\nuser-agent "ministry-feeds tests"\n',
                                 encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home),
           "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    result = subprocess.run([program, "-x", "reload", "-u", str(home / "urls"), "-c", str(home / "cache.db"),
                             "-C", str(home / "config"), "-l", "4", "-d", str(home / "log")],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    log = (home / "log").read_text(encoding="utf-8") if (home / "log").exists() else ""
    return sqlite3.connect(home / "cache.db"), log + result.stderr


def test_newsboat_reads_every_feed_from_scrapy_serve(demo, tmp_path):
    program = external_program("newsboat")
    feeds = demo.feeds()
    assert len(feeds) > 100

    def read(path: str):
        cache, log = _newsboat(program, tmp_path / path.replace("/", "_"), [demo.url + path])
        try:
            feed = cache.execute("SELECT title, url FROM rss_feed").fetchall()
            items = cache.execute("SELECT guid, title, url FROM rss_item").fetchall()
        finally:
            cache.close()
        return path, log, feed, items

    # One newsboat per feed, each with its own cache: newsboat keeps an entry once per guid, and
    # the same statement stands in several feeds.
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(read, feeds))
    titles_seen = set()
    for path, log, feed, items in results:
        assert not [line for line in log.splitlines() if "ERROR" in line or "WARN" in line], (path, log)
        root = etree.fromstring((demo.public / path).read_bytes())
        assert feed == [(root.findtext(f"{A}title"), root.find(f"{A}link[@rel='alternate']").get("href"))], path
        expected = {e.findtext(f"{A}id"): e.findtext(f"{A}title") for e in root.findall(f"{A}entry")}
        assert len(items) == len(expected) > 0, path
        for guid, title, url in items:
            doc_id = guid.removeprefix("tag:ministry-feeds.github.io,2026:")
            assert title == expected[guid], (path, guid)
            assert url == demo.urls[doc_id], (path, guid)
            titles_seen.add(title)
    # Titles in Cyrillic and Chinese, intact.
    assert "Заявление МИД России в связи с введением персональных санкций в отношении граждан США" in titles_seen
    assert "王毅会见哈萨克斯坦外长努尔特列乌" in titles_seen
    assert "2024年11月28日外交部发言人毛宁主持例行记者会" in titles_seen
    counts = {path: len(items) for path, _, _, items in results}
    assert counts["all/en.atom"] == min(50, demo.per_language["en"])
    assert counts["all/ru.atom"] == demo.per_language["ru"]
    assert counts["fmprc/zh.atom"] == 2


def _chromium(program: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([program, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=90, check=True)


def test_index_page_in_headless_chromium(demo, tmp_path):
    program = external_program("chromium", "chromium-browser")
    url = demo.url
    dom = _chromium(program, tmp_path / "profile", "--window-size=390,1400", "--dump-dom", url).stdout
    shot = tmp_path / "index.png"
    _chromium(program, tmp_path / "profile", "--window-size=390,2400", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(shot.read_bytes()[16:20], "big") == 390
    root = etree.HTML(dom)
    assert root.findtext(".//h1") == "ministry-feeds"
    assert root.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    # Autodiscovery: every ministry's and every language's main feed, relative.
    discovered = root.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href")
    assert {"mid/en.atom", "mid/ru.atom", "fmprc/zh.atom", "aa/de.atom", "all/en.atom", "all/ru.atom"} \
        <= set(discovered)
    # Relative links only, each to a published file: it works from disk and behind any host.
    local = [href for href in root.xpath("//a/@href|//link/@href") if not href.startswith("https://")]
    assert "mid/en.atom" in local and "feeds.opml" in local and "data/manifest.json" in local
    assert "schema/statement.schema.json" in local and "data/SHA256SUMS" in local
    assert "data/fmprc/zh/2024.jsonl.gz" in local
    for href in local:
        assert not href.startswith(("/", "http:")), href
        assert (demo.public / href).is_file(), href
        assert urllib.request.urlopen(url + href).status == 200
    assert not [href for href in root.xpath("//a/@href") if href.startswith(BASE)]
    # Health: failed and pending counts, times a person reads, the exact time on hover.
    mid = "".join(root.xpath("//div[@id='health-mid']//text()"))
    assert "48 statements archived" in mid or "46 statements archived" in mid
    assert "mid: last run" in mid
    assert "2 articles pending a retry" in "".join(root.xpath("//li[@id='health-mid']//text()"))
    assert "1 article pending a retry" in "".join(root.xpath("//li[@id='health-fcdo']//text()"))
    times = root.xpath("//div[@id='health-mid']//time[@class='ago']")
    assert times
    for time in times:
        assert time.text.endswith(" ago") or time.text in ("now", "this minute"), time.text
        assert time.get("title").endswith(" UTC")
    # The latest statements of each source, linked to their own pages.
    latest = root.xpath("//h2[@id='fmprc']/following-sibling::ul[@class='latest'][1]/li/a")
    assert [a.text for a in latest][:1] and all(a.get("href").startswith("https://www.") for a in latest)
    assert "王毅会见哈萨克斯坦外长努尔特列乌" in [a.text for a in root.xpath("//ul[@class='latest']/li/a")]
    assert root.xpath("//section[@id='subscribe']//a/@href") == ["feeds.opml"]


def test_index_page_opened_from_disk(demo, tmp_path):
    program = external_program("chromium", "chromium-browser")
    page = (demo.public / "index.html").as_uri()
    dom = _chromium(program, tmp_path / "profile", "--dump-dom", page).stdout
    root = etree.HTML(dom)
    assert root.findtext(".//h1") == "ministry-feeds"
    hrefs = root.xpath("//a[@type]/@href")
    assert len(hrefs) > 100
    for href in hrefs:  # each resolves, next to the page, to a published file
        assert (demo.public / href).is_file(), href


def test_feed_in_a_browser_is_a_readable_page_and_stays_atom(demo, tmp_path):
    program = external_program("chromium", "chromium-browser")
    url = demo.url + "mid/ru.atom"
    dom = _chromium(program, tmp_path / "profile", "--window-size=800,1400", "--dump-dom", url).stdout
    shot = tmp_path / "feed.png"
    _chromium(program, tmp_path / "profile", "--window-size=800,1400", f"--screenshot={shot}", url)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = etree.HTML(dom)
    data = (demo.public / "mid/ru.atom").read_bytes()
    feed = etree.fromstring(data)
    assert page.xpath("//h1[@id='feed-title']")[0].text == feed.findtext(f"{A}title")
    articles = page.xpath("//article")
    assert len(articles) == len(feed.findall(f"{A}entry"))
    first = feed.find(f"{A}entry")
    link = articles[0].xpath(".//h2/a")[0]
    assert link.text.strip() == first.findtext(f"{A}title")
    assert link.get("href") == first.find(f"{A}link[@rel='alternate']").get("href")
    assert page.xpath("//p/a/@href")[0] == "../index.html"
    # RFC 5005 links made relative: the archive is browsable on any host.
    older = page.xpath("//a[@rel='prev']/@href")[0]
    assert older.startswith("../mid/ru/archive/") and (demo.public / older[3:]).is_file()
    # The same document is still valid Atom for feed readers.
    assert data.split(b"\n")[1] == b'<?xml-stylesheet type="text/xsl" href="../feed.xsl"?>'
    check_document(data, "mid/ru.atom")


def test_opml_points_each_feed_at_its_language(demo):
    opml = etree.fromstring((demo.public / "feeds.opml").read_bytes())
    html = {o.get("xmlUrl").removeprefix(BASE): o.get("htmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")}
    assert html["mid/en.atom"] == "https://mid.ru/en/"
    assert html["mid/ru.atom"] == "https://mid.ru/ru/"
    assert html["mid/ru/type/news.atom"] == "https://mid.ru/ru/"
    assert html["fmprc/en.atom"] == "https://www.fmprc.gov.cn/eng/"
    assert html["fmprc/zh.atom"] == "https://www.mfa.gov.cn/web/"
    assert html["aa/de.atom"] == "https://www.auswaertiges-amt.de/de"
    assert html["all/ru.atom"] == BASE
    for path, home in html.items():
        feed = etree.fromstring((demo.public / path).read_bytes())
        assert feed.find(f"{A}link[@rel='alternate']").get("href") == home, path
