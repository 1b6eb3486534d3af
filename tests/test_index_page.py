"""The index page and the files published beside the feeds, from a small archive (the page in a
browser: tests/e2e/test_readers.py)."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from crawler.items import FetchFailed
from feeds.atom import STYLESHEET_SOURCE, stylesheet_href
from feeds.publish import PublishOptions, publish
from tests.conftest import REPO, external_program
from tests.feed_archive import make_archive, options


@pytest.fixture
def published(tmp_path, archive_url):
    store = make_archive(archive_url)
    store.record_run("mid", True, "2026-11-30T10:00:00+00:00")
    store.record_run("mid_archive", False, "2026-11-30T10:05:00+00:00", "listing page failed")
    failed = [FetchFailed(f"https://mid.ru/en/foreign_policy/news/99{n}/", "mid", "HTTP 503", "2026-11-30T10:00:00Z")
              for n in range(3)]
    store.write_batch([], failed)
    for _ in range(4):  # one of them fails four more times: given up at MF_PENDING_MAX_ATTEMPTS (5)
        store.write_batch([], failed[:1])
    out = tmp_path / "public"
    publish(store, options(out))
    yield store, out
    store.close()


def test_same_archive_same_page(published, tmp_path):
    store, out = published
    again = tmp_path / "again"
    publish(store, PublishOptions(base_url="https://elsewhere.example/", out_dir=again))
    assert (again / "index.html").read_bytes() == (out / "index.html").read_bytes()


def test_links_are_relative_and_lead_to_published_files(published):
    _, out = published
    page = etree.HTML((out / "index.html").read_bytes())
    hrefs = page.xpath("//a/@href|//link/@href")
    local = [href for href in hrefs if not href.startswith("https://")]
    assert local
    for href in local:
        assert (out / href).is_file(), href
    assert not [href for href in hrefs if "feeds.example.org" in href]
    feeds = page.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href")
    assert feeds == ["mid/en.atom", "mid/ru.atom", "all/en.atom", "all/ru.atom"]


def test_health_counts_and_times(published):
    _, out = published
    page = etree.HTML((out / "index.html").read_bytes())
    mid = "".join(page.xpath("//li[@id='health-mid']//text()"))
    assert "2 articles pending a retry" in mid
    assert "1 article failed (given up)" in mid
    old_site = "".join(page.xpath("//li[@id='health-mid_archive']//text()"))
    assert "1 failed run in a row: listing page failed" in old_site
    assert page.xpath("//div[@id='health-mid']/@class") == ["health failing"]
    times = page.xpath("//li[@id='health-mid']//time")
    assert (times[0].get("class"), times[0].get("datetime"), times[0].get("title"), times[0].text) == (
        "ago", "2026-11-30T10:00:00Z", "2026-11-30 10:00 UTC", "2026-11-30 10:00 UTC")


def test_latest_statements_in_their_own_time_and_language(published):
    _, out = published
    page = etree.HTML((out / "index.html").read_bytes())
    latest = page.xpath("//ul[@class='latest']/li")
    assert len(latest) == 5
    first = latest[0]
    assert first.xpath("a/@href") == ["https://mid.ru/en/press_service/spokesman/comments/1820702/"]
    assert first.xpath(".//time/@datetime") == ["2022-06-30T20:45:00+03:00"]
    assert first.xpath(".//time/text()") == ["2022-06-30 20:45 UTC+03:00"]
    russian = [li for li in latest if li.get("lang") == "ru"]
    assert russian[0].xpath("a/text()")[0].startswith("Заявление МИД России")


def test_the_relative_time_script_is_small_and_the_only_one(published):
    _, out = published
    html = (out / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    assert "RelativeTimeFormat" in scripts[0] and len(scripts[0]) < 1500


def test_stylesheet_and_schema_are_published(published):
    _, out = published
    assert (out / "feed.xsl").read_bytes() == STYLESHEET_SOURCE.read_bytes()
    schema = json.loads((out / "schema" / "statement.schema.json").read_text(encoding="utf-8"))
    assert schema == json.loads((REPO / "schema" / "statement.schema.json").read_text(encoding="utf-8"))
    etree.fromstring(STYLESHEET_SOURCE.read_bytes())  # well-formed XSLT
    for path in out.rglob("*.atom"):
        relative = str(path.relative_to(out))
        declaration, instruction = path.read_bytes().split(b"\n")[:2]
        assert declaration == b"<?xml version='1.0' encoding='UTF-8'?>"
        assert instruction == f'<?xml-stylesheet type="text/xsl" href="{stylesheet_href(relative)}"?>'.encode()
        assert (path.parent / stylesheet_href(relative)).resolve() == (out / "feed.xsl").resolve()


def test_stylesheet_turns_a_feed_into_a_page(published):
    # lxml runs XSLT 1.0 as browsers do.
    _, out = published
    transform = etree.XSLT(etree.parse(str(out / "feed.xsl")))
    page = transform(etree.parse(str(out / "mid" / "en" / "type" / "news.atom")))
    root = page.getroot()
    assert root.xpath("//h1")[0].text == "Ministry of Foreign Affairs of the Russian Federation: news (English)"
    assert root.xpath("//p/a/@href")[0] == "../../../index.html"
    # Above and below the entries; RFC 5005's links made relative.
    assert root.xpath("//a[@rel='prev']/@href") == ["../../../mid/en/type/news/archive/2022-06.atom"] * 2
    articles = root.xpath("//article")
    assert len(articles) == 2
    assert articles[0].xpath(".//h2/a/@href") == ["https://mid.ru/en/foreign_policy/news/1819686/"]
    assert articles[0].xpath(".//a[@hreflang='ru']/@href") == ["https://mid.ru/ru/foreign_policy/news/1819686/"]


def test_missing_program_skips_without_root_and_fails_as_root(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no chromium, no newsboat
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(pytest.skip.Exception, match="newsboat is not installed and cannot be without root"):
        external_program("newsboat")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="newsboat is not installed"):
        external_program("newsboat")
    monkeypatch.delenv("CI")
    monkeypatch.setattr("os.geteuid", lambda: 0)
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        external_program("chromium", "chromium-browser")
    (tmp_path / "chromium-browser").write_text("#!/bin/sh\n")
    (tmp_path / "chromium-browser").chmod(0o755)
    assert external_program("chromium", "chromium-browser") == str(tmp_path / "chromium-browser")
