"""The failing cases of issue 10 crawled as the case README runs them: the case folder is an
offline mirror (replay), the crawl writes a real archive, and the right value is read back from it
(and, for the Persian case, from the published Atom feed)."""

from __future__ import annotations

import json
import shutil

import feedparser
import pytest

from crawler.store import Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy

pytestmark = pytest.mark.e2e
CASES = FIXTURES / "cases"
ZWNJ = "\u200c"


def archived(archive_url: str) -> dict[str, dict]:
    """Every archived statement's latest version, by id."""
    with open_archive(archive_url, readonly=True) as store:
        return {doc["id"]: doc for doc in store.documents(Selection(include_repeats=True))}


def test_br_paragraphs_crawl(tmp_path, archive_url):
    archive = archive_url
    result = run_scrapy("crawl", "mid", "-a", f"replay={CASES / 'br-paragraphs'}", "-a", "languages=en",
                        "-a", "sections=foreign_policy/news", *fast_settings(archive))
    assert result.returncode == 0, result.stderr[-3000:]
    item = archived(archive)["mid:en:1900107"]
    assert item["body_text"] == ("The consultations took place in Moscow.\n\nThe sides discussed the regional "
                                 "situation.\n\nThey agreed to meet again.\nDetails will follow.")


def test_rss_zone_minus_0000_crawl(tmp_path, archive_url):
    archive = archive_url
    result = run_scrapy("crawl", "state_dept", "-a", f"replay={CASES / 'rss-zone-minus0000'}",
                        "-a", "sections=press-releases", *fast_settings(archive))
    assert result.returncode == 0, result.stderr[-3000:]
    item = archived(archive)["state_dept:en:190010"]
    assert item["published"] == "2025-07-30T10:00:00-04:00"
    assert item["published_raw"] == "Wed, 30 Jul 2025 14:00:00 -0000"
    assert item["published_precision"] == "datetime"


def test_persian_zwnj_crawl_and_feed(tmp_path, archive_url):
    archive, public = archive_url, tmp_path / "public"
    result = run_scrapy("crawl", "fcdo", "-a", f"replay={CASES / 'persian-zwnj'}", *fast_settings(archive))
    assert result.returncode == 0, result.stderr[-3000:]
    item = archived(archive)["fcdo:fa:22222222-3333-4444-5555-666666666666"]
    assert item["title"] == f"بیانیه وزیر امور خارجه درباره گفت{ZWNJ}وگوهای بین{ZWNJ}المللی"
    assert item["body_text"].count(ZWNJ) == 2
    result = run_scrapy("publish", "-s", f"MF_ARCHIVE_URL={archive}", "-s", f"MF_PUBLIC_DIR={public}")
    assert result.returncode == 0, result.stderr[-3000:]
    feed = feedparser.parse((public / "fcdo" / "fa.atom").read_bytes())
    assert not feed.bozo
    entry = feed.entries[0]
    assert entry.title == item["title"]
    assert entry.summary == item["body_text"]


@pytest.mark.parametrize("extreme", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00"])
def test_a_govuk_item_dated_at_the_ends_of_time_is_pending_with_its_raw_page(tmp_path, archive_url, extreme):
    """Such a date parses, but converting it to UTC overflowed: a traceback in the normalise
    step, and the item was neither archived nor pending. Now it is an unreadable date (its
    search listing's date is the same, so no fallback is left)."""
    mirror = tmp_path / "mirror"
    shutil.copytree(CASES / "persian-zwnj", mirror)
    item = json.loads((mirror / "item.json").read_text(encoding="utf-8"))
    item["first_published_at"] = extreme
    (mirror / "item.json").write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    search = json.loads((mirror / "search.json").read_text(encoding="utf-8"))
    search["results"][0]["public_timestamp"] = extreme
    (mirror / "search.json").write_text(json.dumps(search), encoding="utf-8")
    result = run_scrapy("crawl", "fcdo", "-a", f"replay={mirror}", *fast_settings(archive_url))
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr, result.stderr[-3000:]
    url = "https://www.gov.uk/government/news/foreign-secretary-statement-on-international-talks.fa"
    assert f"Statement not normalisable: {url}: unreadable date {extreme!r}" in result.stderr
    assert archived(archive_url) == {}
    with open_archive(archive_url, readonly=True) as store:
        assert [(row["url"], row["reason"], row["listing_date"]) for row in store.pending("fcdo")] == \
            [(url, "unnormalisable: unreadable_date", extreme)]
        [sha] = [fetch["raw_sha256"] for fetch in store.fetches(url) if fetch["kind"] == "article"]
        assert store.raw_page(sha) == (mirror / "item.json").read_bytes()
