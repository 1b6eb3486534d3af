"""India's Ministry of External Affairs (mea_in): the fragment endpoints' listings and documents,
the date printed in the text against the posting date, Hindi versions under the English id, the
pages that are no document, and the briefings' segments (tests/fixtures/mea_in/)."""

from __future__ import annotations

import pytest

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.mea_in import (
    MeaArticlePage,
    MeaListingPage,
    canonical_url,
    detail_url,
    gone_reason,
    is_bot_wall,
    listing_url,
    parse_article_url,
)
from crawler.pages.registry import read_saved_page
from tests.conftest import FIXTURES, fixture_response, manifest

ORIGIN = "https://www.mea.gov.in"
BRIEFING = (f"{ORIGIN}/media-briefings?dtl/35482/"
            "Transcript_of_Weekly_Media_Briefing_by_the_Official_Spokesperson_July_07_2022")
BRIEFING_2026 = (f"{ORIGIN}/media-briefings?dtl/41702/"
                 "Transcript_of_Weekly_Media_Briefing_by_the_Official_Spokesperson_September_25_2026")
RELEASE = f"{ORIGIN}/press-releases?dtl/41705/Visit_of_External_Affairs_Minister_to_Japan_October_5_7_2026"


def public(url: str, language: str = "en") -> str:
    return url.replace("/media-briefings?", "/media-briefings-hi?").replace("/press-releases?", "/press-releases-hi?") \
        if language == "hi" else url


def document(url: str, listing_date: str | None = None) -> dict:
    """A document read as a crawl reads it: the detail endpoint's answer, under the public URL."""
    entry = manifest()[detail_url(ORIGIN, url)]
    body = (FIXTURES / entry["file"]).read_bytes()
    return normalise(read_saved_page(url, body, entry["headers"]["Content-Type"], listing_date=listing_date)).to_dict()


@pytest.mark.parametrize(("url", "facts"), [
    (BRIEFING, ("en", "media-briefings", "35482")),
    (f"{ORIGIN}/media-briefings-hi?dtl/33993/Transcript_of_Virtual", ("hi", "media-briefings", "33993")),
    (f"{ORIGIN}/press-releases.htm?dtl/28545/Transcript+of+Weekly+Media+Briefing", ("en", "press-releases", "28545")),
    (f"{ORIGIN}/media-briefings.htm?dtl%2F40313%2FTranscript_of_Weekly=", ("en", "media-briefings", "40313")),
    (f"{ORIGIN}/Speeches-Statements.htm?dtl/25185/Speech", ("en", "speeches-statements", "25185")),
    (f"{ORIGIN}/media-briefings", None),
    (f"{ORIGIN}/press-releases.htm?51/Press_Releases", None),
    (f"{ORIGIN}/FrontEnd/FetchPublicationDetailData?pkid=35482&languageId=1", None),
])
def test_public_urls(url, facts):
    assert parse_article_url(url) == facts


def test_endpoints_and_canonical_urls():
    assert detail_url(ORIGIN, BRIEFING) == f"{ORIGIN}/FrontEnd/FetchPublicationDetailData?pkid=35482&languageId=1"
    assert detail_url(ORIGIN, public(BRIEFING, "hi")).endswith("pkid=35482&languageId=2")
    assert listing_url(ORIGIN, "media-briefings", "hi", 2, 10) == (
        f"{ORIGIN}/FrontEnd/FetchPublicationListingData?publicationId=49&KeywordName=&SortBy=new&page=2&PageSize=10"
        "&DateRange=&IsInternalMEA=false&PLngId=2")
    assert canonical_url(f"{ORIGIN}/media-briefings.htm?dtl%2F40313%2FTranscript=#top") == \
        f"{ORIGIN}/media-briefings.htm?dtl/40313/Transcript"


def test_listing_fragment_cards_and_pager():
    url = listing_url(ORIGIN, "media-briefings", "en", 1, 10)
    page = MeaListingPage(url, fixture_response(url).text)
    [entry] = page.entries()
    assert (entry.url, entry.date_raw) == (BRIEFING_2026, "26 September, 2026")
    assert entry.title == "Transcript of Weekly Media Briefing by the Official Spokesperson (September 25, 2026)"
    assert page.last_page() == 2
    url = listing_url(ORIGIN, "press-releases", "hi", 1, 10)
    page = MeaListingPage(url, fixture_response(url).text)
    assert [(e.url, e.date_raw) for e in page.entries()] == [(public(RELEASE, "hi"), "अक्टूबर 01, 2026")]
    assert page.last_page() == 1
    # an empty page after the last is the end, not layout drift; a page of something else is drift
    assert MeaListingPage(url, '<div class="row listingWrap"></div><div class="paginationWrap"></div>').entries() == []
    with pytest.raises(ParseError, match="listing_layout"):
        MeaListingPage(url, "<html><body><h1>Maintenance</h1></body></html>").entries()


def test_the_date_in_the_title_wins_over_the_posting_date():
    briefing = document(BRIEFING)
    assert (briefing["published"], briefing["published_precision"], briefing["published_raw"]) == \
        ("2022-07-07T00:00:00+05:30", "date", "July 07, 2022")  # posted July 08, 2022
    assert briefing["type"] == "briefing"
    assert (briefing["site"], briefing["site_id"], briefing["id"]) == ("mea.gov.in", "35482", "mea_in:en:35482")


def test_the_closing_dateline_wins_over_the_posting_date():
    release = document(RELEASE)
    assert (release["published"], release["published_raw"]) == ("2026-09-30T00:00:00+05:30", "September 30, 2026")
    assert release["type"] == "news"
    assert release["body_text"].endswith("New Delhi\nSeptember 30, 2026")
    # the title's date range is the visit's, never read as the statement's date
    assert "October 5-7" in release["title"]
    hindi = document(public(RELEASE, "hi"))
    assert (hindi["published"], hindi["published_raw"]) == ("2026-09-30T00:00:00+05:30", "सितंबर 30, 2026")


def test_the_posting_date_when_the_text_prints_none():
    html = fixture_response(detail_url(ORIGIN, RELEASE)).text.replace("New Delhi<br>September 30, 2026", "New Delhi")
    item = normalise(MeaArticlePage(RELEASE, html).statement()).to_dict()
    assert (item["published"], item["published_raw"]) == ("2026-10-01T00:00:00+05:30", "October 01, 2026")


def test_hindi_version_shares_the_id_and_links_the_english_one():
    english, hindi = document(BRIEFING_2026), document(public(BRIEFING_2026, "hi"))
    assert (english["site_id"], hindi["site_id"]) == ("41702", "41702")
    assert (english["id"], hindi["id"]) == ("mea_in:en:41702", "mea_in:hi:41702")
    assert english["translations"] == {"hi": public(BRIEFING_2026, "hi")}
    assert hindi["translations"] == {"en": BRIEFING_2026}
    assert (hindi["language"], hindi["type"], hindi["published"]) == ("hi", "briefing", "2026-09-25T00:00:00+05:30")
    assert "क्\u200dया" in hindi["body_text"]  # the joiner Hindi pages type is kept


def test_chrome_stays_out_and_tags_come_in():
    briefing = document(BRIEFING)
    assert briefing["tags"] == ["G20", "China"]
    for chrome in ("Media Center", "Click here for Hindi version", "Write a Comment", "Name *(required)",
                   "Page last updated on", "Visitors", "Related Documents", "Print", "July 08, 2022"):
        assert chrome not in briefing["body_text"], chrome


def test_batched_questions_and_the_spokesperson():
    segments = [(s["kind"], s["speaker"], s["affiliation"]) for s in document(BRIEFING)["segments"]]
    assert segments[:4] == [("statement", "Shri Arindam Bagchi", "Official Spokesperson"),
                            ("question", "Sidhant", None), ("question", "Vineet", None),
                            ("answer", "Shri Arindam Bagchi", "Official Spokesperson")]
    segments = [(s["kind"], s["speaker"], s["affiliation"]) for s in document(BRIEFING_2026)["segments"]]
    assert segments[1:4] == [("question", "Ayushi Agarwal", "ANI"), ("question", "Suhasini Haidar", "The Hindu"),
                             ("question", None, None)]  # "Speaker 1:"
    hindi = [(s["kind"], s["speaker"]) for s in document(public(BRIEFING_2026, "hi"))["segments"]]
    assert hindi == [("statement", "श्री रणधीर जायसवाल"), ("question", "आयुषी अग्रवाल"), ("answer", "श्री रणधीर जायसवाल")]


@pytest.mark.parametrize(("text", "reason"), [
    ('<div class="detailBox"><h2 class="titleText">Sorry for the inconvenience.</h2></div>',
     "missing item (“Sorry for the inconvenience.”)"),
    ("<p>The page you are refering is not available in selected language</p>", "no version in this language"),
    ("<div class='description'><p>Text.</p></div>", None),
])
def test_pages_that_are_no_document(text, reason):
    assert gone_reason(text) == reason
    if reason:
        with pytest.raises(ParseError, match="no_document"):
            MeaArticlePage(BRIEFING, text).statement()


def test_a_network_filters_page_is_a_bot_wall_not_a_page():
    page = (FIXTURES / "mea_in" / "web-page-blocked.html").read_text(encoding="utf-8")
    assert is_bot_wall(page)
    assert not is_bot_wall(fixture_response(detail_url(ORIGIN, BRIEFING)).text)
    with pytest.raises(ParseError, match="challenge_page"):
        MeaListingPage(listing_url(ORIGIN, "press-releases", "en", 1, 10), page).entries()


def test_missing_parts_raise():
    html = fixture_response(detail_url(ORIGIN, BRIEFING)).text
    with pytest.raises(ParseError, match="missing_title"):
        MeaArticlePage(BRIEFING, html.replace("titleText", "subTitle")).statement()
    with pytest.raises(ParseError, match="missing_body"):
        MeaArticlePage(BRIEFING, html.replace('class="description"', 'class="summary"')).statement()
    with pytest.raises(ParseError, match="unknown_url"):
        MeaArticlePage(f"{ORIGIN}/media-briefings", html).statement()


@pytest.mark.e2e
def test_a_document_that_turns_into_sorry_for_the_inconvenience_is_a_removal(tmp_path, archive_url):
    from crawler.store import Selection, open_archive
    from tests.crawl import fast_settings, run_scrapy
    from tests.loopback import LoopbackSite

    endpoint = detail_url("", RELEASE)  # the path and query the loopback site answers
    with LoopbackSite(FIXTURES, host="www.mea.gov.in") as site:
        settings = fast_settings(archive_url, tmp_path, MF_MEA_IN_BASE_URL=site.base_url,
                                 MF_RECHECK_SCHEDULE="[[36500, 0]]", MF_RECHECK_MAX_PER_RUN="100")
        first = run_scrapy("crawl", "mea_in", "-a", "languages=en", *settings)
        assert first.returncode == 0, first.stderr[-3000:]
        site.set(endpoint, b'<div class="detailBox"><h2 class="titleText">Sorry for the inconvenience.</h2></div>')
        result = run_scrapy("crawl", "mea_in", "-a", "languages=en", *settings)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Article gone: " in result.stderr and "Sorry for the inconvenience" in result.stderr
    with open_archive(archive_url, readonly=True) as store:
        removed = {doc["id"]: doc["removed_at"] for doc in store.documents(Selection(include_repeats=True))}
    assert removed["mea_in:en:41705"] is not None
    assert sum(1 for value in removed.values() if value is None) == 3  # the other English documents stay
