"""Checks every statement against the published JSON Schema before it reaches the archive.

Two validators of the one schema (``schema/statement.schema.json``): fastjsonschema's, compiled
once into Python code when this module loads, decides (in about a twentieth of jsonschema's
time: 8 µs against 200 µs for a mid.ru statement); jsonschema's reference validator explains an
item the first one rejects, with every error and its path. ``tests/test_validate.py`` holds the
two to the same verdicts over a table of invalid items and generated ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import fastjsonschema
from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem

from crawler.events import emit
from crawler.items import FetchFailed, Statement, statement_schema
from crawler.normalise.statement import now_utc

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

_REFERENCE = Draft202012Validator(statement_schema())
# use_default=False: a validator must not fill in the schema's defaults (it declares none anyway).
_COMPILED = fastjsonschema.compile(statement_schema(), use_default=False)


def schema_errors(item: dict[str, Any]) -> list[str]:
    """Every way the item breaks the schema, as ``path: message`` lines (jsonschema's reference
    validator: thorough, slow)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(item)'}: {error.message}"
        for error in sorted(_REFERENCE.iter_errors(item), key=lambda e: list(e.absolute_path))
    ]


def is_valid(item: dict[str, Any]) -> bool:
    """Whether the item meets the schema (the compiled validator: fast, stops at the first error)."""
    try:
        _COMPILED(item)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validation_errors(item: dict[str, Any]) -> list[str]:
    """``[]`` for a valid item; else every way it breaks the schema (see :func:`schema_errors`),
    or the compiled validator's own reason should the reference validator find none."""
    try:
        _COMPILED(item)
    except fastjsonschema.JsonSchemaException as error:
        path = "/".join(str(part) for part in error.path[1:]) or "(item)"  # path[0] is "data"
        return schema_errors(item) or [f"{path}: {error.message.removeprefix(error.name).strip()}"]
    return []


def as_record(item: Any) -> dict[str, Any]:
    """The item as the plain dict the schema describes (once per item: the archive takes it as is)."""
    if isinstance(item, Statement):
        return item.to_dict()
    if isinstance(item, dict):
        return item
    return ItemAdapter(item).asdict()


class ValidatePipeline:
    """Passes on a valid statement as the dict that was checked (so the archive stores exactly
    what was validated); drops an invalid one with its URL and the reasons, counts it in
    ``mf/items/invalid`` and records it as a failed fetch (pending, raw page kept, retried next
    run): never lost."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> dict[str, Any]:
        data = as_record(item)
        errors = validation_errors(data)
        if errors:
            field = errors[0].split(":", 1)[0].split("/", 1)[0].strip("()")  # what failed first
            self.stats.inc_value("mf/items/invalid")
            self.stats.inc_value(f"mf/items/invalid/{field}")
            emit(self.crawler, FetchFailed(str(data.get("url")), getattr(self.crawler.spider, "name", "unknown"),
                                           f"invalid: {field}", now_utc(), list(data.get("tags") or [])))
            raise DropItem(f"invalid item {data.get('url')}: {'; '.join(errors[:5])}")
        return data
