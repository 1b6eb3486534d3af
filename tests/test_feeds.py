"""Atom publishing: valid on every input, complete through RFC 5005 archives, stable bytes."""

from __future__ import annotations

import os
import re
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crawler.items import PageEvent
from crawler.normalise.slugs import tag_slug
from crawler.store import Selection
from feeds.atom import ArchiveLinks, FeedOptions, entry_id, render
from feeds.catalog import FeedSpec, build_catalog
from feeds.publish import publish
from tests.atom_rules import A, check_document, is_archive, links
from tests.feed_archive import BASE_URL, PAGES, make_archive, options, statement

GOLDEN = Path(__file__).parent / "golden" / "mid-en.atom"


@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url)
    yield store
    store.close()


def atom_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.atom"))


def test_golden_feed(archive, tmp_path):
    publish(archive, options(tmp_path / "public"))
    produced = (tmp_path / "public" / "mid" / "en.atom").read_bytes()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_bytes(produced)
    assert produced == GOLDEN.read_bytes()


def test_every_published_feed_is_valid_atom(archive, tmp_path):
    out = tmp_path / "public"
    result = publish(archive, options(out))
    files = atom_files(out)
    assert len(files) == result.rendered >= 12
    for path in files:
        check_document(path.read_bytes(), str(path.relative_to(out)))


def test_feed_paths(archive, tmp_path):
    out = tmp_path / "public"
    publish(archive, options(out))
    expected = {"all/en.atom", "all/ru.atom", "mid/en.atom", "mid/ru.atom", "mid/en/type/news.atom",
                "mid/en/type/briefing.atom", "mid/en/type/comment.atom",
                f"mid/en/tag/{tag_slug('NATO (North Atlantic Treaty Organization)')}.atom",
                "mid/en/archive/2022-06.atom", "mid/en/archive/2017-07.atom"}
    present = {str(p.relative_to(out)) for p in atom_files(out)}
    assert expected <= present
    assert (out / "feeds.opml").exists()
    assert (out / "index.html").exists()


def test_entries_carry_everything(archive, tmp_path):
    out = tmp_path / "public"
    publish(archive, options(out))
    feed = feedparser.parse((out / "mid" / "en.atom").read_bytes())
    assert feed.feed.title == "Ministry of Foreign Affairs of the Russian Federation (English)"
    assert feed.feed.links[0]["href"] == BASE_URL + "mid/en.atom"
    entry = next(e for e in feed.entries if e.id == entry_id("mid:en:1819686"))
    assert entry.title == "Foreign Ministry statement on introducing personal sanctions as regards American citizens"
    assert entry.published == "2022-06-28T11:44:00+03:00"
    assert entry.updated == "2022-06-28T11:44:00+03:00"
    assert entry.author == "Ministry of Foreign Affairs of the Russian Federation"
    assert "<table>" in entry.content[0].value
    assert 'href="https://mid.ru/en/maps/us/1814243/"' in entry.content[0].value
    assert entry.summary.startswith("In response to the constantly expanding US sanctions")
    assert {(t.term, t.scheme.rsplit("/", 1)[1]) for t in entry.tags} == {
        ("news", "types"), ("United States of America (USA)", "tags")}
    assert entry.link == "https://mid.ru/en/foreign_policy/news/1819686/"
    alternates = {(link.get("hreflang"), link.href) for link in entry.links if link.rel == "alternate"}
    assert alternates == {("en", "https://mid.ru/en/foreign_policy/news/1819686/")}
    related = {(link.get("hreflang"), link.href) for link in entry.links if link.rel == "related"}
    assert related == {("ru", "https://mid.ru/ru/foreign_policy/news/1819686/")}
    root = etree.fromstring((out / "mid" / "en.atom").read_bytes())
    assert {e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in root.findall(f"{A}entry")} == {"en"}


def test_rfc5005_walk_collects_every_entry_once(tmp_path, archive_url):
    store = make_archive(archive_url, PAGES)
    out = tmp_path / "public"
    publish(store, options(out, entries=2, archive_page=1))  # tiny pages: a long chain
    expected = {entry_id(doc["id"]) for doc in store.documents(Selection(source="mid", language="en"))}
    subscription = check_document((out / "mid" / "en.atom").read_bytes(), "mid/en.atom")
    assert not is_archive(subscription)
    seen: list[str] = []
    href = links(subscription)["prev-archive"]
    newer = BASE_URL + "mid/en.atom"
    previous_page = None
    while href:
        path = out / href.removeprefix(BASE_URL)
        root = check_document(path.read_bytes(), href)
        assert is_archive(root), f"{href} is not marked fh:archive"
        page_links = links(root)
        assert page_links["current"] == BASE_URL + "mid/en.atom"
        if previous_page is not None:
            assert page_links["next-archive"] == previous_page  # linked both ways
        seen.extend(e.findtext(f"{A}id") for e in root.findall(f"{A}entry"))
        previous_page, href = href, page_links.get("prev-archive")
        assert newer
    assert len(seen) == len(set(seen)), "an entry stands in two archive documents"
    assert set(seen) == expected
    store.close()


def test_second_publish_rewrites_nothing(archive, tmp_path):
    out = tmp_path / "public"
    first = publish(archive, options(out))
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != ".publish-state.json"}
    second = publish(archive, options(out))
    assert second.written == []
    assert second.rendered == 0  # nothing changed in the archive: no feed rendered at all
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    full = publish(archive, options(out), full=True)
    assert full.rendered == first.rendered
    assert full.written == []  # rendered again, same bytes, not rewritten


def test_same_archive_same_bytes(archive, tmp_path):
    publish(archive, options(tmp_path / "one"))
    publish(archive, options(tmp_path / "two"))
    for path in atom_files(tmp_path / "one"):
        twin = tmp_path / "two" / path.relative_to(tmp_path / "one")
        assert twin.read_bytes() == path.read_bytes()


def test_an_edit_updates_the_same_entry_and_touches_only_its_feeds(archive, tmp_path):
    out = tmp_path / "public"
    publish(archive, options(out))
    edited = statement(PAGES[2], fetched_at="2026-11-20T10:00:00Z")
    edited["body_text"] += "\n\nAn added paragraph."
    edited["body_html"] += "<p>An added paragraph.</p>"
    archive.write_batch([], [edited])
    result = publish(archive, options(out))
    touched = set(result.written)
    assert "mid/en.atom" in touched
    assert "mid/en/type/briefing.atom" in touched
    assert "mid/ru.atom" not in touched
    assert "mid/en/type/news.atom" not in touched
    feed = feedparser.parse((out / "mid" / "en.atom").read_bytes())
    entry = next(e for e in feed.entries if e.id == entry_id("mid:en:1820480"))
    assert entry.updated == "2026-11-20T10:00:00+00:00"
    assert entry.published == "2022-06-30T15:10:00+03:00"
    assert "An added paragraph." in entry.content[0].value
    assert feed.feed.updated == "2026-11-20T10:00:00+00:00"


def test_removed_statement_is_marked_not_dropped(archive, tmp_path):
    out = tmp_path / "public"
    archive.write_batch([], [PageEvent(PAGES[3], "2026-11-21T08:00:00Z", gone_reason="HTTP 404")])
    publish(archive, options(out))
    feed = feedparser.parse((out / "mid" / "en.atom").read_bytes())
    entry = next(e for e in feed.entries if e.id == entry_id("mid:en:1820702"))
    assert entry.title.endswith("[removed]")
    assert entry.updated == "2026-11-21T08:00:00+00:00"
    assert "removed" in {t.term for t in entry.tags}
    assert entry.summary.startswith("Removed from the ministry's site on 2026-11-21.")


def hostile_doc(**changes) -> dict:
    doc = statement(PAGES[0])
    doc.update(version=1, updated=doc["published"], removed_at=None)
    doc.update(changes)
    return doc


SPEC = FeedSpec(key="mid/en", kind="source", title="T", subtitle="S", language="en", source=None,
                selection=Selection(), count=1, label="L")


def test_bad_input_never_breaks_a_feed():
    good = hostile_doc(id="mid:en:1")
    docs = [
        good,
        hostile_doc(id="mid:en:2", title="Bad\x00 title\x0b with \ud800 surrogate \ufffe",
                    body_html='<p onclick="x()">Hi<script>alert(1)</script><style>p{}</style>'
                              '<a href="/relative/page">rel</a><img src="javascript:alert(1)"></p>',
                    body_text="Hi\x07 there", tags=["../../etc", "\x00"]),
        hostile_doc(id="mid:en:3", published="not a date", updated=None),  # skipped, with a reason
        hostile_doc(id="mid:en:4", body_html="<p>" + "word " * 200_000 + "</p>",
                    body_text="word " * 200_000),
        hostile_doc(id="mid:en:5", title="   "),  # skipped
    ]
    rendered = render(SPEC, docs, FeedOptions(BASE_URL), ArchiveLinks(), "mid/en.atom")
    root = check_document(rendered.data, "hostile")
    assert [doc_id for doc_id, _ in rendered.skipped] == ["mid:en:3", "mid:en:5"]
    ids = [e.findtext(f"{A}id") for e in root.findall(f"{A}entry")]
    assert ids == [entry_id(f"mid:en:{n}") for n in (1, 2, 4)]
    bad = root.findall(f"{A}entry")[1]
    content = bad.findtext(f"{A}content")
    assert "script" not in content and "onclick" not in content and "style" not in content
    assert "javascript:" not in content
    assert 'href="https://mid.ru/relative/page"' in content
    assert bad.findtext(f"{A}title") == "Bad title with surrogate"
    huge = root.findall(f"{A}entry")[2].findtext(f"{A}content")
    assert len(huge) < 250_000
    assert "Read the full text on the ministry" in huge


def test_next_line_is_a_line_break_for_feed_readers():
    """U+0085 NEXT LINE, kept by the archive and escaped in JSON Lines, reaches a feed reader as
    a line break (a newline in the HTML, a space in text constructs), never as feedparser's "…"."""
    doc = hostile_doc(id="mid:en:1", title="Line one\x85line two",
                      body_html="<p>Two\x85words.</p><pre>a\x85b</pre>", body_text="Two\x85words.\n\na\x85b")
    rendered = render(SPEC, [doc], FeedOptions(BASE_URL), ArchiveLinks(), "mid/en.atom")
    assert b"\xc2\x85" not in rendered.data
    (entry,) = feedparser.parse(rendered.data).entries
    assert entry.title == "Line one line two"
    assert entry.content[0].value == "<p>Two\nwords.</p><pre>a\nb</pre>"
    assert entry.summary == "Two words. a b"


def test_tag_slugs_are_safe_whatever_the_tag():
    for tag in ["../../etc", "/etc/passwd", "..", "a/b\\c", "CON", " ", "\x00", "日本", "США", "x" * 500]:
        slug = tag_slug(tag)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug
        assert len(slug) <= 70
    assert tag_slug("EU") != tag_slug("E.U.")
    assert tag_slug("США") == tag_slug("США")


def test_a_hostile_tag_gets_a_feed_inside_the_public_folder(tmp_path, archive_url):
    store = make_archive(archive_url, PAGES[:1])
    doc = statement(PAGES[3])
    doc["tags"] = ["../../etc", "<script>alert(1)</script>"]
    store.write_batch([], [doc])
    out = tmp_path / "public"
    publish(store, options(out))
    for path in out.rglob("*"):
        assert out in path.resolve().parents
    assert (out / "mid" / "en" / "tag" / f"{tag_slug('../../etc')}.atom").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in index
    store.close()


hostile_text = st.one_of(
    st.text(),
    st.sampled_from(["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]>", "&nbsp;&bogus;",
                     "\x00\x01\x0b\x1f", "\ud800", "\udfff", "\ufffe\uffff", "<p>unclosed", "javascript:x",
                     '<a href="../x">', "<style>*{}</style>", "Ωμέγα Ж 中文 🙂"]),
).map(lambda s: s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile_text, body=st.lists(hostile_text, max_size=4).map("".join),
       tags=st.lists(hostile_text, max_size=3))
def test_property_any_text_gives_a_valid_feed(title, body, tags):
    docs = [hostile_doc(id="mid:en:1"),
            hostile_doc(id="mid:en:2", title=title, body_html=body, body_text=body, tags=tags)]
    rendered = render(SPEC, docs, FeedOptions(BASE_URL), ArchiveLinks(), "mid/en.atom")
    root = check_document(rendered.data, "property")
    ids = [entry.findtext(f"{A}id") for entry in root.findall(f"{A}entry")]
    assert entry_id("mid:en:1") in ids  # the good entry always publishes
    # the hostile one is written, or skipped with a reason (an empty title, say): never lost silently
    assert entry_id("mid:en:2") in ids or [doc_id for doc_id, _ in rendered.skipped] == ["mid:en:2"]
    for tag in tags:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", tag_slug(tag))


def test_catalog_counts(archive):
    counts = {spec.key: spec.count for spec in build_catalog(archive)}
    assert counts["mid/en"] == 4
    assert counts["mid/ru"] == 1
    assert counts["all/en"] == 4
    assert counts["mid/en/type/news"] == 2


def test_incremental_publish_gives_the_same_files_as_a_full_one(tmp_path, archive_url):
    store = make_archive(archive_url, PAGES[:3])
    incremental = tmp_path / "incremental"
    publish(store, options(incremental, entries=2, archive_page=1))
    # Statements arrive later: one in a new newest month, one in a month between existing ones,
    # one in a month older than all, and an edit.
    for url, published in ((PAGES[3], "2022-08-01T10:00:00+03:00"), (PAGES[4], "2019-03-05T10:00:00+03:00")):
        doc = statement(url)
        doc["published"] = published
        store.write_batch([], [doc])
        publish(store, options(incremental, entries=2, archive_page=1))  # one step at a time
    oldest = statement(PAGES[3])
    oldest.update(id="mid:en:999", site_id="999", url="https://mid.ru/en/foreign_policy/news/999/",
                  published="2001-01-01T10:00:00+03:00")
    edited = statement(PAGES[2], fetched_at="2026-11-22T00:00:00Z")
    edited["body_text"] += "\n\nMore."
    edited["body_html"] += "<p>More.</p>"
    store.write_batch([], [oldest, edited])
    publish(store, options(incremental, entries=2, archive_page=1))
    between = statement(PAGES[0])  # English: between 2019-03 and 2022-06, both published already
    between.update(id="mid:en:998", site_id="998", url="https://mid.ru/en/foreign_policy/news/998/",
                   published="2020-05-05T10:00:00+03:00")
    store.write_batch([], [between])
    publish(store, options(incremental, entries=2, archive_page=1))
    full = tmp_path / "full"
    publish(store, options(full, entries=2, archive_page=1), full=True)
    full_files = {p.relative_to(full): p.read_bytes() for p in full.rglob("*.atom")}
    incremental_files = {p.relative_to(incremental): p.read_bytes() for p in incremental.rglob("*.atom")}
    for path, data in full_files.items():
        assert incremental_files.get(path) == data, f"{path} differs from a full publication"
    store.close()


def test_a_document_over_the_size_limit_however_short_is_not_published_and_the_result_says_so(tmp_path, archive_url):
    """No half-written or cut feed: the file is not written; the publication's result is not ok
    and names each such document (``scrapy publish`` and ``scrapy update`` then exit 1)."""
    store = make_archive(archive_url, PAGES)
    out = tmp_path / "public"
    result = publish(store, options(out, max_bytes=1024, max_content_chars=1000))
    assert not (out / "mid" / "en.atom").exists()
    assert ("mid/en", "mid/en.atom: over 1024 bytes however short its entries") in result.not_published
    report = result.as_dict()
    assert report["ok"] is False
    assert {"feed": "mid/en", "reason": "mid/en.atom: over 1024 bytes however short its entries"} \
        in report["documents_not_published"]
    assert f"; {len(result.not_published)} documents NOT published (see the log)" in result.summary()
    # the lists name no feed a reader cannot subscribe to (here, none was written)
    for name in ("feeds.opml", "index.html"):
        assert ".atom" not in (out / name).read_text(encoding="utf-8"), name
    again = publish(store, options(out, max_bytes=1024, max_content_chars=1000))  # nothing new since
    assert again.full_reason == "the last publication left documents unpublished"
    assert again.not_published == result.not_published and again.as_dict()["ok"] is False
    fixed = publish(store, options(out))  # the setting fixed: everything written, the state done
    assert fixed.as_dict()["ok"] is True and (out / "mid" / "en.atom").exists()
    for name in ("feeds.opml", "index.html"):  # written now, and listed
        text = (out / name).read_text(encoding="utf-8")
        assert 'mid/en.atom"' in text and 'all/ru.atom"' in text, name
    assert publish(store, options(out)).full_reason is None
    store.close()


def test_size_limit_drops_old_entries_from_the_subscription_not_from_archives(tmp_path, archive_url):
    store = make_archive(archive_url, PAGES)
    out = tmp_path / "public"
    publish(store, options(out, max_bytes=12_000, max_content_chars=200_000))
    subscription = (out / "mid" / "en.atom").read_bytes()
    assert len(subscription) <= 12_000
    entries = len(etree.fromstring(subscription).findall(f"{A}entry"))
    assert 1 <= entries < 4  # the feed holds fewer entries than the four English statements
    archived = [e for p in (out / "mid" / "en" / "archive").glob("*.atom")
                for e in etree.fromstring(p.read_bytes()).findall(f"{A}entry")]
    assert len(archived) == 4  # every entry stays in the archive, with shorter contents if need be
    for path in (out / "mid" / "en" / "archive").glob("*.atom"):
        assert len(path.read_bytes()) <= 12_000
    store.close()
