"""The other ministries' page objects, field by field, on their bundled fixtures; GOV.UK's real
content items as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.auswaertiges_amt import AaArticlePage, AaFeed
from crawler.pages.fmprc import ChinaArticlePage, ChinaListingPage, decode, listing_url
from crawler.pages.govuk import GovUkContentItem, content_api_url, read_search
from crawler.pages.registry import read_saved_page
from crawler.pages.state_dept import StateArticlePage, StateFeed, is_bot_wall
from tests.conftest import FIXTURES, fixture_response

PHRASES = json.loads((Path(__file__).parent / "phrases" / "sources.json").read_text(encoding="utf-8"))
GOVUK = FIXTURES / "fcdo"


def govuk(name: str, **changes) -> dict:
    item = json.loads((GOVUK / f"publishing-api__{name}.json").read_text(encoding="utf-8"))
    item.update(changes)
    url = content_api_url("https://www.gov.uk" + item["base_path"])
    return normalise(GovUkContentItem(url, json.dumps(item)).statement()).to_dict()


# --- GOV.UK ------------------------------------------------------------------------------------
def test_govuk_translated_news_story():
    item = govuk("news_article_frontend_news_article_history_mode_translated_arabic")
    assert item["id"] == "fcdo:ar:fe363564-f53b-4d59-afc4-c1a7df98159a"
    assert item["language"] == "ar"
    assert item["type"] == "news"
    assert item["url"] == ("https://www.gov.uk/government/news/uk-and-us-sanction-key-houthi-figures-to-protect"
                           "-maritime-security-in-the-red-sea.ar")
    assert item["translations"] == {"en": "https://www.gov.uk/government/news/uk-and-us-sanction-key-houthi-"
                                          "figures-to-protect-maritime-security-in-the-red-sea"}
    assert item["published"] == "2024-01-25T00:00:00+00:00"
    assert item["published_raw"] == "2024-01-25T00:00:00+00:00"
    assert item["change_history"] == [{"at": "2024-01-25T00:00:00+00:00", "note": "First published."}]
    assert item["withdrawn"] is None
    assert item["body_text"].startswith("فرضت المملكة المتحدة والولايات المتحدة عقوبات على شخصيات بارزة")


def test_govuk_speech_and_written_statement():
    speech = govuk("speech_frontend_speech-translated")
    assert (speech["type"], speech["language"]) == ("speech", "ar")
    assert set(speech["translations"]) == {"en"}
    assert speech["tags"] == ["UK Mission to the United Nations, New York"]
    written = govuk("speech_frontend_best-practice-written-statement")
    assert written["type"] == "statement"
    assert written["published"] == "2014-04-01T09:55:00+01:00"  # the instant, in Europe/London
    assert written["change_history"] == [{"at": "2014-04-01T09:55:00+01:00", "note": "First published."}]


def test_govuk_withdrawn_notice():
    assert govuk("news_article_frontend_best-practice-press-release")["withdrawn"] is None  # an empty notice
    item = govuk("news_article_frontend_best-practice-press-release", withdrawn_notice={
        "explanation": "This press release was withdrawn as the campaign has ended.",
        "withdrawn_at": "2016-03-01T10:00:00+00:00"})
    assert item["withdrawn"] == {"at": "2016-03-01T10:00:00+00:00",
                                 "note": "This press release was withdrawn as the campaign has ended."}


def test_govuk_items_that_are_not_statements():
    page = GovUkContentItem("https://www.gov.uk/api/content/government/news/x", json.dumps(
        {"base_path": "/government/news/x", "content_id": "1", "locale": "en", "title": "T",
         "document_type": "guidance"}))
    with pytest.raises(ParseError, match="not_a_statement"):
        page.statement()
    with pytest.raises(ParseError, match="not_json"):
        GovUkContentItem("https://www.gov.uk/api/content/government/news/x", "<html>").statement()


@pytest.mark.parametrize("title", [123, ["T"], {"en": "T"}, True])
def test_govuk_a_required_field_that_is_no_string_is_a_page_that_does_not_parse(title):
    # (a numeric title reached normalise, which failed there: the item was neither stored nor pending)
    name = "news_article_frontend_best-practice-press-release"
    item = json.loads((GOVUK / f"publishing-api__{name}.json").read_text(encoding="utf-8"))
    item["title"] = title
    with pytest.raises(ParseError, match=r"missing_title.*not a string"):
        GovUkContentItem(content_api_url("https://www.gov.uk" + item["base_path"]), json.dumps(item)).statement()


def test_govuk_optional_values_of_another_json_type_are_not_read_as_text():
    name = "speech_frontend_best-practice-written-statement"
    item = govuk(name, first_published_at=20140401, public_updated_at="2014-04-01T09:55:00+01:00",
                 withdrawn_notice={"explanation": 7, "withdrawn_at": ["2016"]},
                 details={**json.loads((GOVUK / f"publishing-api__{name}.json").read_text(encoding="utf-8"))["details"],
                          "change_history": [{"public_timestamp": "2014-04-01T09:55:00+01:00", "note": 5}, "x", None]},
                 links={"available_translations": [{"locale": 1, "base_path": "/x"}, "y"],
                        "world_locations": [{"title": 2}, {"title": "UK Mission to the United Nations, New York"}]})
    assert item["published"] == "2014-04-01T09:55:00+01:00"  # the next date the item gives as a string
    assert item["change_history"] == [{"at": "2014-04-01T09:55:00+01:00", "note": ""}]
    assert item["withdrawn"] is None
    assert item["translations"] == {}
    assert item["tags"] == ["UK Mission to the United Nations, New York"]


def test_govuk_search_page():
    text = (GOVUK / "search-1.json").read_text(encoding="utf-8")
    page = read_search("https://www.gov.uk/api/search.json?start=0", text, "https://www.gov.uk")
    assert page.total == 3
    assert page.entries[0].url.startswith("https://www.gov.uk/government/")
    # a result whose values are of other JSON types: no link, no type, no title or date read from them
    data = json.loads(text)
    first = data["results"][0]
    data["results"] = [{**first, "link": ["/government/news/x"]}, {**first, "content_store_document_type": ["speech"]},
                       {**first, "title": 5, "public_timestamp": 20240101}]
    [entry] = read_search("https://www.gov.uk/api/search.json?start=0", json.dumps(data), "https://www.gov.uk").entries
    assert (entry.url, entry.title, entry.date_raw) == (page.entries[0].url, "", None)


# --- US Department of State ------------------------------------------------------------------
STATE_PAGE = ("https://www.state.gov/releases/office-of-the-spokesperson/2025/07/"
              "designation-of-a-transnational-criminal-organization/")


def test_state_feed_carries_statements_but_one():
    url = "https://www.state.gov/rss-feed/press-releases/feed/"
    entries = StateFeed(url, fixture_response(url).body).entries()
    assert len(entries) == 3
    assert [e.statement is not None for e in entries] == [True, False, True]
    first = normalise(entries[0].statement).to_dict()
    assert first["id"] == "state_dept:en:104211"
    assert first["type"] == "news"  # a readout
    assert first["published"] == "2025-07-29T14:33:25-04:00"
    assert first["published_precision"] == "datetime"
    assert first["tags"] == ["Philippines", "East Asia and the Pacific"]
    assert "###" not in first["body_text"]


def test_state_article_page_keeps_a_date_a_date():
    item = normalise(StateArticlePage(STATE_PAGE, fixture_response(STATE_PAGE).text).statement()).to_dict()
    assert item["site_id"] == "104187"
    assert item["title"] == "Designation of a Transnational Criminal Organization"
    assert item["type"] == "statement"
    assert item["published"] == "2025-07-28T00:00:00-04:00"
    assert item["published_precision"] == "date"
    assert item["published_raw"] == "July 28, 2025"
    assert item["tags"] == ["Counterterrorism"]


def test_state_bot_wall_decoy():
    decoy = (FIXTURES / "state_dept" / "technical-difficulties.html").read_text(encoding="utf-8")
    assert is_bot_wall(decoy)
    assert not is_bot_wall(fixture_response(STATE_PAGE).text)
    with pytest.raises(ParseError, match="challenge_page"):
        StateArticlePage(STATE_PAGE, decoy).statement()


# --- China --------------------------------------------------------------------------------------
MIGRATED = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_11347225.html"
CONFERENCE = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202411/t20241128_11535555.html"
ZH = "https://www.mfa.gov.cn/web/fyrbt_673021/jzhsl_673025/202411/t20241128_11535541.shtml"


def china(url: str) -> dict:
    return normalise(ChinaArticlePage(url, decode(fixture_response(url).body)).statement()).to_dict()


def test_china_migrated_page_is_dated_from_the_page():
    item = china(MIGRATED)
    assert item["published"] == "2022-02-16T20:30:00+08:00"  # not 2024-05-30, the migration in its URL
    assert item["site_id"] == "t20240530_11347225"
    assert item["type"] == "briefing"


def test_china_page_declaring_the_wrong_charset():
    response = fixture_response(CONFERENCE)
    assert "Mao Ning’s" not in response.text  # read as the gb2312 it declares, it is garbled
    item = china(CONFERENCE)
    assert item["title"] == "Foreign Ministry Spokesperson Mao Ning’s Regular Press Conference on November 28, 2024"
    assert item["published"] == "2024-11-28T23:43:00+08:00"
    assert item["tags"] == ["Mao Ning", "press conference", "Central Asia"]
    assert item["translations"] == {}


def test_china_gbk_page_in_chinese():
    item = china(ZH)
    assert item["language"] == "zh"
    assert item["title"] == "2024年11月28日外交部发言人毛宁主持例行记者会"
    assert item["type"] == "briefing"
    assert item["published"] == "2024-11-28T15:30:00+08:00"


def test_china_listing_pages():
    url = listing_url("https://www.fmprc.gov.cn", "eng/xw/fyrbt/lxjzh", 1)
    assert url == "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html"
    assert listing_url("https://www.fmprc.gov.cn", "eng/xw/fyrbt/lxjzh", 2).endswith("/index_1.html")
    page = ChinaListingPage(url, fixture_response(url).text)
    assert page.page_count() == 2
    assert [e.url for e in page.entries()] == [CONFERENCE]
    assert not ChinaArticlePage.matches("https://www.mfa.gov.cn/web/system/index_17321.shtml")


# --- Germany ------------------------------------------------------------------------------------
AA_PAGE = "https://www.auswaertiges-amt.de/en/newsroom/news/antrittsreise-baerbock/2500440"


def test_aa_feed():
    url = "https://www.auswaertiges-amt.de/static/appdata/includes/rss_en/RSS_Pressemitteilungen_Reden.xml"
    entries = AaFeed(url, fixture_response(url).body).entries()
    assert [e.statement is not None for e in entries] == [True, True, False]
    item = normalise(entries[0].statement).to_dict()
    assert item["id"] == "aa:en:2776128"
    assert item["published"] == "2025-06-24T16:20:00+02:00"
    assert "Top of page" not in item["body_text"]
    assert normalise(entries[1].statement).type == "speech"


def test_aa_article_page():
    item = normalise(AaArticlePage(AA_PAGE, fixture_response(AA_PAGE).text).statement()).to_dict()
    assert item["title"] == "Foreign Minister Annalena Baerbock at the start of her first official visit"
    assert item["published"] == "2021-12-08T00:00:00+01:00"
    assert item["published_precision"] == "date"
    assert item["published_raw"] == "08.12.2021"
    assert item["type"] == "statement"
    assert item["tags"] == ["Europe", "France", "Poland"]


def test_aa_missing_date_is_an_error_not_now():
    html = fixture_response(AA_PAGE).text.replace('<span class="heading__meta">08.12.2021 - Press release</span>', "")
    from crawler.normalise.statement import NormaliseError

    with pytest.raises(NormaliseError, match="no date"):
        normalise(AaArticlePage(AA_PAGE, html).statement())


# --- phrase corpus -------------------------------------------------------------------------------
@pytest.mark.parametrize("url", sorted(PHRASES["pages"]))
def test_phrase_corpus(url):
    # (a page served by an endpoint of its own, such as mea.gov.in's fragments, names it in "fetched_from")
    response = fixture_response(PHRASES["pages"][url].get("fetched_from", url))
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1") or None
    body = normalise(read_saved_page(url, response.body, content_type)).body_text
    for phrase in PHRASES["pages"][url]["must"]:
        assert phrase in body, f"{url}: missing {phrase!r}"
    for phrase in PHRASES["pages"][url]["must_not"]:
        assert phrase not in body, f"{url}: chrome left in: {phrase!r}"
