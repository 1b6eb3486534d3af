"""``scrapy reextract`` end to end (issue 10 item 7, issue 14 item 6), on both backends: a loopback
crawl leaves a page pending (its date unreadable) and archives another with the listing's date;
today's page object learns the page's form (a test-only override of one rule, put on
PYTHONPATH); re-extraction makes the first a statement, gives the second a new version that
says it came from re-extraction, and leaves the feeds' ``updated`` alone; a second run changes
nothing. An archive written before segments and provenance existed is brought to today's form."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
from datetime import date
from pathlib import Path

import feedparser
import pytest

from crawler.store import Selection, open_archive
from crawler.store.copying import copy_archive
from tests.conftest import FIXTURES
from tests.crawl import REPO, fast_settings, run_scrapy, signalled_at
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
OVERRIDE = Path(__file__).resolve().parent / "page_object_override"
LISTING = "/en/foreign_policy/news/"
PENDING = "/en/foreign_policy/news/1820150/"   # its date unreadable anywhere: pending
DATED_BY_LISTING = "/en/foreign_policy/news/1820801/"   # archived with the listing's day, no time
READER = "ministry-feeds 0.1.0 crawler.pages.mid.MidArticlePage"
BASE = "https://feeds.example.org/"


def moved_date_line(html: bytes) -> bytes:
    """The page with its date line under a class today's page object does not read, and no
    document number (which would give the day)."""
    text = html.decode("utf-8")
    text = re.sub(r'<p class="article-line__note[^>]*>[^<]*</p>', "", text)
    text, moved = re.subn(r'<div class="photo-content__date">', '<div class="photo-content__dateline">', text)
    assert moved == 1
    return text.encode("utf-8")


class Deployment:
    """A loopback mid.ru, an archive on one backend, and the folders beside it."""

    def __init__(self, folder: Path, archive_url: str, site: LoopbackSite) -> None:
        self.folder, self.archive_url, self.site = folder, archive_url, site

    def settings(self, **extra: str) -> list[str]:
        folder = self.folder
        return fast_settings(self.archive_url, MF_MID_BASE_URL=self.site.base_url, MF_LOCK_PATH=str(folder / "lock"),
                             MF_REPORT_DIR=str(folder / "reports"), MF_PUBLIC_DIR=str(folder / "public"),
                             MF_PUBLIC_BASE_URL=BASE, **extra)

    def reextract(self, *args: str, changed_page_object: bool = False):
        env = {"PYTHONPATH": f"{OVERRIDE}{os.pathsep}{REPO}"} if changed_page_object else None
        result = run_scrapy("reextract", *args, *self.settings(LOG_LEVEL="WARNING"), env=env)
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        return result

    def store(self):
        return open_archive(self.archive_url, readonly=True)


@pytest.fixture
def deployment(tmp_path, archive_url):
    with LoopbackSite(FIXTURES) as site:
        site.set(PENDING, moved_date_line(site.original(PENDING)))
        site.set(DATED_BY_LISTING, moved_date_line(site.original(DATED_BY_LISTING)))
        listing = site.original(LISTING).decode("utf-8")
        # the pending page's day unreadable on the listing too; the other's printed without a time
        listing, n = re.subn(r'(<span class="announce__date">)29\.06\.2022(</span>\s*<span class="announce__time">'
                             r'13:20</span>\s*</div>\s*<a [^>]*1820150)', r"\g<1>29.13.2022\g<2>", listing)
        listing, m = re.subn(r'<span class="announce__time">18:05</span>(\s*</div>\s*<a [^>]*1820801)', r"\g<1>",
                             listing)
        assert n == m == 1
        site.set(LISTING, listing.encode("utf-8"))
        yield Deployment(tmp_path, archive_url, site)


def entry(public: Path, doc_id: str):
    feed = feedparser.parse((public / "mid" / "en.atom").read_bytes())
    return next(e for e in feed.entries if e.id.endswith(f":{doc_id}"))


def test_a_pending_page_becomes_a_statement_and_a_reread_page_a_new_version(deployment):
    site = deployment.site
    pending_url, dated_url = site.base_url + PENDING, site.base_url + DATED_BY_LISTING
    crawl = run_scrapy("crawl", "mid", "-a", "sections=foreign_policy/news", "-a", "languages=en",
                       *deployment.settings())
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    with deployment.store() as store:
        [pending] = [row for row in store.pending("mid") if row["url"] == pending_url]
        assert (pending["reason"], pending["listing_date"]) == ("unnormalisable: unreadable_date", "29.13.2022 13:20")
        assert store.capture(url=pending_url)["body"] == moved_date_line(site.original(PENDING))  # raw page kept
        dated = store.get("mid:en:1820801")
        assert (dated["published"], dated["published_precision"], dated["published_raw"]) == \
            ("2022-06-30T00:00:00+03:00", "date", "30.06.2022")
        assert (dated["extractor"], dated["origin"], dated["version"]) == (READER, "crawl", 1)
        statements = store.count_statements(Selection(source="mid"))
    published = run_scrapy("publish", *deployment.settings())
    assert published.returncode == 0, published.stderr[-2000:]
    before = entry(deployment.folder / "public", "mid:en:1820801")
    assert before.updated == "2022-06-30T00:00:00+03:00"

    # Today's page objects: nothing to recover, nothing read differently.
    result = deployment.reextract()
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        f"mid: 0 recovered, 0 changed, {statements} unchanged, 1 failed (unnormalisable: unreadable_date ×1), "
        "1 skipped (pending, nothing fetched ×1)",  # 1820833: a bot wall, nothing kept to read again
        f"reextract: 0 recovered, 0 changed, {statements} unchanged, 1 failed (unnormalisable: unreadable_date ×1), "
        "1 skipped (pending, nothing fetched ×1)"]

    # The page object learns to find the date line: the pending page is recovered, the other read anew.
    result = deployment.reextract("--source", "mid", changed_page_object=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[0] == (f"mid: 1 recovered, 1 changed, {statements - 1} unchanged, 0 failed, "
                                             "1 skipped (pending, nothing fetched ×1)")
    with deployment.store() as store:
        assert [row["url"] for row in store.pending("mid")] == [site.base_url + "/en/foreign_policy/news/1820833/"]
        recovered = store.get("mid:en:1820150")
        assert (recovered["published"], recovered["published_raw"]) == ("2022-06-29T13:20:00+03:00",
                                                                          "29 June 2022 13:20")
        assert (recovered["version"], recovered["origin"], recovered["extractor"]) == (1, "reextract", READER)
        assert recovered["updated"] == recovered["published"]  # a new statement: it dates from publication
        assert recovered["segments"] == [] and recovered["body_text"].startswith("On June 29")
        [version] = store.versions("mid:en:1820150")
        assert version["raw_sha256"] == store.capture(url=pending_url)["raw_sha256"]
        assert version["fetched_at"] == store.capture(url=pending_url)["fetched_at"]

        reread = store.versions("mid:en:1820801")
        assert [(v["version"], v["origin"], v["published"], v["published_precision"]) for v in reread] == [
            (1, "crawl", "2022-06-30T00:00:00+03:00", "date"),
            (2, "reextract", "2022-06-30T18:05:00+03:00", "datetime")]
        assert reread[1]["extracted_at"] > reread[0]["extracted_at"]
        assert reread[1]["fetched_at"] == reread[0]["fetched_at"]  # the same raw page, read again
        assert reread[1]["raw_sha256"] == reread[0]["raw_sha256"] == store.capture(url=dated_url)["raw_sha256"]
        dated = store.get("mid:en:1820801")
        # not an edit on the site: when it was last changed there, and last fetched, stay
        assert (dated["updated"], dated["fetched_at"]) == ("2022-06-30T00:00:00+03:00", reread[0]["fetched_at"])
        change_seq = store.change_seq()

    # JSON Lines carry the provenance; a re-extraction keeps its version's "updated".
    exported = run_scrapy("export", "--versions", "all", *deployment.settings())
    lines = {(line["id"], line["version"]): line for line in map(json.loads, exported.stdout.splitlines())}
    assert {key: (line["origin"], line["extractor"], line["updated"]) for key, line in lines.items()
            if key[0] in ("mid:en:1820150", "mid:en:1820801")} == {
        ("mid:en:1820150", 1): ("reextract", READER, "2022-06-29T13:20:00+03:00"),
        ("mid:en:1820801", 1): ("crawl", READER, "2022-06-30T00:00:00+03:00"),
        ("mid:en:1820801", 2): ("reextract", READER, "2022-06-30T00:00:00+03:00")}
    assert run_scrapy("validate", "--versions", "all", *deployment.settings()).returncode == 0

    # Atom: the recovered statement is a new entry; the re-read one keeps its updated, shows what was read.
    assert run_scrapy("publish", *deployment.settings()).returncode == 0
    after = entry(deployment.folder / "public", "mid:en:1820801")
    assert after.updated == before.updated == "2022-06-30T00:00:00+03:00"
    assert (before.published, after.published) == ("2022-06-30T00:00:00+03:00", "2022-06-30T18:05:00+03:00")
    assert entry(deployment.folder / "public", "mid:en:1820150").updated == "2022-06-29T13:20:00+03:00"

    # Idempotent: a second run changes nothing.
    result = deployment.reextract("--source", "mid", changed_page_object=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[0] == (f"mid: 0 recovered, 0 changed, {statements + 1} unchanged, 0 failed, "
                                             "1 skipped (pending, nothing fetched ×1)")
    with deployment.store() as store:
        assert store.change_seq() == change_seq
        assert [v["version"] for v in store.versions("mid:en:1820801")] == [1, 2]


def test_since_limits_it_to_statements_published_from_that_day(deployment):
    crawl = run_scrapy("crawl", "mid", "-a", "sections=foreign_policy/news", "-a", "languages=en",
                       *deployment.settings())
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    with deployment.store() as store:
        later = store.count_statements(Selection(source="mid", since=date(2022, 6, 30)))
    result = deployment.reextract("--since", "2022-06-30", changed_page_object=True)
    assert result.returncode == 0, result.stderr[-3000:]
    # 1820801 (30 June) is read anew; the pending page was last fetched today, so it is tried too
    assert result.stdout.splitlines()[0] == (f"mid: 1 recovered, 1 changed, {later - 1} unchanged, 0 failed, "
                                             "1 skipped (pending, nothing fetched ×1)")
    result = deployment.reextract("--since", "2099-01-01", changed_page_object=True)
    assert result.stdout.splitlines() == ["reextract: 0 recovered, 0 changed, 0 unchanged, 0 failed, 0 skipped"]


# --- an archive of release 0.1.0: before sites, segments and provenance ----------------------------------
RELEASE_0_1_0 = FIXTURES / "archives" / "schema-v1.sqlite3"
BRIEFING = "mid:en:1820480"


def test_an_archive_from_before_segments_is_brought_to_todays_form(tmp_path, archive_url):
    if archive_url.startswith("sqlite:"):
        shutil.copyfile(RELEASE_0_1_0, tmp_path / "archive.sqlite3")
    else:
        copy_archive(shutil.copyfile(RELEASE_0_1_0, tmp_path / "release.sqlite3"), archive_url)
    folder = tmp_path / "deployment"
    settings = fast_settings(archive_url, MF_LOCK_PATH=str(folder / "lock"), MF_PUBLIC_DIR=str(folder / "public"),
                             MF_REPORT_DIR=str(folder / "reports"), MF_PUBLIC_BASE_URL=BASE, LOG_LEVEL="WARNING")
    with open_archive(archive_url, readonly=True) as store:
        briefing = store.get(BRIEFING)
        statements = store.count_statements(Selection(include_repeats=True))
    assert briefing["type"] == "briefing" and "segments" not in briefing and briefing["version"] == 1
    assert run_scrapy("publish", *settings).returncode == 0
    before = entry(folder / "public", BRIEFING)

    result = run_scrapy("reextract", *settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == (f"reextract: 0 recovered, {statements} changed, 0 unchanged, 0 failed, "
                                              "3 skipped (pending, nothing fetched ×3)")
    with open_archive(archive_url, readonly=True) as store:
        versions = store.versions(BRIEFING)
        assert [(v["version"], v["origin"], v.get("segments") is not None) for v in versions] == [
            (1, "crawl", False), (2, "reextract", True)]
        segments = versions[1]["segments"]
        assert [s["kind"] for s in segments[:2]] == ["heading", "statement"]
        assert {"question", "answer"} <= {s["kind"] for s in segments}
        assert versions[1]["body_text"] == versions[0]["body_text"]
        assert versions[1]["content_hash"] == versions[0]["content_hash"]  # the text is the same
        assert versions[1]["extractor"] == READER
        # every statement now as today's crawls store it: a site, segments (or none), its extractor
        latest = list(store.documents(Selection(include_repeats=True)))
        assert all(doc["site"] and isinstance(doc["segments"], list) and doc["extractor"] for doc in latest)
        assert {doc["extractor"].split()[-1] for doc in latest if doc["source"] in ("state_dept", "aa")} >= {
            "crawler.pages.state_dept.StateFeed", "crawler.pages.auswaertiges_amt.AaFeed"}  # read from feeds
        assert store.get(BRIEFING)["updated"] == briefing["updated"]
    assert run_scrapy("validate", "--versions", "all", *settings).returncode == 0
    assert run_scrapy("publish", *settings).returncode == 0
    after = entry(folder / "public", BRIEFING)
    assert after.updated == before.updated  # Atom does not announce a re-extraction as an edit
    assert (after.id, after.published, after.link) == (before.id, before.published, before.link)

    again = run_scrapy("reextract", *settings)
    assert again.stdout.splitlines()[-1] == (f"reextract: 0 recovered, 0 changed, {statements} unchanged, 0 failed, "
                                             "3 skipped (pending, nothing fetched ×3)")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_with_one_line(tmp_path, archive_url, signum):
    """Stopped by SIGTERM or Ctrl-C's SIGINT (here as it is about to write its first batch), it
    says so on one line and exits 128 + the signal, as ``scrapy update`` and ``scrapy publish``
    do (it ended with a traceback for SIGINT, without a word for SIGTERM); its lock is released
    and the next run does the work."""
    settings = fast_settings(archive_url, tmp_path, LOG_LEVEL="WARNING")
    crawled = run_scrapy("update", "--only", "state_dept", "--replay", str(FIXTURES), *settings)
    assert crawled.returncode == 0, crawled.stderr[-3000:]

    returncode, err = signalled_at("reextract", signum, "reextract", *settings, folder=tmp_path)

    assert returncode == 128 + signum, err[-3000:]
    assert err.splitlines() == [f"scrapy reextract: interrupted ({signal.Signals(signum).name}): the batches written "
                                "before it stopped stay; running it again completes the work"]
    again = run_scrapy("reextract", *settings)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.splitlines()[-1].startswith("reextract: 0 recovered, 0 changed, 4 unchanged"), again.stdout
