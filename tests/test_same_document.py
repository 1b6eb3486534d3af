"""A document on two sites (the current and the old mid.ru): the copy seen first stays the
document whatever order the crawls write in, so crawls running at once — on one machine or on
Scrapyd nodes — leave the same archive, and the same feeds."""

from __future__ import annotations

import itertools

import pytest

from crawler.store import Selection, open_archive
from tests.test_store import item

CURRENT = item(id="mid:en:1411982", site="mid.ru", site_id="1411982", doc_number="1474-19-07-2019",
               url="https://mid.ru/en/press_service/spokesman/official_statement/1411982/")
OLD = item(id="mid:en:liferay-3750394", site="archive.mid.ru", site_id="3750394", doc_number="1474-19-07-2019",
           url="https://archive.mid.ru/en/press_service/spokesman/official_statement/-/asset_publisher/"
               "t2GCdmD8RNIr/content/id/3750394")
COPY = item(id="mid:en:liferay-9999999", site="archive.mid.ru", site_id="9999999", doc_number="1474-19-07-2019",
            url="https://archive.mid.ru/en/9999999")


def kept(archive_url: str, *batches: list[dict]) -> dict[str, str | None]:
    with open_archive(archive_url) as store:
        for batch in batches:
            store.write_batch([], batch)
        return {doc["id"]: doc["same_as"] for doc in store.documents(Selection(include_repeats=True))}


@pytest.mark.parametrize("order", list(itertools.permutations([CURRENT, OLD, COPY])),
                         ids=lambda order: "-".join(doc["site_id"] for doc in order))
def test_copies_seen_in_the_same_second_keep_the_smallest_id_whatever_the_order(archive_url, order):
    assert kept(archive_url, *[[doc] for doc in order]) == {
        "mid:en:1411982": None, "mid:en:liferay-3750394": "mid:en:1411982", "mid:en:liferay-9999999": "mid:en:1411982"}


def test_a_copy_seen_earlier_but_written_later_takes_the_documents_place(archive_url):
    earlier = {**OLD, "fetched_at": "2025-12-31T23:59:59Z"}
    with open_archive(archive_url) as store:
        store.write_batch([], [CURRENT, COPY])
        before = store.change_seq()
        store.write_batch([], [earlier])
        repeats = {doc["id"]: doc["same_as"] for doc in store.documents(Selection(include_repeats=True))}
        assert store.get("mid:en:1411982")["change_seq"] > before  # its feeds are published again, without it
        assert [doc["id"] for doc in store.documents(Selection(language="en"))] == ["mid:en:liferay-3750394"]
    assert repeats == {"mid:en:liferay-3750394": None, "mid:en:1411982": "mid:en:liferay-3750394",
                       "mid:en:liferay-9999999": "mid:en:liferay-3750394"}


RUSSIAN = item(id="mid:ru:1411982", language="ru", site="mid.ru", site_id="1411982", doc_number="1474-19-07-2019",
               url="https://mid.ru/ru/press_service/spokesman/official_statement/1411982/")


@pytest.mark.parametrize("order", [[CURRENT, RUSSIAN], [RUSSIAN, CURRENT]], ids=["en-first", "ru-first"])
def test_language_versions_read_the_same_whichever_was_written_first(archive_url, order):
    """Translations link statements, they are no version's text: every version of each language
    names the other, as the statement does, whichever language a crawl wrote first."""
    with open_archive(archive_url) as store:
        for doc in order:
            store.write_batch([], [doc])
        records = {record["id"]: record["translations"] for record in store.version_records()}
        assert records == {"mid:en:1411982": {"ru": RUSSIAN["url"]}, "mid:ru:1411982": {"en": CURRENT["url"]}}
        assert store.versions("mid:en:1411982")[0]["translations"] == {"ru": RUSSIAN["url"]}
        assert store.version("mid:ru:1411982", 1)["translations"] == {"en": CURRENT["url"]}
