"""C0 control characters in pages (a vertical tab Word pastes for a line break, a form feed,
``&#11;``): the HTML parser keeps them in the tree, lxml refuses to move them when the chrome
before them is removed, and the statement was lost with a ValueError. Every page object reads
such a page as it reads the page without them (crawler.pages.cleanup.read_without_controls)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.normalise.statement import normalise
from crawler.normalise.text import without_controls
from crawler.pages.registry import ARTICLE_PAGES, page_class_for, read_saved_page
from crawler.pages.state_dept import StateFeed
from tests.conftest import fixture_response, manifest

#: Removed elements (chrome, not text) a control character may follow, and the controls.
REMOVED = ["<script>x</script>", "<style>p{color:red}</style>", "<button>Share</button>", '<iframe src="x"></iframe>']
CONTROLS = ["\x0b", "\x0c", "\x01", "&#11;", "&#x0C;", "&#x1f", "\ufffe", "\uffff", "&#xFFFE;", "&#65535;"]


def _spider(url: str) -> str | None:
    """The spider whose page object reads ``url`` where the URL does not say (MEA's article data
    is fetched from an endpoint of its own)."""
    return "mea_in" if "FetchPublicationDetailData" in url else None


def _first_readable(page_class) -> str:
    for url in manifest():
        try:
            if page_class_for(url, spider=_spider(url)) is page_class:
                response = fixture_response(url)
                _read(url, response.body, response.headers.get("Content-Type", b"").decode())
                return url
        except Exception:  # (listings and walls of the same site)
            continue
    raise LookupError(page_class.__name__)


def _read(url: str, body: bytes, content_type: str):
    spider = _spider(url)
    if spider:  # (read under a public URL of the document, as the spider reads it)
        query = parse_qs(urlsplit(url).query)
        hindi = "-hi" if query["languageId"] == ["2"] else ""
        url = f"https://www.mea.gov.in/media-briefings{hindi}?dtl/{query['pkid'][0]}/x"
    return normalise(read_saved_page(url, body, content_type, spider=spider))


def _phrase(text: str, raw: str) -> str:
    """A run of the body's text that the raw page holds once, as written: after a space, or (in a
    script written without spaces) anywhere."""
    for after_space in (True, False):
        for start in range(1, len(text) - 30):
            candidate = text[start:start + 24]
            if (text[start - 1] == " " or not after_space) and candidate[0].isalpha() and raw.count(candidate) == 1:
                return candidate
    raise LookupError("no phrase")


def _with(url: str, insert: str) -> tuple[object, object]:
    """(the statement of the saved page, of the page with ``insert`` before a phrase of its body)."""
    response = fixture_response(url)
    content_type = response.headers.get("Content-Type", b"text/html; charset=utf-8").decode()
    original = _read(url, response.body, content_type)
    raw = response.body.decode("utf-8")
    phrase = _phrase(original.body_text, raw)
    changed = raw.replace(phrase, insert + phrase).encode("utf-8")
    return original, _read(url, changed, content_type)


@pytest.mark.parametrize("removed", REMOVED)
@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_after_removed_chrome_is_dropped_and_the_statement_read(removed, control):
    original, read = _with("https://mid.ru/en/foreign_policy/news/1820150/", removed + control)
    assert (read.title, read.body_text, read.body_html) == (original.title, original.body_text, original.body_html)


HTML_PAGES = [cls for cls in ARTICLE_PAGES if cls.__name__ != "GovUkContentItem"]


@pytest.mark.parametrize("page_class", HTML_PAGES, ids=lambda cls: cls.__name__)
def test_every_html_page_object_reads_a_page_with_a_control_after_a_script(page_class):
    try:
        url = _first_readable(page_class)
    except LookupError:
        pytest.skip(f"no article of {page_class.__name__} in the mirror")
    original, read = _with(url, "<script>x</script>\x0b")
    assert (read.body_text, read.body_html) == (original.body_text, original.body_html)


def test_gov_uk_json_bodies_with_an_escaped_control_are_read():
    from crawler.pages.govuk import GovUkContentItem

    url = _first_readable(GovUkContentItem)
    response = fixture_response(url)
    original = _read(url, response.body, "application/json")
    raw = response.body.decode("utf-8")
    phrase = _phrase(original.body_text, raw)
    changed = raw.replace(phrase, "<script>x</script>\\u000b" + phrase, 1)
    json.loads(changed)  # (still a JSON document)
    read = _read(url, changed.encode("utf-8"), "application/json")
    assert (read.body_text, read.body_html) == (original.body_text, original.body_html)


def _feed_with(feed_class, insert: str):
    """(the entries of the feed's fixture, its first whole statement's entry and text, the phrase of
    that text ``insert`` is put before, and the entries of the feed so changed)."""
    url = next(url for url in manifest() if feed_class.matches(url))
    data = fixture_response(url).body
    entries = feed_class(url, data).entries()
    first = next(entry for entry in entries if entry.statement is not None)
    text = normalise(first.statement).body_text
    raw = data.decode("utf-8")
    phrase = _phrase(text, raw)
    changed = feed_class(url, raw.replace(phrase, insert + phrase, 1).encode()).entries()
    return entries, first, text, phrase, changed


def test_a_feed_item_with_a_control_after_a_script_is_read():
    _, first, text, _, changed = _feed_with(StateFeed, "<script>x</script>&#11;")
    again = next(entry for entry in changed if entry.url == first.url)
    assert normalise(again.statement).body_text == text


@pytest.mark.parametrize("control", ["\x0b", "\x01", "\uffff"])
@pytest.mark.parametrize("feed", ["state_dept", "aa"])
def test_a_raw_control_in_a_feed_loses_neither_the_text_nor_the_items_after_it(feed, control):
    """XML cannot carry them: libxml2's recovery ended the item's text there and dropped every
    later item, silently. They are removed before the feed is read, as from any text."""
    from crawler.pages.auswaertiges_amt import AaFeed

    feed_class = {"state_dept": StateFeed, "aa": AaFeed}[feed]
    entries, first, text, phrase, changed = _feed_with(feed_class, "<b>x</b>" + control)
    assert [entry.url for entry in changed] == [entry.url for entry in entries]
    again = next(entry for entry in changed if entry.url == first.url)
    assert normalise(again.statement).body_text == text.replace(phrase, "x" + phrase, 1)


@pytest.mark.parametrize(("html", "expected"), [
    ("a\x0bb\x0cc\x00d\x1fe", "abcde"),
    ("a&#11;b&#x0B;c&#X0c;d&#0011e&#31;f", "abcdef"),
    ("a\ufffeb&#xFFFF;c&#65534;d&#65535e", "abcde"),
    ("&#65533;&#xFFFD;&#655345;&#xFFFE0;", "&#65533;&#xFFFD;&#655345;&#xFFFE0;"),
    ("tab\tnewline\ncr\r", "tab\tnewline\ncr\r"),  # what XML carries stays
    # references to other characters stay (the parser reads them)
    ("&#9;&#10;&#13;&#32;&#110;&#1100;&#x20;&#x1F600;&#12;3", "&#9;&#10;&#13;&#32;&#110;&#1100;&#x20;&#x1F600;3"),
])
def test_without_controls(html, expected):
    assert without_controls(html) == expected
