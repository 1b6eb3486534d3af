"""The archive, on every backend: versions, unchanged re-fetches, translations, raw pages."""

from __future__ import annotations

import pytest

from crawler.store import ArchiveError, Capture, Selection, content_hash, open_archive


def item(**changes):
    base = {
        "id": "mid:en:1819686", "source": "mid", "site_id": "1819686",
        "url": "https://mid.ru/en/foreign_policy/news/1819686/", "language": "en",
        "title": "Statement", "published": "2022-06-28T11:44:00+03:00", "published_raw": "28 June 2022 11:44",
        "doc_number": "1345-28-06-2022", "type": "news", "tags": ["USA"], "body_text": "Text.",
        "body_html": "<p>Text.</p>", "translations": {}, "fetched_at": "2026-01-01T00:00:00Z",
    }
    return {**base, **changes}


@pytest.fixture
def store(archive_url):
    archive = open_archive(archive_url)
    yield archive
    archive.close()


def test_new_unchanged_updated(store):
    assert store.write_batch([], [item()]) == ["new"]
    assert store.write_batch([], [item(fetched_at="2026-01-02T00:00:00Z")]) == ["unchanged"]
    doc = store.get("mid:en:1819686")
    assert doc["version"] == 1
    assert doc["updated"] == "2022-06-28T11:44:00+03:00"  # the first version dates from publication
    assert doc["fetched_at"] == "2026-01-02T00:00:00Z"
    assert doc["first_seen"] == "2026-01-01T00:00:00Z"
    assert store.write_batch([], [item(body_text="Edited.", body_html="<p>Edited.</p>",
                                       fetched_at="2026-01-03T00:00:00Z")]) == ["updated"]
    doc = store.get("mid:en:1819686")
    assert (doc["version"], doc["updated"], doc["body_text"]) == (2, "2026-01-03T00:00:00Z", "Edited.")
    versions = store.versions("mid:en:1819686")
    assert [v["body_text"] for v in versions] == ["Text.", "Edited."]
    assert [v["version"] for v in versions] == [1, 2]


def test_content_hash_ignores_fetch_time_and_translations():
    assert content_hash(item()) == content_hash(item(fetched_at="x", translations={"ru": "https://x/"}))
    assert content_hash(item()) != content_hash(item(title="Other"))


def test_fetch_without_listing_tags_keeps_stored_tags(store):
    store.write_batch([], [item()])
    assert store.write_batch([], [item(tags=[])]) == ["unchanged"]
    assert store.get("mid:en:1819686")["tags"] == ["USA"]


@pytest.mark.parametrize("russian_first", [False, True])
def test_translations_linked_whichever_comes_first(store, russian_first):
    """Each page's language switcher names the other on the public site; both were fetched from
    a copy of it: the archived URL is linked, in whatever order the two are written."""
    ru_url = "http://127.0.0.1:8080/ru/foreign_policy/news/1819686/"
    en = item(url="http://127.0.0.1:8080/en/foreign_policy/news/1819686/",
              translations={"ru": "https://mid.ru/ru/foreign_policy/news/1819686/", "de": "https://mid.ru/de/1"})
    ru = item(id="mid:ru:1819686", language="ru", url=ru_url, title="Заявление",
              translations={"en": "https://mid.ru/en/foreign_policy/news/1819686/"})
    for batch in ([ru], [en]) if russian_first else ([en], [ru]):
        store.write_batch([], batch)
    assert store.get("mid:en:1819686")["translations"] == {"de": "https://mid.ru/de/1", "ru": ru_url}
    assert store.get("mid:ru:1819686")["translations"] == {"en": en["url"]}
    assert store.get("mid:en:1819686")["version"] == 1  # a new translation is not an edit
    # Every version carries its statement's links, the one written first too (the dumps).
    assert {record["id"]: record["translations"] for record in store.version_records()} == {
        "mid:en:1819686": {"de": "https://mid.ru/de/1", "ru": ru_url}, "mid:ru:1819686": {"en": en["url"]}}


def test_raw_pages_deduplicated_and_linked_to_versions(store):
    body = "<html>страница</html>".encode()
    capture = Capture(url=item()["url"], fetched_at="2026-01-01T00:00:00Z", status=200, kind="article",
                      headers={"Content-Type": "text/html"}, body=body)
    store.write_batch([capture], [item()])
    store.write_batch([capture], [])
    assert store.count("fetches") == 2
    assert store.count("blobs") == 1
    sha = store.versions("mid:en:1819686")[0]["raw_sha256"]
    assert sha == capture.sha256
    assert store.raw_page(sha) == body


def test_a_refused_statement_leaves_the_rest_of_the_batch(store):
    broken = item(id="mid:en:2", site_id="2", url="https://mid.ru/en/foreign_policy/news/2/",
                  title="lone \ud800 surrogate")
    assert store.write_batch([], [item(), {"id": "no url"}, broken]) == ["new", "rejected", "rejected"]
    assert store.count() == 1
    assert store.count("versions") == 1


def test_same_document_on_both_sites_is_linked_not_repeated(store):
    old = item(id="mid:en:liferay-3750394", site_id="liferay-3750394", doc_number="1474-19-07-2019",
               url="https://archive.mid.ru/en/press_service/spokesman/official_statement/-/asset_publisher/"
                   "t2GCdmD8RNIr/content/id/3750394")
    current = item(id="mid:en:1411982", site_id="1411982", doc_number="1474-19-07-2019",
                   url="https://mid.ru/en/press_service/spokesman/official_statement/1411982/",
                   fetched_at="2026-01-02T00:00:00Z")
    other_language = item(id="mid:ru:1411982", site_id="1411982", doc_number="1474-19-07-2019", language="ru",
                          url="https://mid.ru/ru/press_service/spokesman/official_statement/1411982/")
    store.write_batch([], [old])
    store.write_batch([], [current, other_language])
    assert store.get("mid:en:1411982")["same_as"] == "mid:en:liferay-3750394"
    assert store.get("mid:en:liferay-3750394")["same_as"] is None
    assert store.get("mid:ru:1411982")["same_as"] is None  # another language is a translation
    listed = [doc["id"] for doc in store.documents(Selection(language="en"))]
    assert listed == ["mid:en:liferay-3750394"]
    assert len(list(store.documents(Selection(language="en", include_repeats=True)))) == 2


def test_translations_linked_only_within_one_site(store):
    """The same number on mid.ru and archive.mid.ru is two documents (schema 1.3.0: site_id is
    the site's own id), never each other's translation."""
    old_en = item(id="mid:en:liferay-2823186", site="archive.mid.ru", site_id="2823186", doc_number=None,
                  url="https://archive.mid.ru/en/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2823186")
    current_ru = item(id="mid:ru:2823186", site="mid.ru", site_id="2823186", language="ru", doc_number=None,
                      url="https://mid.ru/ru/foreign_policy/news/2823186/")
    old_ru = item(id="mid:ru:liferay-2823186", site="archive.mid.ru", site_id="2823186", language="ru",
                  doc_number=None,
                  url="https://archive.mid.ru/ru/foreign_policy/news/-/asset_publisher/cKNonkJE02Bw/content/id/2823186")
    store.write_batch([], [old_en, current_ru, old_ru])
    assert store.get("mid:en:liferay-2823186")["translations"] == {"ru": old_ru["url"]}
    assert store.get("mid:ru:liferay-2823186")["translations"] == {"en": old_en["url"]}
    assert store.get("mid:ru:2823186")["translations"] == {}


def test_statements_archived_before_sites_still_link_by_site_id(store):
    legacy_en = item()  # archived before schema 1.3.0: no "site"
    store.write_batch([], [legacy_en])
    ru = item(id="mid:ru:1819686", site="mid.ru", language="ru", url="https://mid.ru/ru/foreign_policy/news/1819686/")
    store.write_batch([], [ru])
    assert store.get("mid:ru:1819686")["translations"] == {"en": legacy_en["url"]}
    assert store.get("mid:en:1819686")["translations"] == {"ru": ru["url"]}


def test_every_version_says_what_read_it(store):
    reader = "ministry-feeds 0.1.0 crawler.pages.mid.MidArticlePage"
    store.write_batch([], [item(extractor=reader)])
    store.write_batch([], [item(title="Edited", fetched_at="2026-01-02T00:00:00Z",
                                extractor="ministry-feeds 0.2.0 crawler.pages.mid.MidArticlePage")])
    provenance = [(v["version"], v["extractor"], v["origin"], v["extracted_at"]) for v in store.versions(item()["id"])]
    assert provenance == [(1, reader, "crawl", "2026-01-01T00:00:00Z"),
                          (2, "ministry-feeds 0.2.0 crawler.pages.mid.MidArticlePage", "crawl", "2026-01-02T00:00:00Z")]
    doc = store.get(item()["id"])
    assert (doc["extractor"], doc["origin"]) == ("ministry-feeds 0.2.0 crawler.pages.mid.MidArticlePage", "crawl")
    assert [record["extractor"] for record in store.version_records()] == [reader, doc["extractor"]]


def test_documents_at_a_url_in_the_order_first_seen(store):
    url = item()["url"]
    assert store.documents_at(url) == []
    store.write_batch([], [item(), item(id="mid:en:2", site_id="2", url="https://mid.ru/en/foreign_policy/news/2/")])
    # the same page later carries another statement (a site that reuses its URLs)
    store.write_batch([], [item(id="mid:en:9", site_id="9", doc_number="9", fetched_at="2026-01-05T00:00:00Z")])
    store.write_batch([], [item(body_text="Edited.", fetched_at="2026-01-06T00:00:00Z")])
    found = store.documents_at(url)
    assert [(doc["id"], doc["version"], doc["body_text"]) for doc in found] == \
        [("mid:en:1819686", 2, "Edited."), ("mid:en:9", 1, "Text.")]
    assert found[0] == store.get("mid:en:1819686")
    assert store.documents_at(url.rstrip("/")) == []  # the URL exactly as given


@pytest.mark.parametrize("readonly", [True, False], ids=["reader", "writer"])
@pytest.mark.parametrize("damage", ["truncated", "not-a-database"])
def test_a_broken_archive_file_gets_no_files_beside_it(tmp_path, readonly, damage):
    """An archive file found broken is left as it was found: the failed open leaves no -wal or
    -shm file beside it (publish, export and validate only read it)."""
    from tests.feed_archive import make_archive

    path = tmp_path / "archive.sqlite3"
    make_archive(f"sqlite:///{path}").close()
    for journal in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        journal.unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] if damage == "truncated" else b"rotated log line\n" * 4000)
    with pytest.raises(ArchiveError, match=r"cannot open the archive \((database disk image is malformed|file is "
                                           r"not a database)\)"):
        open_archive(f"sqlite:///{path}", readonly=readonly)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.sqlite3"]
