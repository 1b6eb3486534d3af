"""Japan's foreign ministry (mofa_jp): listings whose days have no year, Japanese era dates, the
article pages of both languages field by field, the Shift_JIS page, the WAF page, translations
and the press conferences' segments, on the bundled mirror (tests/fixtures/mofa_jp/)."""

from __future__ import annotations

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.mofa_jp import (
    MofaArticlePage,
    MofaListingPage,
    complete_day,
    month_page,
    parse_article_url,
)
from crawler.pages.registry import read_saved_page
from tests.conftest import FIXTURES, fixture_response

ORIGIN = "https://www.mofa.go.jp"
CONFERENCE = f"{ORIGIN}/press/kaiken/kaikenite_000001_00088.html"
ORIGINAL = f"{ORIGIN}/mofaj/press/kaiken/kaikenit_000001_00152.html"
STATEMENT = f"{ORIGIN}/press/release/pressite_000001_02909.html"


def item(url: str, listing_date: str | None = None) -> dict:
    response = fixture_response(url)
    content_type = response.headers.get("Content-Type").decode("latin-1")
    return normalise(read_saved_page(url, response.body, content_type, listing_date=listing_date)).to_dict()


# --- URLs --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "expected"), [
    ("/press/release/press4e_001223.html", ("en", "press4e_001223")),
    ("/press/release/pressite_000001_02654.html", ("en", "pressite_000001_02654")),
    ("/press/kaiken/kaiken23e_000078.html", ("en", "kaiken23e_000078")),
    ("/press/kaiken/kaikenwe_000001_00105.html", ("en", "kaikenwe_000001_00105")),
    ("/announce/fm_press/2010/4/0406_01.html", ("en", "fm_press-2010-4-0406_01")),
    ("/mofaj/press/release/pressit_000001_04231.html", ("ja", "pressit_000001_04231")),
    ("/mofaj/press/release/press4_002048.html", ("ja", "press4_002048")),
    ("/mofaj/erp/ca_c/tm/pageit_000001_03166.html", ("ja", "pageit_000001_03166")),
    ("/mofaj/press/release/8_09_index.html", None),
    ("/press/release/202609_index.html", None),
    ("/press/kaiken/pc_202609_index.html", None),
    ("/press/statement/ps.html", None),
    ("/mofaj/index.html", None),
])
def test_article_urls_and_their_ids(path, expected):
    assert parse_article_url(ORIGIN + path) == expected


@pytest.mark.parametrize(("path", "month"), [
    ("/press/release/202609_index.html", (2026, 9)),
    ("/press/kaiken/pc_202411_index.html", (2024, 11)),
    ("/mofaj/press/release/8_09_index.html", (2026, 9)),
    ("/mofaj/press/release/4_1_index.html", (2022, 1)),   # irregular names before 2022
    ("/mofaj/press/release/3_12_index.html", (2021, 12)),
    ("/mofaj/press/release/index.html", None),
])
def test_monthly_archive_pages(path, month):
    assert month_page(ORIGIN + path) == month


# --- a day without a year ------------------------------------------------------------------------
@pytest.mark.parametrize(("day", "reference", "language", "expected"), [
    ("September 30", (2026, 9), "en", "September 30, 2026"),
    ("9月30日付", (2026, 10), "ja", "2026年9月30日"),
    ("９月３０日付", (2026, 10), "ja", "2026年9月30日"),
    ("9月29日　茂木外務大臣会見", (2026, 9), "ja", "2026年9月29日"),
    # a month after the page's own is the year before: a December entry on a January page
    ("December 29", (2026, 1), "en", "December 29, 2025"),
    ("12月28日付", (2026, 1), "ja", "2025年12月28日"),
    # no evidence of the year: no date, never this year's
    ("September 30", None, "en", None),
    ("Archives", (2026, 9), "en", None),
])
def test_listing_days_are_completed_from_the_pages_evidence(day, reference, language, expected):
    assert complete_day(day, reference, language) == expected


def listing(url: str, inner: str, lang: str = "en") -> MofaListingPage:
    footer = '<footer><a href="/press/release/pressite_000001_00001.html">x</a></footer>'
    return MofaListingPage(url, f'<html lang="{lang}"><body><header><a href="/index.html">Home</a></header>'
                                f'<main id="contents"><div id="maincontents">{inner}</div></main>{footer}'
                                '</body></html>')


def test_the_year_comes_from_the_url_then_a_heading_then_the_archive_table():
    groups = ('<dl class="title-list"><dt class="list-title">December 29</dt><dd><ul><li>'
              '<a href="/press/release/pressite_000001_00010.html">A</a></li></ul></dd>'
              '<dt class="list-title">January 5</dt><dd><ul><li>'
              '<a href="/press/release/pressite_000001_00011.html">B</a></li></ul></dd></dl>')
    archive = '<table><tr><td>2026</td><td><a href="/press/release/202601_index.html">January</a></td></tr></table>'
    # an archive page: its URL says January 2026
    page = listing(f"{ORIGIN}/press/release/202601_index.html", groups)
    assert [e.date_raw for e in page.entries()] == ["December 29, 2025", "January 5, 2026"]
    # the current page: its archive table's newest month
    page = listing(f"{ORIGIN}/press/release/index.html", groups + archive)
    assert page.reference_month() == (2026, 1)
    assert [e.date_raw for e in page.entries()] == ["December 29, 2025", "January 5, 2026"]
    # a heading naming the month comes before the table
    page = listing(f"{ORIGIN}/mofaj/press/kaiken/index.html",
                   '<h3 class="title3">令和8年1月</h3><dl class="title-list"><dt class="list-title">12月28日</dt><dd>'
                   '<a href="/mofaj/press/kaiken/kaikenit_000001_00150.html">会見</a></dd></dl>' + archive, "ja")
    assert page.reference_month() == (2026, 1)
    assert [e.date_raw for e in page.entries()] == ["2025年12月28日"]
    # nothing says the year: the entries have no date (the article's own date decides)
    page = listing(f"{ORIGIN}/press/release/index.html", groups)
    assert page.reference_month() is None
    assert [e.date_raw for e in page.entries()] == [None, None]
    # links outside the content (the footer site map) are not entries
    assert f"{ORIGIN}/press/release/pressite_000001_00001.html" not in [e.url for e in page.entries()]


def test_mirror_listings():
    url = f"{ORIGIN}/mofaj/press/release/index.html"
    page = MofaListingPage(url, fixture_response(url).text)
    assert page.reference_month() == (2026, 10)  # the real table links 10月 as the newest month
    entries = page.entries()
    assert [(e.url.removeprefix(ORIGIN), e.date_raw) for e in entries] == [
        ("/mofaj/press/release/pressit_000001_04231.html", "2026年9月30日"),
        ("/mofaj/press/release/pressit_000001_04230.html", "2026年9月30日"),
        ("/mofaj/press/release/pressit_000001_04228.html", "2026年9月29日"),
        ("/mofaj/ic/ge/pageit_000001_00003.html", "2026年9月25日"),  # another section, listed here
    ]
    assert entries[0].title == "大空外務大臣政務官の「第9回日本・カナダ商工会議所協議会・合同会合」出席"
    assert page.next_listing_url() == f"{ORIGIN}/mofaj/press/release/8_10_index.html"
    url = f"{ORIGIN}/press/release/202609_index.html"
    assert MofaListingPage(url, fixture_response(url).text).next_listing_url() == \
        f"{ORIGIN}/press/release/202608_index.html"
    url = f"{ORIGIN}/press/kaiken/index.html"
    [first, _second] = MofaListingPage(url, fixture_response(url).text).entries()
    assert (first.url, first.title, first.date_raw) == (
        CONFERENCE, "Press Conference by Foreign Minister MOTEGI Toshimitsu", "September 29, 2026, 10:32 a.m.")
    url = f"{ORIGIN}/mofaj/press/kaiken/index.html"
    [entry] = MofaListingPage(url, fixture_response(url).text).entries()
    assert (entry.url, entry.title, entry.date_raw) == (ORIGINAL, "茂木外務大臣会見", "2026年9月29日")


def test_a_waf_page_is_not_a_listing():
    waf = (FIXTURES / "mofa_jp" / "waf-403.html").read_text(encoding="utf-8")
    with pytest.raises(ParseError, match="challenge_page"):
        MofaListingPage(f"{ORIGIN}/press/release/index.html", waf).entries()
    with pytest.raises(ParseError, match="challenge_page"):
        MofaArticlePage(STATEMENT, waf).statement()


# --- articles ------------------------------------------------------------------------------------
def test_english_press_release():
    release = item(f"{ORIGIN}/press/release/press4e_001223.html")
    assert (release["id"], release["site"], release["site_id"]) == ("mofa_jp:en:press4e_001223", "mofa.go.jp",
                                                                   "press4e_001223")
    assert release["title"] == "Emergency Grant Aid in response to food shortage in Southern Africa"
    assert (release["published"], release["published_precision"], release["published_raw"]) == \
        ("2016-08-02T00:00:00+09:00", "date", "August 2, 2016")
    assert release["type"] == "news"
    assert release["body_text"].startswith("1. On August 2, the Government of Japan decided")
    assert release["body_text"].endswith("caused by El-Niño phenomenon.")


def test_statement_links_its_japanese_version():
    statement = item(STATEMENT)
    assert statement["type"] == "statement"
    assert statement["translations"] == {"ja": f"{ORIGIN}/mofaj/press/release/pressit_000001_04228.html"}
    japanese = item(f"{ORIGIN}/mofaj/press/release/pressit_000001_04228.html")
    assert (japanese["language"], japanese["type"]) == ("ja", "statement")
    assert japanese["published"] == "2026-09-29T00:00:00+09:00"
    assert japanese["published_raw"] == "令和8年9月29日"


def test_full_width_era_date_and_a_listing_date_kept_as_fallback_only():
    release = item(f"{ORIGIN}/mofaj/press/release/pressit_000001_04230.html", listing_date="2026年9月29日")
    assert (release["published"], release["published_raw"]) == ("2026-09-30T00:00:00+09:00", "令和８年９月３０日")


def test_english_press_conference():
    conference = item(CONFERENCE)
    assert conference["type"] == "briefing"
    assert (conference["published"], conference["published_precision"], conference["published_raw"]) == (
        "2026-09-29T10:32:00+09:00", "datetime", "Tuesday, September 29, 2026, 10:32 a.m.")
    assert conference["translations"] == {"ja": ORIGINAL}
    text = conference["body_text"]
    assert text.startswith("Opening Remarks")
    for chrome in ("provisional translation", "(Video)", "Japanese\n", "Page Top", "Back to Press Conferences"):
        assert chrome not in text
    kinds = [(s["kind"], s["speaker"], s["affiliation"]) for s in conference["segments"]]
    assert kinds[:3] == [("heading", None, None), ("heading", None, None),
                         ("statement", "Mr. MOTEGI Toshimitsu", "Minister for Foreign Affairs")]
    assert ("question", "Igarashi", "NHK") in kinds
    assert ("question", "Abe", "Asahi Shimbun") in kinds
    assert ("answer", "Motegi", "Minister") in kinds


def test_japanese_conference_in_shift_jis():
    response = fixture_response(ORIGINAL)
    assert b'<meta charset="Shift_JIS">' in response.body
    assert "charset" not in response.headers.get("Content-Type").decode()
    conference = item(ORIGINAL)
    assert conference["title"] == "茂木外務大臣会見記録"
    assert (conference["published"], conference["published_raw"]) == (
        "2026-09-29T10:32:00+09:00", "令和8年9月29日（火曜日）10時32分")
    segments = [(s["kind"], s["speaker"], s["affiliation"]) for s in conference["segments"]]
    assert ("question", "五十嵐", "NHK") in segments
    assert ("question", None, None) in segments  # 【記者】
    assert ("answer", "茂木", "外務大臣") in segments
    assert "【" not in "".join(s["text"] for s in conference["segments"])


def test_heisei_conference_time():
    conference = item(f"{ORIGIN}/mofaj/press/kaiken/kaiken4_000441.html")
    assert conference["published"] == "2017-01-05T11:15:00+09:00"
    assert conference["published_raw"] == "平成29年1月5日(木曜日)11時15分"


def test_a_page_that_is_not_yet_written_is_not_a_statement():
    html = fixture_response(STATEMENT).text.replace(
        "<p>1. Japan welcomes", "<p>The text will be coming soon.</p><p>1. Japan welcomes")
    with pytest.raises(ParseError, match="placeholder"):
        MofaArticlePage(STATEMENT, html).statement()


def test_missing_parts_raise():
    html = fixture_response(STATEMENT).text
    no_title = html.replace('<meta property="og:title"', '<meta property="og:x"').replace(
        '<h1 class="title1"><span>Press Releases</span></h1>', "").replace(
        '<h2 class="title2"><span>', '<p><span>')
    with pytest.raises(ParseError, match="missing_title"):
        MofaArticlePage(STATEMENT, no_title.replace("<h1", "<p").replace("</h2>", "</p>")).statement()
    with pytest.raises(ParseError, match="unknown_url"):
        MofaArticlePage(f"{ORIGIN}/press/release/index.html", html).statement()
