"""Edits made visible, end to end: ``scrapy update`` crawls a loopback copy of mid.ru, the site edits
a briefing and removes a comment, ``scrapy update`` runs again; feedparser reads the briefing's
entry (what changed first, then the briefing laid out by its questions) and ``edits.atom``."""

from __future__ import annotations

import feedparser
import pytest
from lxml import etree, html

from feeds.atom import entry_id
from tests.atom_rules import A, check_document
from tests.conftest import FIXTURES
from tests.e2e.test_update import EVERYTHING_DUE, Deployment, without_walled_article
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
BASE = "https://feeds.example.org/"
BRIEFING_PATH = "/en/press_service/spokesman/briefings/1820480/"
COMMENT_PATH = "/en/press_service/spokesman/comments/1820702/"
BRIEFING, COMMENT = "mid:en:1820480", "mid:en:1820702"


@pytest.fixture
def deployment(tmp_path, archive_url):
    with LoopbackSite(FIXTURES) as site:
        without_walled_article(site)
        yield Deployment(tmp_path, site, archive_url)


def _entry(parsed, doc_id: str):
    return next(entry for entry in parsed.entries if entry.id == entry_id(doc_id))


def test_an_edit_on_the_site_shows_in_the_entry_and_in_edits_atom(deployment):
    public = deployment.folder / "public"
    result, _ = deployment.update(MF_PUBLIC_BASE_URL=BASE)
    assert result.returncode == 0, result.stderr[-3000:]
    first = feedparser.parse((public / "mid" / "en.atom").read_bytes())
    before = _entry(first, BRIEFING).content[0].value
    assert "Changed on" not in before
    assert not (public / "mid" / "en" / "edits.atom").exists()  # nothing edited yet

    page = deployment.site.original(BRIEFING_PATH).decode("utf-8")
    page = page.replace("Russia and Türkiye planned?", "Russia and Türkiye planned for July?")
    page = page.replace("Contacts continue at various levels.", "Contacts continue at all levels.")
    deployment.site.set(BRIEFING_PATH, page.encode("utf-8"))
    deployment.site.remove(COMMENT_PATH)
    result, report = deployment.update(MF_PUBLIC_BASE_URL=BASE, MF_RECHECK_SCHEDULE=EVERYTHING_DUE,
                                       MF_RECHECK_MAX_PER_RUN="100")
    assert result.returncode == 0, result.stderr[-3000:]
    assert report["targets"]["mid"]["items"]["updated"] == 1
    assert report["targets"]["mid"]["items"]["removed"] == 1
    edit_time = deployment.doc(BRIEFING)["updated"]

    # The briefing's entry, as a feed reader's sanitiser leaves it (feedparser's).
    data = (public / "mid" / "en.atom").read_bytes()
    check_document(data, "mid/en.atom")
    entry = _entry(feedparser.parse(data), BRIEFING)
    content = entry.content[0].value
    assert content.startswith(f'<div class="mf-changes"><p><strong>Changed on {edit_time[:10]}</strong> '
                              "(version 2): 2 paragraphs changed.</p>")
    root = html.fragment_fromstring(content, create_parent="div")
    changes = root.xpath("./div[@class='mf-changes']")[0]
    assert changes.xpath(".//ins/text()") == [" for July", "all"]
    assert changes.xpath(".//del/text()") == ["various"]
    # then the whole briefing, scannable: the topics linked to their headings, questions as headings
    topics = root.xpath("./ul[1]/li/a")
    assert [a.get("href") for a in topics] == ["#t-0", "#t-2", "#t-4", "#t-6"]
    for a in topics:
        target = root.xpath(f"//h3[@id='{a.get('href')[1:]}']")
        assert [h.text for h in target] == [a.text]
    assert [h.get("id") for h in root.xpath("//h4")] == ["q-7", "q-9"]
    assert root.xpath("//h4[@id='q-9']")[0].text == (
        "Question: Is a meeting between the foreign ministers of Russia and Türkiye planned for July?")
    assert "Maria Zakharova: Contacts continue at all levels." in root.xpath("string(//h4[@id='q-9']/"
                                                                             "following-sibling::p[1])")
    assert entry.updated.startswith(edit_time[:19])

    # edits.atom: the edit and the removal, each its own entry, linking the page and the statement's feed.
    data = (public / "mid" / "en" / "edits.atom").read_bytes()
    check_document(data, "mid/en/edits.atom")
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    ids = {entry.id: entry for entry in parsed.entries}
    assert set(ids) == {entry_id(f"{BRIEFING}/v2"), entry_id(f"{COMMENT}/v1/removed")}
    edit = ids[entry_id(f"{BRIEFING}/v2")]
    assert edit.title == "Edited: Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, June 30, 2022"
    assert edit.link == deployment.site.base_url + BRIEFING_PATH  # the site's page (the loopback copy's)
    assert [link.href for link in edit.links if link.rel == "related"] == [BASE + "mid/en/archive/2022-06.atom"]
    shown = edit.content[0].value
    assert "<ins> for July</ins>" in shown and "<del>various</del><ins>all</ins>" in shown
    removal = ids[entry_id(f"{COMMENT}/v1/removed")]
    assert removal.title.startswith("Removed: ")
    assert removal.link == deployment.site.base_url + COMMENT_PATH
    # Listed for readers who follow only edits.
    index = etree.HTML((public / "index.html").read_bytes())
    assert index.xpath("//a[@href='mid/en/edits.atom']/text()") == ["Edits and removals, with what changed"]
    opml = etree.fromstring((public / "feeds.opml").read_bytes())
    assert opml.xpath(f"//outline[@xmlUrl='{BASE}mid/en/edits.atom']")

    # A run that finds nothing new leaves every published byte as it was.
    published = {p: p.read_bytes() for p in public.rglob("*.atom")}
    result, report = deployment.update(MF_PUBLIC_BASE_URL=BASE)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {p: p.read_bytes() for p in public.rglob("*.atom")} == published
    [archive_page] = (public / "mid" / "en" / "edits" / "archive").glob("*.atom")  # the month of the changes
    held = etree.fromstring(archive_page.read_bytes()).findall(f"{A}entry")
    assert {e.findtext(f"{A}id") for e in held} == set(ids)
