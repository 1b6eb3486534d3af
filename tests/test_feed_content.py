"""What an entry's content shows besides the body (feeds.content): briefings laid out by their
segments, and the "Changed on" section of a statement edited on the site; the predicate that
tells a site edit from a re-extraction."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest
from lxml import etree, html

from crawler.normalise.html import html_to_text, sanitise
from feeds.atom import ArchiveLinks, FeedOptions, build_entry, entry_id, render
from feeds.content import briefing_html, changes_html, clean, describe
from feeds.diff import diff_statements
from feeds.edits import SiteEdit, is_site_edit, last_site_edit
from tests.atom_rules import A, check_document
from tests.briefing_set import labelled_pages
from tests.feed_archive import BASE_URL, PAGES, make_archive, statement
from tests.test_feeds import SPEC

OPTIONS = FeedOptions(BASE_URL)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _content(doc: dict, edit: SiteEdit | None = None) -> str:
    """The content of the entry built for ``doc``, as its ``<content>`` element carries it."""
    return etree.fromstring(build_entry(doc, OPTIONS, edit).data).findtext("content")


def _briefing(**changes) -> dict:
    doc = statement(PAGES[2])
    doc.update({"version": 1, "updated": doc["published"], "removed_at": None, **changes})
    return doc


# --- briefings -------------------------------------------------------------------------------------
def test_briefing_shows_topics_first_and_questions_as_anchored_headings():
    doc = _briefing()
    root = html.fragment_fromstring(_content(doc), create_parent="div")
    assert root[0].xpath("string()") == "Topics:"
    topics = [(a.get("href"), a.text) for a in root.xpath("./ul[1]/li/a")]
    assert topics == [("#t-0", "Sergey Lavrov’s schedule"), ("#t-2", "The situation in Ukraine"),
                      ("#t-4", "The 30th anniversary of diplomatic relations with Armenia"),
                      ("#t-6", "Answers to media questions:")]
    assert [(h.get("id"), h.text) for h in root.xpath("./h3")] == [
        ("t-0", "Sergey Lavrov’s schedule"), ("t-2", "The situation in Ukraine"),
        ("t-4", "The 30th anniversary of diplomatic relations with Armenia"), ("t-6", "Answers to media questions:")]
    questions = [(h.get("id"), h.text) for h in root.xpath("./h4")]
    assert questions == [
        ("q-7", "Question: How would you comment on the statements about a possible supply of long-range missile "
                "systems to Kiev?"),
        ("q-9", "Question: Is a meeting between the foreign ministers of Russia and Türkiye planned?")]
    answer = root.xpath("./h4[@id='q-7']/following-sibling::p[1]")[0]
    assert answer.xpath("string()") == ("Maria Zakharova: We have commented on this many times. Such supplies would be "
                                        "a direct threat and would lead to an escalation of the conflict.")
    assert answer[0].tag == "strong"


def test_every_labelled_briefing_keeps_its_whole_text_and_its_anchors_resolve():
    pages = [page for page in labelled_pages() if page.predicted]
    assert len(pages) >= 20
    for page in pages:
        doc = {"url": page.labels["url"], "segments": page.predicted, "body_html": "<p>unused</p>"}
        content = briefing_html(doc)
        assert content is not None, page.name
        text = _flat(html_to_text(content))
        for segment in page.predicted:  # every segment's text, whole and in order
            assert _flat(segment["text"]) in text, (page.name, segment["position"])
        root = html.fragment_fromstring(content, create_parent="div")
        ids = root.xpath("//@id")
        assert len(ids) == len(set(ids)), page.name
        assert ids == [f"{'t' if s['kind'] == 'heading' else 'q'}-{s['position']}" for s in page.predicted
                       if s["kind"] in ("heading", "question")], page.name
        targets = [href[1:] for href in root.xpath("//a/@href") if href.startswith("#")]
        assert targets and set(targets) <= set(ids), page.name
        for href in root.xpath("//a/@href|//img/@src"):
            assert href.startswith(("#", "http://", "https://", "mailto:")), (page.name, href)


def test_a_briefing_without_headings_lists_its_questions():
    page = next(p for p in labelled_pages() if p.name == "fmprc-en-2022-outlets-plain")
    content = briefing_html({"url": page.labels["url"], "segments": page.predicted})
    root = html.fragment_fromstring(content, create_parent="div")
    assert root[0].xpath("string()") == "Questions:"
    items = root.xpath("./ul[1]/li/a")
    assert [a.get("href") for a in items] == ["#q-0", "#q-2", "#q-4", "#q-6", "#q-8"]
    assert items[0].text.startswith("Question (CCTV): China released the announcement about the upcoming visit")
    assert items[3].text == "Question (Bloomberg): A follow-up: will China take any countermeasures?"
    assert all(len(a.text) <= len("Question (Xinhua News Agency): ") + 142 for a in items)
    first_answer = root.xpath("./h4[@id='q-0']/following-sibling::p[1]")[0]
    assert first_answer.xpath("string(strong)") == "Mao Ning:"


def test_hostile_segments_are_sanitised_and_links_made_absolute():
    segments = [
        {"position": 0, "kind": "heading", "speaker": None, "affiliation": None,
         "text": "<b>Topic</b> & more", "html": "<h3>x</h3>"},
        {"position": 1, "kind": "question", "speaker": '"><script>x</script>', "affiliation": None,
         "text": "Why?\n\nReally?", "html": "<p>Why?</p>"},
        {"position": 2, "kind": "answer", "speaker": None, "affiliation": None, "text": "Because.",
         "html": '<p id="evil" onclick="x()">Because <a href="/relative/page">see</a><script>alert(1)</script>'
                 '<a href="javascript:alert(1)">js</a><a href="#q-1">up</a></p><h3 id="q-1">forged</h3>'},
    ]
    content = briefing_html({"url": "https://mid.ru/en/press_service/spokesman/briefings/1/", "segments": segments})
    assert "<script" not in content and "onclick" not in content and "javascript:" not in content
    assert 'id="evil"' not in content
    root = html.fragment_fromstring(content, create_parent="div")
    assert root.xpath("//@id") == ["t-0", "q-1"]  # only this layout's anchors: the page's own ids are dropped
    assert root.xpath("//h3[@id='t-0']")[0].text == "<b>Topic</b> & more"  # text, escaped
    assert root.xpath("//h4[@id='q-1']")[0].text == '"><script>x</script>: Why?'
    assert root.xpath("//h4[@id='q-1']/following-sibling::p[1]")[0].text == "Really?"
    hrefs = root.xpath("//a/@href")
    assert "https://mid.ru/relative/page" in hrefs
    # The page's own "#q-1" is the page's, made absolute; ours point into the entry.
    assert "https://mid.ru/en/press_service/spokesman/briefings/1/#q-1" in hrefs
    assert "#t-0" in hrefs
    assert feedparser.parse(render(SPEC, [_briefing(id="mid:en:1", segments=segments)], OPTIONS, ArchiveLinks(),
                                   "mid/en.atom").data).entries


@pytest.mark.parametrize("segments", [None, [], [{"kind": "question"}], [{"position": "x", "kind": "question",
                                                                          "text": "Q", "html": "<p>Q</p>"}], "x"])
def test_without_usable_segments_the_body_is_shown_as_before(segments):
    doc = _briefing(segments=segments)
    assert _content(doc) == sanitise(doc["body_html"], doc["url"])


def test_a_statement_without_segments_or_edits_keeps_its_bytes():
    doc = statement(PAGES[0])
    doc.update(version=1, updated=doc["published"], removed_at=None)
    assert doc["segments"] == []
    assert _content(doc) == sanitise(doc["body_html"], doc["url"])


# --- changes ---------------------------------------------------------------------------------------
def _edited(old: dict) -> dict:
    new = dict(old, title=old["title"] + " (corrected)")
    paragraphs = old["body_text"].split("\n\n")
    paragraphs[1] = paragraphs[1].replace("Foreign Minister Sergey Lavrov", "Foreign Minister Sergey V. Lavrov", 1)
    new["body_text"] = "\n\n".join([*paragraphs[:3], *paragraphs[4:], "A paragraph added later."])
    new["tags"] = [*old.get("tags", []), "Armenia"]
    return new


def test_changes_section_marks_words_and_survives_sanitising():
    old = _briefing(version=1)
    new = dict(_edited(old), version=2)
    edit = SiteEdit(2, datetime(2026, 11, 20, 10, tzinfo=UTC), diff_statements(old, new))
    section = clean(changes_html(edit))
    assert section.startswith('<div class="mf-changes"><p><strong>Changed on 2026-11-20</strong> (version 2): '
                              "title changed; 1 paragraph changed, 1 added, 1 removed; also the tags.</p>")
    root = html.fragment_fromstring(section)
    assert root.xpath("//ins/text()") == [" (corrected)", "V. ", "A paragraph added later."]
    assert root.xpath("//del/text()") == ["The situation in Ukraine"]
    content = _content(new, edit)
    assert content.startswith(section + "<hr>")
    # A feed reader's sanitiser keeps the marks and the anchors (feedparser's, as many readers use).
    parsed = feedparser.parse(render(SPEC, [new], OPTIONS, ArchiveLinks(), "mid/en.atom").data)
    assert parsed.entries  # built without the edit: no section
    entry = build_entry(new, OPTIONS, edit)
    document = b"".join([b'<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title>'
                         b"<updated>2026-11-20T10:00:00Z</updated>", entry.data, b"</feed>"])
    shown = feedparser.parse(document).entries[0].content[0].value
    assert "<ins>V. </ins>" in shown and "<del>" in shown
    assert 'id="q-7"' in shown and 'href="#t-2"' in shown


def test_changes_section_stays_short():
    old = {"title": "T", "body_text": "\n\n".join(f"Paragraph {n} " + "word " * 300 for n in range(30))}
    new = {"title": "T", "body_text": "\n\n".join(f"Paragraph {n} " + "other " * 300 for n in range(30))}
    edit = SiteEdit(2, datetime(2026, 11, 20, tzinfo=UTC), diff_statements(old, new))
    section = clean(changes_html(edit))
    assert len(section) < 8000
    assert section.count("paragraph") == 8 + 1  # eight shown, and the count
    assert "… and 52 more changes." in section  # 30 removed and 30 added


@pytest.mark.parametrize(("fields", "words"), [
    (("published", "published_raw"), "also the publication date"),
    (("body_html",), "also formatting or links"),
    (("tags", "doc_number"), "also the document number, the tags"),
])
def test_changes_other_than_text_are_named(fields, words):
    old = {"title": "T", "body_text": "Same.", "published": "a", "published_raw": "a", "body_html": "<p>Same.</p>",
           "tags": [], "doc_number": None}
    new = dict(old, **{name: "b" if name != "tags" else ["x"] for name in fields})
    assert describe(diff_statements(old, new)) == words


@pytest.mark.parametrize(("record", "edit"), [
    ({}, True),  # archived before origins were recorded: a crawl
    ({"origin": "crawl"}, True),
    ({"origin": None}, True),
    ({"origin": "reextract"}, False),
])
def test_a_version_is_a_site_edit_unless_re_extraction_made_it(record, edit):
    assert is_site_edit(record) is edit


def test_last_site_edit_from_the_archive(archive_url):
    store = make_archive(archive_url)
    try:
        assert last_site_edit(store, store.get("mid:en:1820480")) is None
        old = statement(PAGES[2])
        second = _edited(old)
        second["fetched_at"] = "2026-11-20T10:00:00Z"
        assert store.write_batch([], [second]) == ["updated"]
        edit = last_site_edit(store, store.get("mid:en:1820480"))
        assert (edit.version, edit.at.isoformat()) == (2, "2026-11-20T10:00:00+00:00")
        assert edit.diff.summary()["paragraphs_added"] == 1 and edit.diff.title is not None
        entry = build_entry(store.get("mid:en:1820480"), OPTIONS, edit)
        root = check_document(b"".join([b'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><id>tag:x,1:y</id>'
                                        b"<title>t</title><updated>2026-11-20T10:00:00Z</updated>"
                                        b'<link rel="self" href="https://x.example/f.atom"/>',
                                        entry.data, b"</feed>"]), "edited")
        content = root.find(f"{A}entry").findtext(f"{A}content")
        assert content.startswith('<div class="mf-changes"><p><strong>Changed on 2026-11-20</strong> (version 2)')
        assert root.find(f"{A}entry").findtext(f"{A}id") == entry_id("mid:en:1820480")
    finally:
        store.close()
