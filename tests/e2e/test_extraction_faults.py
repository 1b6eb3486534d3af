"""Crawls over loopback HTTP where pages are served wrong: charsets that lie, pages that do not
parse, normalise or validate, several articles redirecting to one home page (issue 10, items 5
and 6). Nothing fetched is lost, nothing garbled is stored."""

from __future__ import annotations

import json
import re

import feedparser
import pytest

from crawler.store import Selection, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
UTF8_RU = "/ru/foreign_policy/news/1820150/"      # UTF-8 bytes, UTF-8 meta
CP1251_RU = "/ru/foreign_policy/news/1820801/"    # windows-1251 bytes, windows-1251 meta
EVERYTHING_DUE = {"MF_RECHECK_SCHEDULE": "[[36500, 0]]", "MF_RECHECK_MAX_PER_RUN": "100"}


def crawl_mid(site: LoopbackSite, archive: str, folder, *args: str, **settings: str):
    return run_scrapy("crawl", "mid", "-a", "sections=foreign_policy/news", *args,
                      *fast_settings(archive, folder, MF_MID_BASE_URL=site.base_url, **settings))


def test_charsets_that_lie_are_read_right_and_make_no_new_version(tmp_path, archive_url):
    archive = archive_url
    with LoopbackSite(FIXTURES) as site:
        utf8, cp1251 = site.original(UTF8_RU), site.original(CP1251_RU)
        lies = {UTF8_RU: [(200, {"Content-Type": "text/html; charset=windows-1251"}, utf8)],
                CP1251_RU: [(200, {"Content-Type": "text/html; charset=utf-8"},
                             cp1251.replace(b"charset=windows-1251", b"charset=utf-8"))]}
        site.faults.update({path: list(answers) for path, answers in lies.items()})
        result = crawl_mid(site, archive, tmp_path, "-a", "languages=ru", LOG_LEVEL="DEBUG")
        assert result.returncode == 0, result.stderr[-3000:]
        with open_archive(archive, readonly=True) as store:
            titles = {doc["id"]: doc["title"] for doc in store.documents(Selection(include_repeats=True))}
        assert titles["mid:ru:1820150"].startswith("О встрече Министра иностранных дел России С.В.Лаврова")
        assert titles["mid:ru:1820801"].startswith("О телефонном разговоре Министра иностранных дел России")
        assert "'mf/charset/overruled': 2" in result.stderr
        assert f"Charset of {site.base_url}{UTF8_RU}: utf-8 (valid utf-8; header cp1251, meta utf-8)" \
            in result.stderr
        # Re-checked with the same lies: the same text, no garbled new version.
        site.faults.update({path: list(answers) for path, answers in lies.items()})
        result = crawl_mid(site, archive, tmp_path, "-a", "languages=ru", **EVERYTHING_DUE)
        assert result.returncode == 0, result.stderr[-3000:]
    with open_archive(archive, readonly=True) as store:
        for doc_id in ("mid:ru:1820150", "mid:ru:1820801"):
            assert [version["version"] for version in store.versions(doc_id)] == [1], doc_id
            assert store.get(doc_id)["version"] == 1


# --- nothing fetched is lost (item 6) --------------------------------------------------------------
BROKEN = "/en/foreign_policy/news/1820150/"
LISTING = "/en/foreign_policy/news/"


class Deployment:
    """``scrapy update --only mid`` against a loopback copy of mid.ru, with its own archive and
    reports; the mirror's always-walled article is left out so every other page can be read."""

    def __init__(self, folder, site: LoopbackSite, archive_url: str) -> None:
        self.folder, self.site, self.archive = folder, site, archive_url
        for lang in ("en", "ru"):
            path = f"/{lang}/foreign_policy/news/"
            html = site.original(path).decode("utf-8")
            html = re.sub(r'<li class="announce__item">(?:(?!</li>).)*?1820833/.*?</li>\s*', "", html, flags=re.S)
            site.set(path, html.encode("utf-8"))

    def update(self, **settings: str):
        self.site.hits.clear()
        result = run_scrapy("update", "--only", "mid", *fast_settings(
            self.archive, self.folder, MF_MID_BASE_URL=self.site.base_url, **settings))
        report = json.loads((self.folder / "reports" / "last-run.json").read_text(encoding="utf-8"))
        return result, report["targets"]["mid"]

    def store(self):
        """The archive, opened to read (a context manager)."""
        return open_archive(self.archive, readonly=True)

    def assert_pending_with_raw_page(self, url: str, reason: str, body: bytes) -> None:
        """The page at ``url`` is no statement; it is pending for ``reason``, its raw ``body`` kept."""
        with self.store() as store:
            assert store.documents_at(url) == []
            assert [row["reason"] for row in store.pending("mid") if row["url"] == url] == [reason]
            [sha] = [fetch["raw_sha256"] for fetch in store.fetches(url) if fetch["kind"] == "article"]
            assert store.raw_page(sha) == body


@pytest.fixture
def deployment(tmp_path, archive_url):
    with LoopbackSite(FIXTURES) as site:
        yield Deployment(tmp_path, site, archive_url)


def dated(site, printed: str) -> bytes:
    """The mirror's page of :data:`BROKEN` with ``printed`` as its date line and no document
    number (which would give the day)."""
    page = site.original(BROKEN).decode("utf-8")
    page = re.sub(r'<p class="article-line__note[^>]*>[^<]*</p>', "", page)
    dated_page = page.replace('<div class="photo-content__date">29 June 2022 13:20</div>',
                              f'<div class="photo-content__date">{printed}</div>')
    assert dated_page != page
    return dated_page.encode("utf-8")


def test_unreadable_date_is_pending_with_its_raw_page_counted_and_retried(deployment):
    site = deployment.site
    url = site.base_url + BROKEN
    broken = dated(site, "Wednesday, in the afternoon")
    site.set(BROKEN, broken)
    listing = site.page(LISTING)[2].decode("utf-8")
    site.set(LISTING, re.sub(r'(<span class="announce__date">)29\.06\.2022(</span>\s*<span class="announce__time">'
                             r'13:20</span>\s*</div>\s*<a [^>]*1820150)', r"\g<1>29.13.2022\g<2>", listing).encode())

    result, mid = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]  # one failed article does not fail the target
    assert mid["ok"] is True
    assert mid["failures"] == {"unnormalisable_unreadable_date": 1}
    assert mid["items"]["failed"] == 1 and mid["items"]["new"] == 31
    assert "failures: unnormalisable_unreadable_date ×1" in result.stderr
    assert f"Statement not normalisable: {url}: unreadable date 'Wednesday, in the afternoon'" in result.stderr
    # never a statement; pending with its reason; its raw page kept under the same URL
    with deployment.store() as store:
        assert store.documents_at(url) == []
        assert [(row["reason"], row["attempts"], row["listing_date"]) for row in store.pending("mid")
                if row["url"] == url] == [("unnormalisable: unreadable_date", 1, "29.13.2022 13:20")]
        [sha] = [fetch["raw_sha256"] for fetch in store.fetches(url) if fetch["kind"] == "article"]
        assert store.raw_page(sha) == broken

    # The next run tries it again (and records the attempt) while the page stays broken ...
    result, mid = deployment.update()
    assert site.hits[BROKEN] == 1
    assert mid["failures"] == {"unnormalisable_unreadable_date": 1}
    with deployment.store() as store:
        assert [row["attempts"] for row in store.pending("mid") if row["url"] == url] == [2]
    # ... and archives it once the page is readable.
    site.restore(BROKEN)
    result, mid = deployment.update()
    assert mid["items"]["new"] == 1 and mid["failures"] == {}
    with deployment.store() as store:
        assert store.count("pending") == 0
        [document] = store.documents_at(url)
    assert document["published"] == "2022-06-29T13:20:00+03:00"


def test_a_page_dated_9999_is_pending_and_the_rest_published(deployment):
    """"31.12.9999 23:59" parses, but no UTC offset can be added to it: it was archived, and from
    then on every publication failed ("year 10000 is out of range"). It is an unreadable date now
    (crawler.normalise.dates.EARLIEST–LATEST): pending with its raw page, and the rest published."""
    site = deployment.site
    url = site.base_url + BROKEN
    broken = dated(site, "31.12.9999 23:59")
    assert b"31.12.9999 23:59" in broken
    site.set(BROKEN, broken)
    listing = site.page(LISTING)[2].decode("utf-8")
    site.set(LISTING, re.sub(r'(<span class="announce__date">)29\.06\.2022(</span>\s*<span class="announce__time">'
                             r'13:20</span>\s*</div>\s*<a [^>]*1820150)', r"\g<1>31.12.9999\g<2>", listing).encode())

    result, mid = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert mid["failures"] == {"unnormalisable_unreadable_date": 1}
    assert mid["items"]["failed"] == 1 and mid["items"]["new"] == 31
    assert f"Statement not normalisable: {url}: unreadable date '31.12.9999 23:59'" in result.stderr
    with deployment.store() as store:
        assert [(row["reason"], row["listing_date"]) for row in store.pending("mid") if row["url"] == url] == \
            [("unnormalisable: unreadable_date", "31.12.9999 13:20")]
    deployment.assert_pending_with_raw_page(url, "unnormalisable: unreadable_date", broken)
    [published] = [line for line in result.stderr.splitlines() if line.startswith("publish: ")]
    assert "FAILED" not in published and "0 entries skipped" in published
    with deployment.store() as store:
        english = [doc["url"] for doc in store.documents(Selection(source="mid", language="en"))]
    feed = feedparser.parse((deployment.folder / "public" / "mid" / "en.atom").read_bytes())
    assert [entry.link for entry in feed.entries] == english and len(english) > 10 and url not in english
    result = run_scrapy("publish", *fast_settings(deployment.archive, deployment.folder))
    assert result.returncode == 0, result.stderr[-3000:]


def test_several_articles_redirecting_to_the_home_page_each_get_an_outcome(deployment):
    site = deployment.site
    result, mid = deployment.update()
    assert mid["items"]["new"] == 32
    known = ["/en/foreign_policy/news/1820150/", "/en/foreign_policy/news/1819686/",
             "/en/press_service/spokesman/official_statement/1820611/"]
    new = ["/en/foreign_policy/news/1900001/", "/en/foreign_policy/news/1900002/"]
    listing = site.page(LISTING)[2].decode("utf-8")
    extra = "".join(f'<li class="announce__item"><div class="announce__meta"><span class="announce__date">01.07.2022'
                    f'</span><span class="announce__time">10:00</span></div><a class="announce__link" href="{path}">'
                    f"New article {n}</a></li>" for n, path in enumerate(new))
    site.set(LISTING, listing.replace('<ul class="announce announce_articles">',
                                      '<ul class="announce announce_articles">' + extra, 1).encode("utf-8"))
    for path in known + new:
        site.set(path, b"", status=302, headers={"Location": "/en/"})

    result, mid = deployment.update(**EVERYTHING_DUE)
    assert result.returncode == 0, result.stderr[-3000:]
    assert mid["items"]["removed"] == 3
    assert mid["failures"] == {"redirected_to": 2}
    with deployment.store() as store:
        removed = [doc["url"] for doc in store.documents(Selection(include_repeats=True))
                   if doc["removed_at"] is not None]
        pending = [(row["url"], row["reason"]) for row in store.pending("mid")]
        assert store.count("pending") == len(pending)  # no other spider's
    assert sorted(removed) == sorted(site.base_url + path for path in known)
    assert sorted(pending) == [(site.base_url + path, f"redirected to {site.base_url}/en/") for path in new]
    assert sum(site.hits[path] for path in known + new) == 5


def test_an_article_served_as_an_image_is_unparsed_pending_with_its_raw_bytes(deployment):
    site = deployment.site
    url = site.base_url + BROKEN
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    site.set(BROKEN, png, headers={"Content-Type": "image/png"})

    result, mid = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]  # one unreadable article does not fail the target
    assert "Traceback" not in result.stderr and "AttributeError" not in result.stderr
    assert mid["failures"] == {"unparsed_not_text": 1}
    assert mid["items"]["failed"] == 1 and mid["items"]["new"] == 31
    assert f"Page not parsed: {url}: not_text (image/png)" in result.stderr
    deployment.assert_pending_with_raw_page(url, "unparsed: not_text", png)
    # Served as a page again, it is archived.
    site.restore(BROKEN)
    result, mid = deployment.update()
    assert mid["items"]["new"] == 1 and mid["failures"] == {}


def test_an_article_with_a_control_character_after_chrome_is_archived_with_its_text(deployment):
    """A vertical tab (what Word pastes for a line break) after a script in the body: lxml refused
    to move it when the script was removed, and the article was lost with a spider error while the
    run said "ok". Now it is read as it reads without the character."""
    site = deployment.site
    url = site.base_url + BROKEN
    page = site.original(BROKEN).decode("utf-8")
    assert page.count("exchanged views on regional problems") == 1
    site.set(BROKEN, page.replace("exchanged views on regional problems",
                                  "<script>x</script>\x0bexchanged views on regional&#11; problems").encode("utf-8"))

    result, mid = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Spider error" not in result.stderr
    assert mid["failures"] == {} and mid["items"]["new"] == 32
    with deployment.store() as store:
        [document] = store.documents_at(url)
        assert store.count("pending") == 0
    assert "and exchanged views on regional problems" in document["body_text"]
    assert "\x0b" not in document["body_html"] and "<script" not in document["body_html"]


def test_a_page_cut_short_is_pending_and_never_an_edit_that_loses_the_rest(deployment):
    """A page that stops in the middle of its text (a server failing while it writes, with a
    Content-Length of what it sent): new, it is unparsed and pending with its raw page; known and
    re-checked, it makes no new version that lost the end of the text."""
    site = deployment.site
    url = site.base_url + BROKEN
    page = site.original(BROKEN).decode("utf-8")
    cut = page[:page.index("exchanged views on regional problems") + len("exchanged views")].encode("utf-8")
    site.set(BROKEN, cut)

    result, mid = deployment.update()
    assert result.returncode == 0, result.stderr[-3000:]
    assert mid["failures"] == {"unparsed_truncated_page": 1}
    assert mid["items"]["failed"] == 1 and mid["items"]["new"] == 31
    assert f"Page not parsed: {url}: truncated_page" in result.stderr
    deployment.assert_pending_with_raw_page(url, "unparsed: truncated_page", cut)

    site.restore(BROKEN)
    result, mid = deployment.update()
    assert mid["items"]["new"] == 1 and mid["failures"] == {}
    with deployment.store() as store:
        [document] = store.documents_at(url)
    assert document["body_text"].count("exchanged views on regional problems") == 1

    # Known now: re-checked while the server cuts it again, it stays as it was.
    site.set(BROKEN, cut)
    result, mid = deployment.update(**EVERYTHING_DUE)
    assert result.returncode == 0, result.stderr[-3000:]
    assert mid["failures"] == {"unparsed_truncated_page": 1}
    with deployment.store() as store:
        assert [version["version"] for version in store.versions(document["id"])] == [1]
        assert store.get(document["id"])["body_text"] == document["body_text"]
