"""What the crawl hands the archive besides statements and events: raw pages and validators."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

#: The fields whose change makes a new version (translations and fetch times do not).
CONTENT_FIELDS = ("title", "published", "published_raw", "doc_number", "type", "tags",
                  "body_text", "body_html", "published_precision", "change_history", "withdrawn")


def content_hash(item: dict[str, Any]) -> str:
    """SHA-256 of the normalised content fields, as canonical JSON."""
    content = {name: item.get(name) for name in CONTENT_FIELDS}
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Validators:
    """What a server said to revalidate a page with (ETag, Last-Modified)."""

    url: str
    etag: str | None
    last_modified: str | None
    seen_at: str


@dataclass(frozen=True)
class Capture:
    """One fetched page, raw."""

    url: str
    fetched_at: str
    status: int
    kind: str | None
    headers: dict[str, str]
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()
