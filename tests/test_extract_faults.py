"""Extraction faults a reviewer found, each checked on every source where it can occur: a lone
surrogate in text from a JSON API or a feed, another article's tags inside the article's container,
an unreadable printed date that falls back (see also tests/phrases/ for the link-density rule)."""

from __future__ import annotations

import json

import pytest

from crawler.normalise.statement import normalise
from crawler.normalise.text import replace_lone_surrogates
from crawler.pages.auswaertiges_amt import AaFeed
from crawler.pages.cleanup import parse_document, text_of
from crawler.pages.govuk import GovUkContentItem, content_api_url
from crawler.pages.registry import read_saved_page
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


# --- 2. another article's tags, in a related block inside the article, are not this one's -----------
def _other(tag_block: str) -> str:
    return tag_block.replace("{tag}", "OtherArticleTag")


#: (saved page, where the related block goes, the block): every source that reads tags from its page
RELATED_TAGS = [
    ("mid/en/foreign_policy/news/1819686.html", '<div class="photo-content">',
     '<div class="photo-content"><div class="related"><div class="item"><a href="/en/foreign_policy/news/1/">'
     'Other news</a><div class="tags"><a>{tag}</a></div></div></div>'),
    ("mid_archive/en/answers/3990765.html", '<div class="article-tags">',
     '<div class="related-articles"><div class="item"><a href="/en/x">Other news</a><div class="article-tags">'
     '<div class="taglib-asset-tags-summary"><a class="tag" href="/en/tags/-/tags/x">{tag}</a></div></div></div>'
     '</div><div class="article-tags">'),
    # (mea.gov.in: the detail endpoint's answer, read under the public URL, as a crawl reads it)
    ("mea_in/en/detail-41705.html|https://www.mea.gov.in/press-releases?dtl/41705/"
     "Visit_of_External_Affairs_Minister_to_Japan_October_5_7_2026", '<div class="d-flex tags">',
     '<div class="relatedBox"><ul class="relatedList"><li><a href="/x.htm">Other release</a>'
     '<div class="d-flex tags"><a class="tagLink" href="/search-result?tag=x">{tag}</a></div></li></ul></div>'
     '<div class="d-flex tags">'),
    ("mae_fr/en/point-de-presse-du-porte-parole-15-juin-2026.html", '<aside class="diplomatie--sidebar">',
     '<aside class="diplomatie--sidebar"><div class="diplomatie--related-inline"><a href="/en/x">Other news</a>'
     '<ul class="fr-tags-group"><li><a class="fr-tag" href="/en/tags/x">{tag}</a></li></ul></div>'),
    ("aa/article-2500440.html", '<div class="link-list">',
     '<div class="c-teaser c-teaser--article"><a class="c-teaser__link" href="/en/x">Other news</a>'
     '<div class="link-list"><ul class="link-list__list"><li><a class="link-list__link" href="/en/y">{tag}</a>'
     '</li></ul></div></div><div class="link-list">'),
    ("state_dept/article-104187.html", '<div class="related-tags">',
     '<div class="related-posts"><article><a href="/x/">Other post</a><div class="related-tags">'
     '<div class="related-tags__pills"><a class="related-tags__pill" href="/tag/x/">{tag}</a></div></div>'
     '</article></div><div class="related-tags">'),
]


def _saved(path: str) -> tuple[str, str]:
    path, _, public = path.partition("|")
    for url, entry in json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8")).items():
        if entry["file"] == path:
            return public or url, entry["headers"]["Content-Type"]
    raise LookupError(path)


@pytest.mark.parametrize(("path", "anchor", "block"), RELATED_TAGS,
                         ids=[path.partition("|")[0] for path, _, _ in RELATED_TAGS])
def test_tags_in_a_related_block_are_another_articles(path, anchor, block):
    url, content_type = _saved(path)
    raw = (FIXTURES / path.partition("|")[0]).read_bytes()
    encoding = "windows-1251" if "1251" in content_type.lower() else "utf-8"
    page = raw.decode(encoding)
    assert page.count(anchor) >= 1, anchor
    varied = page.replace(anchor, _other(block), 1).encode(encoding)
    own = normalise(read_saved_page(url, raw, content_type)).tags
    item = normalise(read_saved_page(url, varied, content_type))
    assert "OtherArticleTag" not in item.tags
    assert item.tags == own
    assert "Other" not in item.body_text.split("\n")[0]

