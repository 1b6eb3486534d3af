"""The public folder as `scrapy update` leaves it after a loopback crawl: every feed read back
with feedparser and checked, and the OPML (the index page in a browser: test_readers.py)."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree

from tests.atom_rules import check_document
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
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


def test_a_feed_that_cannot_fit_its_size_limit_makes_publish_exit_1(published, tmp_path, module_archive_url):
    """``scrapy publish`` says how many documents were not published and exits 1 (the log names
    each with the reason); no such file is written."""
    public = tmp_path / "public"
    result = run_scrapy("publish", *fast_settings(module_archive_url, MF_PUBLIC_DIR=str(public),
                                                  MF_PUBLIC_BASE_URL=BASE, MF_FEED_MAX_BYTES="1024",
                                                  MF_LOCK_PATH=str(tmp_path / "lock")))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "documents NOT published (see the log)" in result.stderr
    assert "Feed mid/en not published: mid/en.atom: over 1024 bytes however short its entries" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (public / "mid" / "en.atom").exists()
