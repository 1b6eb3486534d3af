"""Checks every statement against the published JSON Schema before it reaches the archive."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from jsonschema import Draft202012Validator
from scrapy.exceptions import DropItem

from crawler.events import emit
from crawler.items import FetchFailed, statement_schema
from crawler.normalise.statement import now_utc

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

_VALIDATOR = Draft202012Validator(statement_schema())


def schema_errors(item: dict[str, Any]) -> list[str]:
    """Every way the item breaks the schema, as ``path: message`` lines."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(item)'}: {error.message}"
        for error in sorted(_VALIDATOR.iter_errors(item), key=lambda e: list(e.absolute_path))
    ]


class ValidatePipeline:
    """Drops an invalid item with its URL and the reasons; counts it in ``mf/items/invalid`` and
    records it as a failed fetch (pending, raw page kept, retried next run): never lost."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        data = ItemAdapter(item).asdict()
        errors = schema_errors(data)
        if errors:
            field = errors[0].split(":", 1)[0].split("/", 1)[0].strip("()")  # what failed first
            self.stats.inc_value("mf/items/invalid")
            self.stats.inc_value(f"mf/items/invalid/{field}")
            emit(self.crawler, FetchFailed(str(data.get("url")), getattr(self.crawler.spider, "name", "unknown"),
                                           f"invalid: {field}", now_utc(), list(data.get("tags") or [])))
            raise DropItem(f"invalid item {data.get('url')}: {'; '.join(errors[:5])}")
        return item
