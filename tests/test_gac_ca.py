"""Global Affairs Canada (gac_ca): the news API's answers (Atom and JSON, relative links, the empty
answer an unknown parameter gives), the cursor of a backfill, and the canada.ca news pages in
English and French field by field (tests/fixtures/gac_ca/). Crawls over loopback HTTP: the
backfill's cursor walk and the empty first answer reported as drift."""

from __future__ import annotations

import json

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.gac_ca import GacNewsPage, NewsApiAnswer, news_api_url, parse_article_url
from tests.conftest import FIXTURES, fixture_response
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

SITE = "https://www.canada.ca"
API = "https://api.io.canada.ca"
STATEMENT = (f"{SITE}/en/global-affairs/news/2026/09/statement-by-minister-anand-on-the-ceasefire-in-the-democratic-"
             "republic-of-the-congo.html")
DECLARATION = (f"{SITE}/fr/affaires-mondiales/nouvelles/2026/09/declaration-de-la-ministre-anand-sur-le-cessez-le-feu-"
               "en-republique-democratique-du-congo.html")
RELEASE = (f"{SITE}/en/global-affairs/news/2026/09/canada-announces-humanitarian-assistance-for-people-affected-by-"
           "floods-in-pakistan.html")


def atom(*entries: tuple[str, str, str]) -> bytes:
    items = "".join(f'<entry><title>{title}</title><link href="{link}"/><id>{link}</id><published>{date}</published>'
                    f"<updated>{date}</updated></entry>" for link, title, date in entries)
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>GAC</title>'
            f"<id>x</id><updated>2026-10-01T00:00:00-04:00</updated>{items}</feed>").encode()


def test_api_urls():
    assert news_api_url(API, "en", 50) == (
        f"{API}/io-server/gc/news/en/v2?dept=departmentofforeignaffairstradeanddevelopment&sort=publishedDate"
        "&orderBy=desc&pick=50&format=atom&atomtitle=Global%20Affairs%20Canada")
    assert news_api_url(API, "fr", 2, "asc", "2026-09-26T11:00:01-04:00").endswith(
        "&orderBy=asc&publishedDate%3E=2026-09-26T11%3A00%3A01-04%3A00&pick=2&format=atom"
        "&atomtitle=Affaires%20mondiales%20Canada")


def test_links_are_resolved_against_the_site_not_the_api():
    url = news_api_url(API, "en", 50)
    entries = NewsApiAnswer(url, fixture_response(url).body, SITE).entries()
    assert entries[0].url == STATEMENT
    assert all(e.url.startswith(f"{SITE}/en/global-affairs/news/") for e in entries)
    assert entries[0].date_raw == "2026-09-29T16:05:00-04:00"
    # against a loopback copy of the site, the same relative links lead there
    assert NewsApiAnswer(url, fixture_response(url).body, "http://127.0.0.1:8001").entries()[0].url.startswith(
        "http://127.0.0.1:8001/en/global-affairs/news/2026/09/")


def test_json_answers_and_a_single_entry_as_an_object():
    body = json.dumps({"feed": {"entry": {"link": "/fr/affaires-mondiales/nouvelles/2026/09/x.html", "title": "T",
                                          "teaser": "…", "publishedDate": "2026-09-29T16:05:00-04:00"}}}).encode()
    [entry] = NewsApiAnswer(f"{API}/io-server/gc/news/fr/v2", body, SITE).entries()
    assert (entry.url, entry.title) == (f"{SITE}/fr/affaires-mondiales/nouvelles/2026/09/x.html", "T")
    body = json.dumps({"feed": {"entry": [{"link": {"href": "/en/global-affairs/news/2026/09/y.html"}, "title": "U",
                                           "publishedDate": "2026-09-28T10:00:00-04:00"}]}}).encode()
    urls = [e.url for e in NewsApiAnswer("u", body, SITE).entries()]
    assert urls == [f"{SITE}/en/global-affairs/news/2026/09/y.html"]


def test_an_empty_answer_is_no_entries_and_other_answers_are_not_feeds():
    # what an unknown parameter gets: an empty feed, not an error (the spider reports it as drift)
    assert NewsApiAnswer("u", atom(), SITE).entries() == []
    assert NewsApiAnswer("u", json.dumps({"feed": {}}).encode(), SITE).entries() == []
    with pytest.raises(ParseError, match="not_a_feed"):
        NewsApiAnswer("u", b"<html><body>Service unavailable</body></html>", SITE).entries()
    with pytest.raises(ParseError, match="not_a_feed"):
        NewsApiAnswer("u", b'{"error": "bad"}', SITE).entries()


def test_the_backfill_cursor_overlaps_the_last_moment():
    news = "/en/global-affairs/news/2026/09"
    answer = NewsApiAnswer("u", atom((f"{news}/a.html", "A", "2026-09-24T18:30:00-04:00"),
                                     (f"{news}/b.html", "B", "2026-09-26T11:00:00-04:00")), SITE)
    # (items after B at the same minute may have been cut off at the answer's end: asked again)
    assert answer.cursor_after() == "2026-09-26T11:00:00-04:00"
    asked = news_api_url(API, "en", 2, "asc", "2026-09-26T11:00:00-04:00")
    answer = NewsApiAnswer(asked, atom((f"{news}/b.html", "B", "2026-09-26T11:00:00-04:00"),
                                       (f"{news}/c.html", "C", "2026-09-26T11:00:00-04:00")), SITE)
    # (a whole answer of the moment it was asked from: asking the same again would not move)
    assert answer.cursor_after() == "2026-09-26T11:00:01-04:00"
    assert NewsApiAnswer("u", atom(), SITE).cursor_after() is None


@pytest.mark.parametrize(("url", "facts"), [
    (STATEMENT, ("en", "2026-09-statement-by-minister-anand-on-the-ceasefire-in-the-democratic-republic-of-the-congo")),
    ("https://international.canada.ca/en/global-affairs/news/2026/10/a-b.html", ("en", "2026-10-a-b")),
    (f"{SITE}/fr/affaires-mondiales/nouvelles/2026/09/x-y.html", ("fr", "2026-09-x-y")),
    (f"{SITE}/en/global-affairs/news.html", None),
    (f"{SITE}/en/news/advanced-news-search/news-results.html?dprtmnt=x", None),
])
def test_page_urls(url, facts):
    assert parse_article_url(url) == facts


def page(url: str) -> dict:
    return normalise(GacNewsPage(url, fixture_response(url).text).statement()).to_dict()


def test_statement_in_english():
    item = page(STATEMENT)
    assert (item["type"], item["site"], item["language"]) == ("statement", "canada.ca", "en")
    assert item["title"] == "Statement by Minister Anand on the ceasefire in the Democratic Republic of the Congo"
    assert (item["published"], item["published_precision"], item["published_raw"]) == \
        ("2026-09-29T00:00:00-04:00", "date", "September 29, 2026")
    assert item["translations"] == {"fr": DECLARATION}
    assert item["body_text"].startswith("The Honourable Anita Anand, Minister of Foreign Affairs, today issued")
    assert item["body_text"].endswith("lasting peace in the Great Lakes region.”")
    assert item["tags"] == ["Foreign affairs", "International relations"]


def test_declaration_in_french():
    item = page(DECLARATION)
    assert (item["type"], item["language"]) == ("statement", "fr")
    assert (item["published"], item["published_raw"]) == ("2026-09-29T00:00:00-04:00", "29 septembre 2026")
    assert item["translations"] == {"en": STATEMENT}
    for chrome in ("Déclaration\n", "De :", "Affaires mondiales Canada\n", "Liens associés", "Personnes-ressources",
                   "Rechercher des renseignements connexes", "Signaler un problème", "Date de modification", "English"):
        assert chrome not in item["body_text"], chrome


def test_release_keeps_its_sections_and_drops_the_tail():
    item = page(RELEASE)
    assert item["type"] == "news"
    text = item["body_text"]
    assert "Quick facts" in text and "– The Honourable Randeep Sarai" in text
    for chrome in ("News release", "From: Global Affairs Canada", "September 26, 2026 - Ottawa", "Associated links",
                   "Travel advice and advisories", "Contacts", "Media Relations Office",
                   "Search for related information", "Report a problem", "Date modified", "Skip to main content",
                   "Français", "Terms and conditions"):
        assert chrome not in text, chrome


def test_missing_parts_raise():
    html = fixture_response(STATEMENT).text
    with pytest.raises(ParseError, match="missing_title"):
        GacNewsPage(STATEMENT, html.replace("<h1", "<p").replace("</h1>", "</p>")).statement()
    with pytest.raises(ParseError, match="unknown_url"):
        GacNewsPage(f"{SITE}/en/global-affairs/news.html", html).statement()
    no_date = html.replace("September 29, 2026 - Ottawa, Ontario - Global Affairs Canada", "Ottawa, Ontario")
    from crawler.normalise.statement import NormaliseError
    with pytest.raises(NormaliseError, match="no date"):
        normalise(GacNewsPage(STATEMENT, no_date).statement())


# --- crawls over loopback HTTP -------------------------------------------------------------------
def _path(url: str) -> str:
    return url.removeprefix(API)


@pytest.mark.e2e
def test_backfill_walks_the_api_by_its_cursor(tmp_path):
    # Two items share the minute at which the first answer (two items a page) is cut: the walk goes
    # on from that minute, not a second after it, where the API has nothing more.
    first = news_api_url(API, "en", 2, "asc", "2015-01-01")
    second = news_api_url(API, "en", 2, "asc", "2026-09-26T11:00:00-04:00")
    third = news_api_url(API, "en", 2, "asc", "2026-09-26T11:00:01-04:00")
    links = [("/en/global-affairs/news/2026/09/minister-anand-meets-with-japans-foreign-minister.html", "Readout",
              "2026-09-24T18:30:00-04:00"),
             ("/en/global-affairs/news/2026/09/canada-announces-humanitarian-assistance-for-people-affected-by-floods-"
              "in-pakistan.html", "Release", "2026-09-26T11:00:00-04:00"),
             (STATEMENT.removeprefix(SITE), "Statement", "2026-09-26T11:00:00-04:00")]
    out = tmp_path / "items.jsonl"
    with LoopbackSite(FIXTURES, host="www.canada.ca") as site, LoopbackSite(FIXTURES, host="api.io.canada.ca") as api:
        api.set(_path(first), atom(*links[:2]), headers={"Content-Type": "application/atom+xml"})
        api.set(_path(second), atom(*links[1:]), headers={"Content-Type": "application/atom+xml"})
        api.set(_path(third), atom(), headers={"Content-Type": "application/atom+xml"})
        result = run_scrapy("crawl", "gac_ca", "-a", "backfill=1", "-a", "languages=en", "-O", str(out),
                            *fast_settings(tmp_path / "archive.sqlite3", MF_GAC_CA_BASE_URL=site.base_url,
                                           MF_GAC_CA_API_BASE_URL=api.base_url, MF_GAC_CA_PAGE_SIZE="2"))
        hits = dict(api.hits)
        page_hits = {path: count for path, count in site.hits.items() if "/news/" in path}
    assert result.returncode == 0, result.stderr[-3000:]
    assert (hits[_path(first)], hits[_path(second)], hits[_path(third)]) == (1, 1, 1)  # the third is short: the end
    assert sorted(page_hits.values()) == [1, 1, 1]  # the item listed twice is fetched once
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(item["published"][:10] for item in items) == ["2026-09-24", "2026-09-26", "2026-09-29"]


@pytest.mark.e2e
def test_an_empty_first_answer_is_reported_as_layout_drift(tmp_path):
    with LoopbackSite(FIXTURES, host="www.canada.ca") as site, LoopbackSite(FIXTURES, host="api.io.canada.ca") as api:
        for language in ("en", "fr"):
            api.set(_path(news_api_url(API, language, 50)), atom(), headers={"Content-Type": "application/atom+xml"})
        result = run_scrapy("update", "--only", "gac_ca",
                            *fast_settings(tmp_path / "archive.sqlite3", MF_GAC_CA_BASE_URL=site.base_url,
                                           MF_GAC_CA_API_BASE_URL=api.base_url))
    assert result.returncode == 1
    assert "gac_ca: FAILED: layout drift: 2 listing page(s) without article links" in result.stderr
