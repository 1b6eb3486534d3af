"""The public folder as `scrapy update` leaves it after a loopback crawl: every feed read back
with feedparser and checked, the OPML, and the index page opened in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request

import feedparser
import pytest
from lxml import etree

from tests.atom_rules import check_document
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy, start_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BASE = "https://feeds.example.org/"


@pytest.fixture(scope="module")
def published(tmp_path_factory, module_archive_url):
    folder = tmp_path_factory.mktemp("deployment")
    public = folder / "public"
    with LoopbackSite(FIXTURES) as current, LoopbackSite(FIXTURES, host="archive.mid.ru") as old:
        result = run_scrapy("update", "--only", "mid,mid_archive", *fast_settings(
            module_archive_url, MF_MID_BASE_URL=current.base_url, MF_MID_ARCHIVE_BASE_URL=old.base_url,
            MF_LOCK_PATH=str(folder / "lock"), MF_REPORT_DIR=str(folder / "reports"), MF_PUBLIC_DIR=str(public),
            MF_PUBLIC_BASE_URL=BASE))
    assert result.returncode == 0, result.stderr[-3000:]
    return public, result


def test_update_publishes_every_feed_valid(published):
    public, result = published
    assert "publish: " in result.stderr
    files = sorted(public.rglob("*.atom"))
    assert len(files) > 100
    for path in files:
        check_document(path.read_bytes(), str(path.relative_to(public)))
    english = feedparser.parse((public / "all" / "en.atom").read_bytes())
    assert len(english.entries) == 23
    assert not english.bozo


def test_opml_lists_every_feed(published):
    public, _ = published
    opml = etree.fromstring((public / "feeds.opml").read_bytes())
    urls = {o.get("xmlUrl") for o in opml.iter("outline") if o.get("xmlUrl")}
    assert urls == {BASE + str(p.relative_to(public)) for p in public.rglob("*.atom") if "/archive/" not in str(p)}
    ministries = [o.get("text") for o in opml.find("body")]
    assert ministries == ["Ministry of Foreign Affairs of the Russian Federation", "All ministries"]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is installed by `make test`")
def test_index_page_in_headless_chromium(published, tmp_path):
    public, _ = published
    server = start_scrapy("serve", "--port", "0", "-s", f"MF_PUBLIC_DIR={public}")
    try:
        line = server.stderr.readline()
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        assert urllib.request.urlopen(url).status == 200
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=390,1400"]
        dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=60,
                             check=True).stdout
        shot = tmp_path / "index.png"
        subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", url], capture_output=True, timeout=60, check=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    root = etree.HTML(dom)
    assert root.findtext(".//h1") == "ministry-feeds"
    assert root.xpath("//script") == []
    assert root.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    hrefs = root.xpath("//a/@href")
    assert BASE + "mid/en.atom" in hrefs
    assert BASE + "all/ru.atom" in hrefs
    assert BASE + "feeds.opml" in hrefs
    health = "".join(root.xpath("//div[@id='health-mid']//text()"))
    assert "46 statements archived" in health  # 48 pages, two of them the same documents on both sites
    assert "mid: last successful update" in health
    assert "mid_archive: last successful update" in health
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(shot.read_bytes()[16:20], "big")
    assert width == 390
