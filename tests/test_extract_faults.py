"""Extraction faults a reviewer found, each checked on every source where it can occur: a lone
surrogate in text from a JSON API or a feed, another article's tags inside the article's container,
an unreadable printed date that falls back (see also tests/phrases/ for the link-density rule)."""

from __future__ import annotations

import json

from crawler.normalise.statement import normalise
from crawler.normalise.text import replace_lone_surrogates
from crawler.pages.auswaertiges_amt import AaFeed
from crawler.pages.cleanup import parse_document, text_of
from crawler.pages.govuk import GovUkContentItem, content_api_url
from crawler.pages.state_dept import StateFeed
from tests.conftest import FIXTURES, fixture_response

LONE = "\ud83d"  # the high half of an emoji's UTF-16 pair, alone (JSON "\ud83d")


# --- 3. a lone surrogate never cuts the text ---------------------------------------------------------
def test_replace_lone_surrogates():
    assert replace_lone_surrogates(f"a{LONE}b\udc00c") == "a\ufffdb\ufffdc"
    assert replace_lone_surrogates("Emoji 😀 kept") == "Emoji 😀 kept"


def test_parse_document_reads_past_a_lone_surrogate():
    root = parse_document("https://x.test/", f"<html><body><p>Para one{LONE} more</p><p>Para two</p></body></html>")
    assert text_of(root.find("body")) == "Para one\ufffd morePara two"


def test_govuk_json_body_with_a_lone_surrogate_keeps_all_its_text():
    name = "news_article_frontend_world_news_story_news_article"
    raw = (FIXTURES / "fcdo" / f"publishing-api__{name}.json").read_text(encoding="utf-8")
    item = json.loads(raw)
    item["details"]["body"] = (f"<div class=\"govspeak\"><p>Para one {LONE} and on.</p><p>Para two.</p>"
                               f"<p>Para three, the last.</p></div>")
    text = json.dumps(item)  # ensure_ascii: the surrogate travels as "\ud83d", as the API sends it
    assert "\\ud83d" in text
    url = content_api_url("https://www.gov.uk" + item["base_path"])
    body = normalise(GovUkContentItem(url, text).statement()).body_text
    assert body == "Para one \ufffd and on.\n\nPara two.\n\nPara three, the last."


def test_rss_reference_to_a_surrogate_keeps_all_the_text():
    url = "https://www.state.gov/rss-feed/press-releases/feed/"
    data = fixture_response(url).body.replace(b"Spokesperson Tammy Bruce:</p>",
                                              b"Spokesperson Tammy Bruce &#xD83D;:</p>", 1)
    data = data.replace(b"<title>", b"<title>&#55357;", 2)
    entries = StateFeed(url, data).entries()
    body = normalise(entries[0].statement).body_text
    assert body.startswith("The following is attributable to Spokesperson Tammy Bruce \ufffd:\n\nSecretary of State")
    assert body.endswith("commitment to the Mutual Defense Treaty.")
    url = "https://www.auswaertiges-amt.de/static/appdata/includes/rss_en/RSS_Pressemitteilungen_Reden.xml"
    data = fixture_response(url).body.replace(b"<![CDATA[<div><p>Ladies and gentlemen,",
                                              b"<![CDATA[<div><p>Ladies &#xd83d; and gentlemen,", 1)
    data = data.replace(b"</title>", b" &#xDE00;</title>")  # in XML text, not CDATA
    entries = AaFeed(url, data).entries()
    speech = normalise(entries[1].statement)
    assert speech.body_text == ("Ladies \ufffd and gentlemen,\n\nWelcome to Berlin. The world around us is changing"
                                " fast, and our diplomacy has to change with it.\n\nThank you.")
    assert speech.title.endswith("\ufffd")

