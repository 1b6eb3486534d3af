"""The compiled validator (fastjsonschema) and the reference one (jsonschema) give the same verdict
on every item: a table of invalid items, one per way of breaking each rule of the schema, a table
of valid ones, and generated items.

One difference, where the compiled validator is the stricter and the right one: a pattern's ``$``
is the end of the string in JSON Schema (ECMA 262), while jsonschema's Python regex lets a final
newline through. The pipeline takes the compiled validator's verdict."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.items import statement_schema
from crawler.pipelines.validate import is_valid, schema_errors, validation_errors

VALID = {
    "id": "mid:en:1819686", "source": "mid", "site": "mid.ru", "site_id": "1819686",
    "url": "https://mid.ru/en/foreign_policy/news/1819686/", "language": "en", "title": "A title",
    "published": "2022-06-28T11:44:00+03:00", "published_raw": "28 June 2022 11:44",
    "doc_number": "1345-28-06-2022", "type": "news", "tags": ["Arms control"], "body_text": "Text.",
    "body_html": "<p>Text.</p>", "translations": {"ru": "https://mid.ru/ru/foreign_policy/news/1819686/"},
    "fetched_at": "2026-01-01T00:00:00Z", "published_precision": "datetime", "change_history": [],
    "withdrawn": None, "segments": [],
}
#: The archive's fields, which exports and dumps add (the schema describes them too).
ARCHIVED = {**VALID, "version": 2, "updated": "2026-01-02T00:00:00Z", "removed_at": None,
            "content_hash": "0" * 64, "first_seen": "2026-01-01T00:00:00Z", "same_as": None}


class _Gone:
    """Stands for a field left out; its repr names it, so that test ids are the same in every
    process (pytest-xdist's workers must collect the same tests)."""

    def __repr__(self) -> str:
        return "GONE"


GONE = _Gone()

INVALID = [
    *[(name, GONE) for name in statement_schema()["required"]],
    ("extra", 1),
    ("id", "MID:en:1"), ("id", "mid:en:"), ("id", "mid:english:1"), ("id", "mid:en:1 2"), ("id", 5),
    ("source", "Mid"), ("source", ""), ("source", None),
    ("site_id", ""), ("site_id", 1819686), ("site", ""), ("site", 5),
    ("segments", "none"), ("segments", [{"position": 0}]),
    ("segments", [{"position": 0, "kind": "chat", "speaker": None, "affiliation": None, "text": "T", "html": "T"}]),
    ("url", "ftp://mid.ru/x"), ("url", "https://mid.ru/a b"), ("url", "mid.ru/x"), ("url", ""),
    ("language", "EN"), ("language", "e"), ("language", "en_GB"), ("language", "english"),
    ("title", ""), ("title", None), ("title", ["A title"]),
    ("published", "2022-06-28T11:44:00"), ("published", "2022-06-28 11:44:00+03:00"),
    ("published", "28.06.2022"), ("published", "2022-06-28T11:44:00Z"), ("published", None),
    ("published_raw", 5), ("published_raw", ["28 June"]),
    ("doc_number", 1345),
    ("type", "press release"), ("type", "News"), ("type", None),
    ("tags", "Arms control"), ("tags", [""]), ("tags", [1]), ("tags", None),
    ("body_text", ""), ("body_text", None), ("body_html", ""),
    ("translations", {"EN": "https://mid.ru/en/"}), ("translations", {"ru": "not a url"}),
    ("translations", {"ru": 5}), ("translations", []), ("translations", None),
    ("fetched_at", "2026-01-01"), ("fetched_at", "yesterday"),
    ("published_precision", "day"), ("published_precision", None),
    ("change_history", [{"at": "2020-01-01T00:00:00Z"}]), ("change_history", [{"at": "x", "note": "n"}]),
    ("change_history", [{"at": "2020-01-01T00:00:00Z", "note": "n", "by": "x"}]),
    ("change_history", "none"), ("change_history", None),
    ("withdrawn", {"at": None}), ("withdrawn", {"note": "x"}), ("withdrawn", {"at": "x", "note": "y"}),
    ("withdrawn", {"at": None, "note": 5}), ("withdrawn", {"at": None, "note": "x", "extra": 1}),
    ("withdrawn", "yes"), ("withdrawn", []),
    ("version", 0), ("version", "1"), ("version", 1.5), ("version", True),
    ("content_hash", "abc"), ("content_hash", "A" * 64),
    ("updated", "x"), ("removed_at", "2026-01-01"), ("first_seen", None), ("same_as", 5),
]

VALID_VARIANTS = [
    ("published_raw", None), ("doc_number", None), ("tags", []), ("translations", {}),
    ("published_precision", "date"), ("published", "2022-06-28T00:00:00-05:00"),
    ("fetched_at", "2026-01-01T00:00:00.123456+00:00"),
    ("change_history", [{"at": "2020-01-01T00:00:00Z", "note": "First published."}]),
    ("withdrawn", {"at": None, "note": "Withdrawn."}), ("withdrawn", {"at": "2024-01-01T00:00:00Z", "note": ""}),
    ("language", "zh-Hans"), ("id", "fcdo:zh-Hans:abc_1.2-3"), ("title", "Заявление"),
    ("version", 1), ("same_as", "mid:en:1"), ("removed_at", "2026-01-03T00:00:00+03:00"),
]


def changed(name: str, value: object, base: dict = ARCHIVED) -> dict:
    item = copy.deepcopy(base)
    if value is GONE:
        item.pop(name, None)
    else:
        item[name] = value
    return item


@pytest.mark.parametrize(("name", "value"), INVALID, ids=lambda v: repr(v)[:40])
def test_both_validators_reject(name, value):
    item = changed(name, value)
    assert schema_errors(item), "the reference validator accepts it"
    assert not is_valid(item), "the compiled validator accepts it"
    assert validation_errors(item) == schema_errors(item)


@pytest.mark.parametrize(("name", "value"), VALID_VARIANTS, ids=lambda v: repr(v)[:40])
def test_both_validators_accept(name, value):
    item = changed(name, value)
    assert schema_errors(item) == []
    assert is_valid(item)
    assert validation_errors(item) == []


def test_a_crawled_item_without_archive_fields_is_valid():
    assert is_valid(VALID) and schema_errors(VALID) == []


def test_a_final_newline_is_refused_by_the_compiled_validator_alone():
    item = changed("published", "2022-06-28T11:44:00+03:00\n")
    assert schema_errors(item) == []  # Python's "$" matches before a final newline
    assert not is_valid(item)
    assert validation_errors(item) == ["published: must match pattern "
                                       "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}:\\d{2}$"]


def test_not_an_object():
    for item in ([], "item", None, 5):
        assert schema_errors(item) and not is_valid(item)


def test_validation_does_not_change_the_item():
    item = copy.deepcopy(VALID)
    is_valid(item)
    validation_errors(changed("type", "press release", item))
    assert item == VALID


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["", "en", "https://x/", "2022-06-28T11:44:00+03:00", "2022-06-28T11:44:00+03:00\n",
                       "0" * 64]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["at", "note", "en", "x"]), inner,
                                                                max_size=3),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*ARCHIVED, "extra"]), JSON_VALUES | st.just(GONE)), min_size=1,
                max_size=3))
def test_generated_items_get_the_same_verdict(changes):
    item = copy.deepcopy(ARCHIVED)
    for name, value in changes:
        item = changed(name, value, item)
    valid, errors = is_valid(item), schema_errors(item)
    if valid:  # never laxer than the reference
        assert errors == []
    elif not errors:  # stricter only where a pattern's "$" meets a final newline
        assert any(isinstance(value, str) and value.endswith("\n") for value in _strings(item))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
