"""Page objects of the old Liferay site, field by field, on the bundled full pages."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.mid_archive import (
    SECTIONS_BY_NAME,
    MidArchiveArticlePage,
    MidArchiveListingPage,
    canonical_article_url,
    listing_url,
    parse_article_url,
    rebase,
)
from tests.conftest import FIXTURES, fixture_response, manifest

PHRASES = json.loads((Path(__file__).parent / "phrases" / "mid_archive.json").read_text(encoding="utf-8"))
A = "https://archive.mid.ru"
SEED = f"{A}/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535"
SEED_RU = f"{A}/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2826535"
COMMENT_CP1251 = f"{A}/ru/kommentarii/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408"
BRIEFING_RU = f"{A}/ru/press_service/spokesman/briefings/-/asset_publisher/D2wHaWMCU6Od/content/id/2827093"
NEWS_2012_RU = f"{A}/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/108706"


def statement(url: str):
    return normalise(MidArchiveArticlePage(url, fixture_response(url).text).statement())


def archive_articles() -> list[str]:
    return [url for url in manifest() if url.startswith(A) and parse_article_url(url)]


def seed_text() -> tuple[str, list[str]]:
    """The seed's title and body paragraphs, from the naive text extraction."""
    blocks = [b.strip() for b in (FIXTURES / "mid_archive" / "seed-page.txt").read_text(
        encoding="utf-8").split("\n\n") if b.strip()]
    # date line, title, language selector, the body, three tags, two portlet chrome lines
    return blocks[1], blocks[3:-5]


# --- the seed page --------------------------------------------------------------------------------
def test_seed_page_gives_exactly_the_seed():
    title, paragraphs = seed_text()
    item = statement(SEED)
    assert item.title == title
    assert item.body_text == "\n\n".join(paragraphs)
    assert len(paragraphs) == 7  # the seed text holds seven body paragraphs
    assert item.published == "2017-07-24T19:36:00+03:00"
    assert item.published_raw == "24 July 2017 19:36"
    assert item.tags == ["Council of Europe (CoE)", "NATO (North Atlantic Treaty Organization)",
                         "European Union (EU)"]
    assert item.translations == {"ru": SEED_RU}
    assert item.id == "mid:en:liferay-2826535"  # ids minted before 1.3.0 never change
    assert item.site == "archive.mid.ru"
    assert item.site_id == "2826535"  # the site's own id, as in /content/id/2826535
    assert item.url == SEED
    assert item.type == "news"
    assert item.doc_number is None


def test_seed_body_is_clean_paragraphs():
    html = statement(SEED).body_html
    assert html.count("<p>") == 7
    assert "dxl" not in html
    assert "<span" not in html


# --- other pages, field by field ------------------------------------------------------------------
def test_russian_counterpart():
    item = statement(SEED_RU)
    assert item.title.startswith("О международной конференции «Частно-государственное партнерство")
    assert item.published == "2017-07-24T19:36:00+03:00"
    assert item.published_raw == "24 июля 2017 19:36"
    assert item.tags == ["Совет Европы (СЕ)", "НАТО (Организация Североатлантического договора)",
                         "Европейский союз (ЕС)"]
    assert item.translations == {"en": SEED}


def test_windows_1251_comment_with_short_date_and_number_in_status_line():
    assert fixture_response(COMMENT_CP1251).encoding == "cp1251"
    item = statement(COMMENT_CP1251)
    assert item.title == ("Комментарий официального представителя МИД России М.В.Захаровой"
                          " в связи с продлением санкций ЕС")
    assert item.published == "2020-12-22T18:30:00+03:00"
    assert item.published_raw == "22.12.20 18:30"
    assert item.doc_number == "2365-22-12-2020"
    assert item.type == "comment"
    assert item.tags == ["Европейский союз (ЕС)"]
    assert item.translations == {"en": f"{A}/en/comments/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408"}


def test_moscow_offset_was_plus_four_in_2012():
    item = statement(NEWS_2012_RU)
    assert item.published == "2012-03-05T10:05:00+04:00"
    assert item.published_raw == "05.03.12 10:05"
    assert item.doc_number == "412-05-03-2012"


def test_briefing_keeps_sections_drops_contents_and_back_links():
    item = statement(BRIEFING_RU)
    assert item.type == "briefing"
    paragraphs = item.body_text.split("\n\n")
    assert paragraphs[0] == "О графике С.В.Лаврова"
    assert "Из ответов на вопросы СМИ:" in paragraphs
    assert "Назад к содержанию" not in item.body_text
    assert "Содержание" not in item.body_text


def test_signature_paragraph_kept():
    url = f"{A}/ru/press_service/minister_speeches/-/asset_publisher/7OvQR5KJWVmR/content/id/4006625"
    item = statement(url)
    assert item.body_text.endswith("С.В.Лавров")
    assert item.type == "speech"


def test_challenge_and_missing_parts():
    challenge = (FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1820833.html").read_text(encoding="utf-8")
    with pytest.raises(ParseError) as error:
        MidArchiveArticlePage(SEED, challenge).statement()
    assert error.value.reason == "challenge_page"
    html = fixture_response(SEED).text
    no_title = html.replace("<h1>Press release", "<h2>Press release").replace("auspices</h1>", "auspices</h2>")
    with pytest.raises(ParseError) as error:
        MidArchiveArticlePage(SEED, no_title).statement()
    assert error.value.reason == "missing_title"


# --- URLs -----------------------------------------------------------------------------------------
def test_every_known_old_site_url_is_recognised():
    rows = list(csv.DictReader((FIXTURES / "mid_archive" / "liferay-urls.tsv").open(encoding="utf-8"),
                               delimiter="\t"))
    assert len(rows) == 10545
    types = {"official_statements": "statement", "briefings": "briefing", "answers": "answer",
             "comments": "comment", "minister_speeches": "speech", "deputy_ministers_speeches": "speech"}
    for row in rows:
        parsed = parse_article_url(row["url"])
        assert parsed is not None, row["url"]
        assert parsed.section.name == row["section"], row["url"]
        assert parsed.section.type == types[row["section"]]
        assert parsed.site_id == row["url"].rsplit("/", 1)[1]
        assert canonical_article_url(row["url"]).startswith("https://archive.mid.ru/ru/")


@pytest.mark.parametrize("url", [
    "https://mid.ru/en/foreign_policy/news/1819686/",
    "https://www.mid.ru/ru/foreign_policy/news/-/asset_publisher/XXXXXXXXXXXX/content/id/1",
    "https://www.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/categories/101",
])
def test_not_old_site_articles(url):
    assert parse_article_url(url) is None


def test_canonical_and_rebased_urls():
    old = "https://www.mid.ru/ru/kommentarii/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408#12"
    assert canonical_article_url(old) == COMMENT_CP1251
    assert rebase(old, "http://127.0.0.1:8080") == \
        "http://127.0.0.1:8080/ru/kommentarii/-/asset_publisher/2MrVt3CzL5sw/content/id/4005408#12"
    assert rebase("https://example.org/x", "http://127.0.0.1:8080") == "https://example.org/x"


def test_listing_url_has_liferay_pagination():
    url = listing_url(A, "ru", SECTIONS_BY_NAME["comments"], 3, delta=30)
    assert url.startswith(f"{A}/ru/kommentarii?p_p_id=101_INSTANCE_2MrVt3CzL5sw&")
    assert "_101_INSTANCE_2MrVt3CzL5sw_delta=30" in url
    assert url.endswith("_101_INSTANCE_2MrVt3CzL5sw_cur=3")


# --- listing pages -------------------------------------------------------------------------------
def test_listing_entries_and_last_page():
    url = listing_url(A, "en", SECTIONS_BY_NAME["news"], 1)
    page = MidArchiveListingPage(url, fixture_response(url).text)
    assert [e.url for e in page.entries()] == [SEED]
    assert page.last_page() == 2
    url2 = listing_url(A, "en", SECTIONS_BY_NAME["news"], 2)
    page2 = MidArchiveListingPage(url2, fixture_response(url2).text)
    assert [e.url for e in page2.entries()] == [
        f"{A}/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/108706"]
    assert page2.last_page() == 2


def test_single_page_listing_has_no_last_page():
    url = listing_url(A, "ru", SECTIONS_BY_NAME["comments"], 1)
    page = MidArchiveListingPage(url, fixture_response(url).text)
    assert [e.url for e in page.entries()] == [COMMENT_CP1251]
    assert page.last_page() is None


def test_article_page_is_not_a_listing():
    with pytest.raises(ParseError) as error:
        MidArchiveListingPage(SEED, fixture_response(SEED).text).entries()
    assert error.value.reason == "listing_layout"


# --- phrase corpus and every article -------------------------------------------------------------
@pytest.mark.parametrize("url", sorted(PHRASES["pages"]))
def test_phrase_corpus(url):
    text = statement(url).body_text
    for phrase in PHRASES["pages"][url]["must"]:
        assert phrase in text, f"{url}: missing {phrase!r}"
    for phrase in PHRASES["pages"][url]["must_not"]:
        assert phrase not in text, f"{url}: chrome left in: {phrase!r}"


@pytest.mark.parametrize("url", archive_articles())
def test_no_liferay_chrome_in_any_article(url):
    item = statement(url)
    for phrase in PHRASES["chrome"]["all"] + PHRASES["chrome"][item.language]:
        assert phrase not in item.body_text, f"{url}: chrome left in: {phrase!r}"
    paragraphs = item.body_text.split("\n\n")
    for tag in item.tags:  # tag words may be in the text; the tag links are not paragraphs
        assert tag not in paragraphs
    date_shown = item.published_raw.rsplit(" ", 1)[0]
    assert date_shown not in item.body_text
