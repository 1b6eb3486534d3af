"""``edits.atom``: every edit and removal of a source and language's statements as its own entry,
published incrementally like the other feeds, listed in the index page and the OPML; the
statement's own entry opens with what its last edit changed."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import etree

from crawler.items import PageEvent
from crawler.store.records import Reading
from feeds.atom import entry_id
from feeds.publish import publish
from tests.atom_rules import FH, A, check_document, links
from tests.feed_archive import BASE_URL, PAGES, make_archive, options, statement

BRIEFING, COMMENT = "mid:en:1820480", "mid:en:1820702"


def _edit(fetched_at: str, *, words: tuple[str, str] = ("Foreign Minister Sergey Lavrov",
                                                          "Foreign Minister Sergey V. Lavrov"),
          title: str | None = None, added: str | None = None) -> dict:
    """The briefing as the site shows it after an edit: a phrase changed, maybe a title, maybe a
    paragraph added."""
    doc = statement(PAGES[2], fetched_at=fetched_at)
    doc["body_text"] = doc["body_text"].replace(*words, 1)
    doc["body_html"] = doc["body_html"].replace(*words, 1)
    if title:
        doc["title"] = title
    if added:
        doc["body_text"] += f"\n\n{added}"
        doc["body_html"] += f"<p>{added}</p>"
    return doc


@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url)
    yield store
    store.close()


def _entries(path: Path) -> list[etree._Element]:
    return check_document(path.read_bytes(), str(path)).findall(f"{A}entry")


def test_every_edit_and_removal_is_its_own_entry(archive, tmp_path):
    out = tmp_path / "public"
    assert archive.write_batch([], [_edit("2026-11-20T10:00:00Z", title="Briefing (corrected)")]) == ["updated"]
    assert archive.write_batch([], [_edit("2026-11-22T10:00:00Z", title="Briefing (corrected)",
                                          added="A paragraph added later.")]) == ["updated"]
    archive.write_batch([], [PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")])
    publish(archive, options(out))
    entries = _entries(out / "mid" / "en" / "edits.atom")
    assert [e.findtext(f"{A}id") for e in entries] == [
        entry_id(f"{BRIEFING}/v3"), entry_id(f"{COMMENT}/v1/removed"), entry_id(f"{BRIEFING}/v2")]
    assert [e.findtext(f"{A}updated") for e in entries] == [
        "2026-11-22T10:00:00+00:00", "2026-11-21T08:00:00+00:00", "2026-11-20T10:00:00+00:00"]
    parsed = feedparser.parse((out / "mid" / "en" / "edits.atom").read_bytes())
    assert parsed.feed.title == "Ministry of Foreign Affairs of the Russian Federation: edits and removals (English)"
    third, removal, second = parsed.entries
    assert third.title == "Edited: Briefing (corrected)"
    assert third.link == PAGES[2]  # the statement's own page
    related = [(link.type, link.href) for link in third.links if link.rel == "related"]
    assert related == [("application/atom+xml", BASE_URL + "mid/en/archive/2022-06.atom")]
    # ... where the statement's entry stands: its feed's archive document of its month
    month = etree.fromstring((out / "mid" / "en" / "archive" / "2022-06.atom").read_bytes())
    assert entry_id(BRIEFING) in [e.findtext(f"{A}id") for e in month.findall(f"{A}entry")]
    assert third.summary == "1 paragraph added."
    assert "<ins>A paragraph added later.</ins>" in third.content[0].value
    assert "Changed on 2026-11-22</strong> (version 3)" in third.content[0].value
    assert second.summary == "Title changed; 1 paragraph changed."
    content = second.content[0].value
    assert "Sergey <ins>V. </ins>Lavrov" in content and "Briefing <del>by Foreign Ministry Spokeswoman" in content
    assert removal.title.startswith("Removed: Comment by Foreign Ministry Spokeswoman Maria Zakharova")
    assert removal.summary == "Removed from the ministry's site on 2026-11-21."
    assert removal.link == PAGES[3]
    assert {(t.term, t.scheme.rsplit("/", 1)[1]) for t in removal.tags} == {("comment", "types"), ("removed", "status")}
    assert {(t.term, t.scheme.rsplit("/", 1)[1]) for t in second.tags} == {("briefing", "types"), ("edited", "status")}
    # RFC 5005: the subscription document's changes are all in the archive, by the month they were found.
    subscription = etree.fromstring((out / "mid" / "en" / "edits.atom").read_bytes())
    assert links(subscription)["prev-archive"] == BASE_URL + "mid/en/edits/archive/2026-11.atom"
    page = check_document((out / "mid" / "en" / "edits" / "archive" / "2026-11.atom").read_bytes(), "archive")
    assert page.find(f"{FH}archive") is not None
    assert links(page)["current"] == BASE_URL + "mid/en/edits.atom"
    assert [e.findtext(f"{A}id") for e in page.findall(f"{A}entry")] == [e.findtext(f"{A}id") for e in entries]
    # Languages without edits have no edits feed.
    assert not (out / "mid" / "ru" / "edits.atom").exists()


def test_the_statements_entry_opens_with_its_last_edit_and_others_keep_their_bytes(archive, tmp_path):
    out = tmp_path / "public"
    publish(archive, options(out))
    before = {e.findtext(f"{A}id"): etree.tostring(e) for e in _entries(out / "mid" / "en.atom")}
    archive.write_batch([], [_edit("2026-11-20T10:00:00Z")])
    publish(archive, options(out))
    after = {e.findtext(f"{A}id"): e for e in _entries(out / "mid" / "en.atom")}
    for doc_id in ("mid:en:1819686", COMMENT, "mid:en:liferay-2826535"):
        assert etree.tostring(after[entry_id(doc_id)]) == before[entry_id(doc_id)], doc_id
    content = after[entry_id(BRIEFING)].findtext(f"{A}content")
    assert content.startswith('<div class="mf-changes"><p><strong>Changed on 2026-11-20</strong> (version 2): '
                              "1 paragraph changed.</p><p><strong>Changed paragraph 2:</strong> ")
    assert "Sergey <ins>V. </ins>Lavrov" in content
    # then the briefing laid out by its segments, read again from the edited page
    assert '</div><hr><p><strong>Topics:</strong></p><ul><li><a href="#t-0"' in content
    assert '<h4 id="q-7">Question: How would you comment' in content


def test_ids_and_bytes_stay_across_publications(archive, tmp_path):
    out = tmp_path / "public"
    archive.write_batch([], [_edit("2026-11-20T10:00:00Z")])
    publish(archive, options(out))
    first = {e.findtext(f"{A}id"): etree.tostring(e) for e in _entries(out / "mid" / "en" / "edits.atom")}
    archive.write_batch([], [_edit("2026-12-02T10:00:00Z", added="Later still.")])
    result = publish(archive, options(out))
    assert {"mid/en/edits.atom", "mid/en/edits/archive/2026-12.atom",
            "mid/en/edits/archive/2026-11.atom"} <= set(result.written)  # November: its next-archive link
    second = {e.findtext(f"{A}id"): etree.tostring(e) for e in _entries(out / "mid" / "en" / "edits.atom")}
    assert list(second) == [entry_id(f"{BRIEFING}/v3"), entry_id(f"{BRIEFING}/v2")]
    assert second[entry_id(f"{BRIEFING}/v2")] == first[entry_id(f"{BRIEFING}/v2")]
    archive.write_batch([], [_edit("2026-12-05T10:00:00Z", added="Later still, again.")])
    result = publish(archive, options(out))
    assert {"mid/en/edits.atom", "mid/en/edits/archive/2026-12.atom"} <= set(result.written)
    assert "mid/en/edits/archive/2026-11.atom" not in result.written  # its edits and links did not change
    again = publish(archive, options(out))
    assert again.written == [] and again.rendered == 0


def test_incremental_edits_feed_is_the_full_one_and_is_never_emptied(tmp_path, archive_url):
    store = make_archive(archive_url)
    incremental = tmp_path / "incremental"
    small = {"entries": 2, "archive_page": 1}
    publish(store, options(incremental, **small))
    steps = [
        [_edit("2026-11-20T10:00:00Z")],
        [PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")],
        [_edit("2026-12-01T10:00:00Z", added="More.")],
        [statement(PAGES[3], fetched_at="2026-12-03T08:00:00Z")],  # the comment is back: its removal goes
        [_edit("2027-01-05T10:00:00Z", title="Briefing (retitled)", added="More.")],
    ]
    for items in steps:
        store.write_batch([], items)
        publish(store, options(incremental, **small))
    full = tmp_path / "full"
    publish(store, options(full, **small), full=True)
    full_files = {p.relative_to(full): p.read_bytes() for p in full.rglob("*.atom") if "edits" in str(p)}
    assert {str(p) for p in full_files} >= {"mid/en/edits.atom", "mid/en/edits/archive/2026-11.atom",
                                            "mid/en/edits/archive/2026-12.atom", "mid/en/edits/archive/2027-01.atom"}
    for path, data in full_files.items():
        assert (incremental / path).read_bytes() == data, f"{path} differs from a full publication"
    ids = [e.findtext(f"{A}id") for p in sorted((full / "mid/en/edits/archive").glob("*.atom")) for e in _entries(p)]
    assert sorted(ids) == sorted(entry_id(f"{BRIEFING}/v{n}") for n in (2, 3, 4))
    # A removal undone leaves a page of January behind (pages of one entry): it keeps its entry (a
    # published document is never emptied) and the chain no longer links it.
    store.write_batch([], [PageEvent(PAGES[3], "2027-01-06T08:00:00Z", gone_reason="HTTP 404")])
    publish(store, options(incremental, **small))
    store.write_batch([], [statement(PAGES[3], fetched_at="2027-01-07T08:00:00Z")])
    publish(store, options(incremental, **small))
    for path in (incremental / "mid" / "en").rglob("*.atom"):
        assert _entries(path), path
    store.close()


def test_only_a_removal_ever_seen_leaves_the_feed_in_place(archive, tmp_path):
    out = tmp_path / "public"
    archive.write_batch([], [PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")])
    publish(archive, options(out))
    held = (out / "mid" / "en" / "edits.atom").read_bytes()
    assert "mid/en/edits.atom" in (out / "index.html").read_text(encoding="utf-8")
    archive.write_batch([], [statement(PAGES[3], fetched_at="2026-11-25T08:00:00Z")])  # back on the site
    publish(archive, options(out))
    assert (out / "mid" / "en" / "edits.atom").read_bytes() == held  # not emptied
    assert "mid/en/edits.atom" not in (out / "index.html").read_text(encoding="utf-8")


def test_listed_in_the_index_page_and_the_opml(archive, tmp_path):
    out = tmp_path / "public"
    archive.write_batch([], [_edit("2026-11-20T10:00:00Z")])
    archive.write_batch([], [PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")])
    publish(archive, options(out))
    index = etree.HTML((out / "index.html").read_bytes())
    link = index.xpath("//a[@href='mid/en/edits.atom']")
    assert [a.text for a in link] == ["Edits and removals, with what changed"]
    assert link[0].getparent().xpath("string(span[@class='count'])") == "(2 edits and removals)"
    assert link[0].get("type") == "application/atom+xml"
    assert not index.xpath("//a[@href='mid/ru/edits.atom']")
    opml = etree.fromstring((out / "feeds.opml").read_bytes())
    outline = opml.xpath("//outline[@xmlUrl='https://feeds.example.org/mid/en/edits.atom']")
    assert [o.get("title") for o in outline] == [
        "Ministry of Foreign Affairs of the Russian Federation: edits and removals (English)"]
    siblings = [o.get("xmlUrl") for o in outline[0].getparent()]
    assert siblings[:2] == [BASE_URL + "mid/en.atom", BASE_URL + "mid/en/edits.atom"]  # right after the main feed


def test_re_extraction_is_no_edit(archive, tmp_path):
    """A version read again by today's page objects (``scrapy reextract``) is neither in
    edits.atom nor in the "Changed on" section."""
    out = tmp_path / "public"
    archive.write_batch([], [_edit("2026-11-20T10:00:00Z")])
    reread = _edit("2026-11-20T10:00:00Z")
    reread["body_text"] += "\n\nRead again."
    reread["body_html"] += "<p>Read again.</p>"
    assert archive.write_reextracted([Reading(reread, None)], "2026-12-01T00:00:00Z") == ["changed"]
    assert archive.get(BRIEFING)["version"] == 3
    publish(archive, options(out))
    assert [e.findtext(f"{A}id") for e in _entries(out / "mid" / "en" / "edits.atom")] == [
        entry_id(f"{BRIEFING}/v2")]
    entry = next(e for e in _entries(out / "mid" / "en.atom") if e.findtext(f"{A}id") == entry_id(BRIEFING))
    content = entry.findtext(f"{A}content")
    assert "Changed on 2026-11-20</strong> (version 2)" in content and "Read again" not in content.split("<hr>")[0]
