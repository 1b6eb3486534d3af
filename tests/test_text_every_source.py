"""Text faults a reviewer found, checked on every source's saved article pages: each source's page
object reads its title and body through the shared code in crawler/pages/cleanup.py and
crawler/normalise/, so a markup change made to any saved page must give the same right value."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from crawler.normalise.statement import normalise
from crawler.pages import ParseError
from crawler.pages.cleanup import text_of
from crawler.pages.registry import read_saved_page
from crawler.pages.state_dept import StateFeed
from feeds.atom import FeedOptions, build_entry
from tests.conftest import FIXTURES


def _articles() -> list[tuple[str, str, str]]:
    """(url, file, content type) of every saved HTML page that reads as a statement."""
    found = []
    for url, entry in sorted(json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8")).items()):
        content_type = entry["headers"].get("Content-Type", "")
        if "html" not in content_type:
            continue
        try:
            item = normalise(read_saved_page(url, (FIXTURES / entry["file"]).read_bytes(), content_type))
        except ParseError:  # listings, challenge pages, error pages: not statements
            continue
        if item.title and item.body_text:
            found.append((url, entry["file"], content_type))
    return found


ARTICLES = _articles()


def test_every_source_has_saved_articles():
    sources = {path.split("/", 1)[0] for _, path, _ in ARTICLES}
    # fcdo: GOV.UK content API JSON (titles are JSON strings); mea_in: saved under the URLs of the
    # API its spider fetches, which no article page object reads (tests/test_mea_in.py reads them)
    assert sources >= {"aa", "fmprc", "gac_ca", "mae_fr", "mid", "mid_archive", "mofa_jp", "state_dept"}


def _title_holders(root: etree._Element, title: str) -> list[etree._Element]:
    """The innermost elements of the page body whose visible text is the title."""
    holders = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("title", "head", "meta", "script", "style"):
            continue
        if text_of(element) == title and not any(text_of(child) == title for child in element):
            holders.append(element)
    return holders


@pytest.mark.parametrize(("url", "path", "content_type"), ARTICLES, ids=[path for _, path, _ in ARTICLES])
def test_title_never_takes_a_scripts_or_styles_text(url, path, content_type):
    raw = (FIXTURES / path).read_bytes()
    title = normalise(read_saved_page(url, raw, content_type)).title
    root = etree.fromstring(raw, etree.HTMLParser(encoding=_charset(content_type, raw)))
    holders = _title_holders(root, title)
    if not holders:
        pytest.skip("the title is read from metadata only")
    for holder in holders:
        script = etree.Element("script")
        script.text = 'alert("t")'
        style = etree.Element("style")
        style.text = "h1{color:red}"
        script.tail, holder.text = holder.text, " "
        holder.insert(0, script)
        holder.append(style)
    changed = etree.tostring(root, method="html", encoding="utf-8")
    item = normalise(read_saved_page(url, changed, "text/html; charset=utf-8"))
    assert item.title == title


def _charset(content_type: str, raw: bytes) -> str:
    if "charset=" in content_type:
        return content_type.split("charset=", 1)[1].split(";")[0].strip()
    return "utf-8"


def test_text_of_reads_visible_text_only():
    heading = etree.fromstring('<h1><script>alert("t")</script> Title <style>h1{}</style><noscript>JS off</noscript>'
                               '<b>two</b></h1>', etree.HTMLParser()).find(".//h1")
    assert text_of(heading) == "Title two"


# --- a State Department feed item's content:encoded body, to the Atom entry ---------------------
STATE_FEED = "https://www.state.gov/rss-feed/press-releases/feed/"
STATE_RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Press Releases</title>
<item><title>Joint Statement</title>
<link>https://www.state.gov/releases/office-of-the-spokesperson/2025/07/joint-statement/</link>
<pubDate>Tue, 29 Jul 2025 18:33:25 +0000</pubDate><category><![CDATA[Readout]]></category>
<guid isPermaLink="false">https://www.state.gov/?p=104300</guid>
<content:encoded><![CDATA[<div>One.</div><div>Two\u0085words\u0080.<br><br>Three.</div><div>Four <b>bold</b>.</div>
<pre>line one
line two</pre>]]></content:encoded></item></channel></rss>"""


def test_state_feed_bodies_keep_their_blocks_and_no_c1_controls_but_next_line():
    (entry,) = StateFeed(STATE_FEED, STATE_RSS.encode("utf-8")).entries()
    item = normalise(entry.statement).to_dict()
    assert item["body_text"] == "One.\n\nTwo words.\n\nThree.\n\nFour bold.\n\nline one\nline two"
    assert item["body_html"] == ("<div>One.</div><div>Two\x85words.<br><br>Three.</div><div>Four <b>bold</b>.</div>\n"
                                 "<pre>line one\nline two</pre>")
    atom = build_entry({**item, "updated": item["published"]}, FeedOptions("https://feeds.example.org/"))
    written = etree.tostring(atom.atom_entry(), encoding="unicode")
    assert not any("\x80" <= character <= "\x9f" for character in written)  # NEXT LINE too: a newline in Atom
    assert "Two\nwords." in written
