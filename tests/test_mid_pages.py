"""Page objects of the current mid.ru site, field by field, on the bundled full pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.mid import (
    MidArticlePage,
    MidListingPage,
    canonical_article_url,
    listing_url,
    parse_article_url,
    sections_for,
)
from tests.conftest import FIXTURES, fixture_response, manifest

PHRASES = json.loads((Path(__file__).parent / "phrases" / "mid.json").read_text(encoding="utf-8"))
STATEMENT_EN = "https://mid.ru/en/foreign_policy/news/1819686/"
STATEMENT_RU = "https://mid.ru/ru/foreign_policy/news/1819686/"
BRIEFING_EN = "https://mid.ru/en/press_service/spokesman/briefings/1820480/"
CP1251_RU = "https://mid.ru/ru/foreign_policy/news/1820801/"


def statement(url: str, **kwargs):
    return normalise(MidArticlePage(url, fixture_response(url).text).statement(**kwargs))


def mirror_articles() -> list[str]:
    return [url for url in manifest() if parse_article_url(url) and "1820833" not in url]


# --- URLs ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "language", "section", "site_id", "doc_type"),
    [
        ("https://mid.ru/en/foreign_policy/news/1819686/", "en", "foreign_policy/news", "1819686", "news"),
        ("https://www.mid.ru/ru/foreign_policy/news/1819686", "ru", "foreign_policy/news", "1819686", "news"),
        ("https://mid.ru/en/press_service/minister_speeches/2035561/", "en",
         "press_service/minister_speeches", "2035561", "speech"),
        ("https://mid.ru/ru/press_service/spokesman/kommentarii/1820702/", "ru",
         "press_service/spokesman/kommentarii", "1820702", "comment"),
        ("https://mid.ru/en/press_service/spokesman/official_statement/1820611/?lang=ru", "ru",
         "press_service/spokesman/official_statement", "1820611", "statement"),
        ("https://mid.ru/en/press_service/spokesman/comments/1820702/?lang=ru", "ru",
         "press_service/spokesman/kommentarii", "1820702", "comment"),
    ],
)
def test_parse_article_url(url, language, section, site_id, doc_type):
    parsed = parse_article_url(url)
    assert (parsed.language, parsed.section, parsed.site_id, parsed.type) == \
        (language, section, site_id, doc_type)


@pytest.mark.parametrize("url", [
    "https://mid.ru/en/press_service/video/view/1820777/",
    "https://mid.ru/en/foreign_policy/news/",
    "https://mid.ru/en/maps/us/1814243/",
    "https://mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2815869",
])
def test_not_article_urls(url):
    assert parse_article_url(url) is None


def test_canonical_url():
    assert canonical_article_url("https://www.mid.ru/ru/foreign_policy/news/1819686?x=1#top") == STATEMENT_RU
    assert canonical_article_url(
        "https://mid.ru/en/press_service/spokesman/comments/1820702/?lang=ru"
    ) == "https://mid.ru/ru/press_service/spokesman/kommentarii/1820702/"


def test_listing_urls_and_sections():
    assert listing_url("https://mid.ru", "en", "foreign_policy/news", 1) == "https://mid.ru/en/foreign_policy/news/"
    assert listing_url("https://mid.ru/", "ru", "press_service/spokesman/comments", 3) == \
        "https://mid.ru/ru/press_service/spokesman/kommentarii/?PAGEN_1=3"
    assert "press_service/spokesman/comments" in sections_for("en")
    assert "press_service/spokesman/kommentarii" not in sections_for("en")
    assert len(sections_for("ru")) == 7


# --- listing pages -------------------------------------------------------------------------------
def test_listing_entries():
    url = "https://mid.ru/en/foreign_policy/news/"
    entries = MidListingPage(url, fixture_response(url).text).entries()
    assert [e.url for e in entries] == [
        "https://mid.ru/en/foreign_policy/news/1820833/",
        "https://mid.ru/en/foreign_policy/news/1820801/",
        "https://mid.ru/en/foreign_policy/news/1820150/",
    ]  # the video page in the listing is left out
    assert entries[1].date_raw == "30.06.2022 18:05"
    assert entries[1].tags == ["Kazakhstan", "CIS"]
    assert entries[2].title.startswith("Foreign Minister Sergey Lavrov’s meeting with")


def test_listing_page_two_and_russian_tags():
    url = "https://mid.ru/ru/foreign_policy/news/?PAGEN_1=2"
    entries = MidListingPage(url, fixture_response(url).text).entries()
    assert [(e.url, e.tags) for e in entries] == [(STATEMENT_RU, ["США"])]


def test_listing_without_the_listing_block_is_layout_drift():
    html = fixture_response(STATEMENT_EN).text  # an article page, not a listing
    with pytest.raises(ParseError) as error:
        MidListingPage("https://mid.ru/en/foreign_policy/news/", html).entries()
    assert error.value.reason == "listing_layout"


# --- article pages, field by field -----------------------------------------------------------
def test_statement_with_table_fields():
    item = statement(STATEMENT_EN, tags=["United States of America (USA)"])
    assert item.id == "mid:en:1819686"
    assert item.source == "mid"
    assert item.site == "mid.ru"
    assert item.site_id == "1819686"
    assert item.url == STATEMENT_EN
    assert item.language == "en"
    assert item.title == "Foreign Ministry statement on introducing personal sanctions as regards American citizens"
    assert item.published == "2022-06-28T11:44:00+03:00"
    assert item.published_raw == "28 June 2022 11:44"
    assert item.doc_number == "1345-28-06-2022"
    assert item.type == "news"
    assert item.tags == ["United States of America (USA)"]
    assert item.body_html.count("<tr>") == 5
    assert 'href="https://mid.ru/en/maps/us/1814243/"' in item.body_html
    assert item.body_text.startswith("In response to the constantly expanding US sanctions")
    assert item.body_text.endswith("is posted in this section of the Foreign Ministry website.")


def test_russian_statement_fields():
    item = statement(STATEMENT_RU)
    assert item.title == "Заявление МИД России в связи с введением персональных санкций в отношении граждан США"
    assert item.published == "2022-06-28T11:44:00+03:00"
    assert item.published_raw == "28.06.2022 11:44"
    assert item.doc_number == "1345-28-06-2022"
    assert item.language == "ru"
    assert len(item.body_text.split("\n\n")) == 8  # 2 paragraphs, 5 table rows, 1 closing paragraph


def test_briefing_keeps_sections_drops_contents():
    item = statement(BRIEFING_EN)
    assert item.type == "briefing"
    assert item.doc_number is None
    assert item.body_text.split("\n\n")[0] == "Sergey Lavrov’s schedule"
    assert "<h3>The situation in Ukraine</h3>" in item.body_html
    assert "#" not in item.body_html.replace("&#", "")  # no in-page anchor links left


def test_windows_1251_page():
    response = fixture_response(CP1251_RU)
    assert response.encoding == "cp1251"
    item = statement(CP1251_RU)
    assert item.title.startswith("О телефонном разговоре Министра иностранных дел России С.В.Лаврова")
    assert item.published == "2022-06-30T18:05:00+03:00"
    assert "class=" not in item.body_html and "style=" not in item.body_html  # Word markup cleaned


def test_interview_in_speeches_section():
    item = statement("https://mid.ru/en/press_service/minister_speeches/1819811/")
    assert item.type == "interview"
    assert statement("https://mid.ru/ru/press_service/minister_speeches/1819811/").type == "interview"
    assert statement("https://mid.ru/en/press_service/minister_speeches/1820723/").type == "speech"


def test_older_page_body_layout():
    item = statement("https://mid.ru/en/press_service/deputy_ministers_speeches/1818705/")
    assert item.title == "Deputy Foreign Minister Sergey Ryabkov’s remarks at the meeting of BRICS sherpas"
    assert item.published == "2022-06-20T11:10:00+03:00"


def test_listing_date_is_the_fallback_and_then_the_document_number():
    html = fixture_response(STATEMENT_EN).text.replace(
        '<div class="photo-content__date">28 June 2022 11:44</div>', "")
    page = MidArticlePage(STATEMENT_EN, html)
    assert normalise(page.statement(listing_date="28.06.2022 11:44")).published == "2022-06-28T11:44:00+03:00"
    assert normalise(page.statement(listing_date="28.06.2022 11:44")).published_precision == "datetime"
    without_listing = normalise(page.statement())
    assert without_listing.published == "2022-06-28T00:00:00+03:00"
    assert without_listing.published_precision == "date"  # from the document number: a day only
    assert without_listing.published_raw is None


def test_challenge_page_is_a_parse_error():
    url = "https://mid.ru/en/foreign_policy/news/1820833/"
    with pytest.raises(ParseError) as error:
        MidArticlePage(url, fixture_response(url).text).statement()
    assert error.value.reason == "challenge_page"


def test_missing_title_is_a_parse_error():
    html = fixture_response(STATEMENT_EN).text
    html = html.replace('<h1 class="photo-content__title">', '<h2 class="x">').replace("</h1>", "</h2>")
    with pytest.raises(ParseError) as error:
        MidArticlePage(STATEMENT_EN, html).statement()
    assert error.value.reason == "missing_title"
    assert STATEMENT_EN in str(error.value)


def test_a_teaser_of_the_same_markup_before_main_is_not_the_article():
    # (found by a fresh reviewer: a promo card before <main> gave its title, date and text)
    html = fixture_response(STATEMENT_EN).text
    teaser = ('<div class="promo"><div class="photo-content"><div class="photo-content__date">01 January 2020 10:00'
              '</div><h1 class="photo-content__title">Promo teaser title</h1><div class="text article-content">'
              '<p>Promo teaser body text that is not the statement.</p></div></div></div>')
    assert html.count('<main class="main container">') == 1
    item = normalise(MidArticlePage(STATEMENT_EN, html.replace('<main class="main container">',
                                                               teaser + '<main class="main container">')).statement())
    assert item.title == "Foreign Ministry statement on introducing personal sanctions as regards American citizens"
    assert item.published == "2022-06-28T11:44:00+03:00"
    assert item.body_text.startswith("In response to the constantly expanding US sanctions")
    assert "Promo" not in item.body_text
    # a page without <main> is read as before: its first wrapper
    bare = html.replace('<main class="main container">', "<div>").replace("</main>", "</div>")
    assert normalise(MidArticlePage(STATEMENT_EN, bare).statement()).title == item.title


def test_page_without_article_block():
    url = "https://mid.ru/en/foreign_policy/news/"
    with pytest.raises(ParseError) as error:
        MidArticlePage(STATEMENT_EN, fixture_response(url).text).statement()
    assert error.value.reason == "no_article_block"


# --- the phrase corpus and every article of the mirror -----------------------------------------
@pytest.mark.parametrize("url", sorted(PHRASES["pages"]))
def test_phrase_corpus(url):
    text = statement(url).body_text
    expected = PHRASES["pages"][url]
    for phrase in expected["must"]:
        assert phrase in text, f"{url}: missing {phrase!r}"
    for phrase in expected["must_not"]:
        assert phrase not in text, f"{url}: chrome left in: {phrase!r}"


@pytest.mark.parametrize("url", mirror_articles())
def test_no_site_chrome_in_any_article(url):
    item = statement(url)
    for phrase in PHRASES["chrome"][item.language]:
        assert phrase not in item.body_text, f"{url}: chrome left in: {phrase!r}"
        assert phrase not in item.title
    assert item.doc_number is None or item.doc_number not in item.body_text
    assert item.title not in item.body_text


def test_mirror_has_what_the_issue_asks_for():
    articles = mirror_articles()
    assert len(articles) >= 20
    listings = [u for u in manifest() if "/?" in u or u.endswith(("/news/", "/briefings/"))]
    assert len(listings) >= 2 * 7
    assert (FIXTURES / "mid" / "en" / "foreign_policy" / "news" / "1820833.html").exists()
