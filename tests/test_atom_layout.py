"""feeds.atom writes each entry once and assembles documents from bytes; the documents must be
feedgen 1.0's, byte for byte (tests/feedgen_reference.py writes them with feedgen), on real
archived statements, on every kind of feed and archive page, and on hostile input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.sources import SOURCES
from crawler.store import Selection
from feeds.atom import ArchiveLinks, FeedOptions, render
from feeds.catalog import FeedSpec, build_catalog
from tests.feed_archive import BASE_URL, PAGES, make_archive, statement
from tests.feedgen_reference import feedgen_render

OPTIONS = FeedOptions(BASE_URL)
#: The links of each kind of document: a subscription document (with and without archive pages)
#: and archive pages (the oldest, one in the middle, the newest).
LINKS = {
    "subscription": ArchiveLinks(prev_archive="mid/en/archive/2022-06.atom"),
    "subscription, no archive": ArchiveLinks(),
    "oldest archive page": ArchiveLinks(is_archive=True, current="mid/en.atom",
                                        next_archive="mid/en/archive/2022-07.atom"),
    "archive page": ArchiveLinks(is_archive=True, current="mid/en.atom", prev_archive="mid/en/archive/2022-05.atom",
                                 next_archive="mid/en/archive/2022-07-p2.atom"),
    "newest archive page": ArchiveLinks(is_archive=True, current="mid/en.atom",
                                        prev_archive="mid/en/archive/2022-05.atom"),
}


def doc(**changes) -> dict:
    found = statement(PAGES[0])
    found.update(version=1, updated=found["published"], removed_at=None)
    found.update(changes)
    return found


def assert_same(spec: FeedSpec, docs: list[dict], links: ArchiveLinks, path: str,
                options: FeedOptions = OPTIONS) -> None:
    ours = render(spec, docs, options, links, path)
    theirs = feedgen_render(spec, docs, options, links, path)
    assert ours.skipped == theirs.skipped
    assert ours.entries == theirs.entries
    assert ours.data.decode("utf-8") == theirs.data.decode("utf-8")


@pytest.fixture(scope="module")
def archived(module_archive_url):
    """Every feed of an archive of real pages (mid.ru's and its old site's, two languages,
    tags, translations), with its statements."""
    store = make_archive(module_archive_url)
    gone = statement(PAGES[3])
    gone.update(id="mid:en:gone", site_id="gone", url="https://mid.ru/en/foreign_policy/news/gone/")
    store.write_batch([], [gone])
    feeds = [(spec, list(store.documents(spec.selection))) for spec in build_catalog(store)]
    store.close()
    return feeds


def test_the_archive_has_every_kind_of_feed(archived):
    assert {spec.kind for spec, _ in archived} == {"all", "source", "type", "tag"}
    assert any(doc["translations"] for _, docs in archived for doc in docs)


@pytest.mark.parametrize("kind", sorted(LINKS))
def test_every_feed_of_an_archive_is_written_as_feedgen_writes_it(archived, kind):
    for spec, docs in archived:
        path = f"{spec.key}.atom" if "subscription" in kind else f"{spec.key}/archive/2022-06.atom"
        assert_same(spec, docs, LINKS[kind], path)


@pytest.mark.parametrize("source", [None, *sorted(SOURCES)])
def test_every_source_head(source):
    """The feed's head: author, home link and icon (or none) of every source, and of the
    feeds of all sources."""
    spec = FeedSpec(key=f"{source or 'all'}/en", kind="source" if source else "all", title="Title", subtitle="Sub",
                    language="en", source=SOURCES.get(source) if source else None, selection=Selection(), count=1,
                    label="L")
    assert_same(spec, [doc(id="mid:en:1"), doc(id="mid:en:2", published="2022-06-30T23:59:00+03:00")],
                LINKS["archive page"], spec.key + ".atom")


def test_removed_withdrawn_translated_and_tagged_entries():
    docs = [
        doc(id="mid:en:1", removed_at="2026-11-20T10:00:00Z"),
        doc(id="mid:en:2", withdrawn={"at": "2026-11-21T10:00:00Z", "note": "An  error\nin the text"}),
        doc(id="mid:en:3", translations={"ru": "https://mid.ru/ru/foreign_policy/news/1819686/",
                                         "zh": "https://mid.ru/zh/1/", "en": "https://mid.ru/en/other/",
                                         "de": "/relative"}),
        doc(id="mid:en:4", tags=["Україна", "  spaced   tag ", "", "NATO & EU <x>"], type="briefing"),
        doc(id="mid:xx:5", source="nosuch", language="xx", updated="2026-11-22T10:00:00+05:30"),
    ]
    spec = FeedSpec(key="mid/en", kind="source", title="T\u00a0 <&>", subtitle="", language="en",
                    source=SOURCES["mid"], selection=Selection(), count=5, label="L")
    assert_same(spec, docs, LINKS["subscription"], "mid/en.atom")


def test_shortened_contents_and_skipped_entries():
    docs = [doc(id="mid:en:1", body_html="<p>" + "word " * 5000 + "</p>", body_text="word " * 5000),
            doc(id="mid:en:2", published="not a date", updated=None),
            doc(id="mid:en:3", title="  "),
            doc(id="mid:en:4", url="/relative")]
    spec = FeedSpec(key="mid/en", kind="source", title="T", subtitle="S", language="en", source=SOURCES["mid"],
                    selection=Selection(), count=4, label="L")
    assert_same(spec, docs, LINKS["subscription"], "mid/en.atom", FeedOptions(BASE_URL, max_content_chars=1000))


hostile_text = st.one_of(
    st.text(),
    st.sampled_from(["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "]]>", "&nbsp;&bogus;",
                     "\x00\x01\x0b\x1f", "\ud800", "\ufffe\uffff", "<p>unclosed", "a\r\nb\rc", "\u2028\u0085",
                     '<a href="../x">', "Ωμέγα Ж 中文 🙂", "  leading and trailing  ", "x" * 500]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile_text, body=st.lists(hostile_text, max_size=4).map("".join),
       tags=st.lists(hostile_text, max_size=3), subtitle=hostile_text)
def test_property_any_text_is_written_as_feedgen_writes_it(title, body, tags, subtitle):
    docs = [doc(id="mid:en:1"), doc(id="mid:en:2", title=title, body_html=body, body_text=body, tags=tags)]
    spec = FeedSpec(key="mid/en", kind="source", title=title, subtitle=subtitle, language="en",
                    source=SOURCES["mid"], selection=Selection(), count=2, label="L")
    assert_same(spec, docs, LINKS["archive page"], "mid/en/archive/2022-06.atom")
