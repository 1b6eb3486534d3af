"""What the crawl hands the archive besides statements and events: raw pages and validators."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: The fields whose change makes a new version (translations and fetch times do not).
CONTENT_FIELDS = ("title", "published", "published_raw", "doc_number", "type", "tags",
                  "body_text", "body_html", "published_precision", "change_history", "withdrawn")


def content_hash(item: dict[str, Any]) -> str:
    """SHA-256 of the normalised content fields, as canonical JSON."""
    content = {name: item.get(name) for name in CONTENT_FIELDS}
    encoded = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def published_utc(published: str) -> str:
    """The instant of a ``published`` time in UTC, to the second, always 20 characters
    (``2026-09-30T00:00:00+09:00`` → ``2026-09-29T15:00:00Z``, ``2026-09-30T00:00:00+05:30`` →
    ``2026-09-29T18:30:00Z``): text whose bytewise order, on both backends and in Python, is the
    order of the instants, where the order of ``published`` itself is the local clock's. What the
    archive keeps in ``documents.published_utc`` (schema version 7) and orders statements by.

    A value that is no ISO 8601 time with an offset (the statement schema allows none; an archive
    written by other means might hold one) is given back as it is, and sorts by its text."""
    if not isinstance(published, str):
        return ""
    try:
        value = datetime.fromisoformat(published.strip().replace("Z", "+00:00"))
        if value.tzinfo is None:
            return published
        instant = value.astimezone(UTC)
    except (ValueError, OverflowError):
        return published
    return f"{instant.year:04d}-{instant:%m-%dT%H:%M:%S}Z"


#: Where a version came from: a crawl read the page when it fetched it; re-extraction read a raw
#: page the archive already held, with a later release's page objects (not an edit on the site).
ORIGINS = ("crawl", "reextract")


@dataclass(frozen=True)
class Provenance:
    """What produced a version of a statement."""

    extractor: str | None
    """The release and the page object that read it (``ministry-feeds 0.1.0
    crawler.pages.mid.MidArticlePage``); None for versions archived before this was recorded."""
    origin: str
    """One of :data:`ORIGINS`."""
    extracted_at: str
    """When it was read (ISO 8601 UTC): at the fetch for a crawl, at the run for re-extraction."""


@dataclass(frozen=True)
class Reading:
    """A statement read again from a raw page the archive holds (re-extraction)."""

    item: dict[str, Any]
    """The normalised, validated statement, with its ``extractor``; ``fetched_at`` is the raw
    page's."""
    raw_sha256: str | None
    """The raw page it was read from."""
    pending_url: str | None = None
    """The pending page it recovers, when it was one."""


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
