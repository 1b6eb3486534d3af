"""Edits and removals on the ministries' sites, as the feeds show them: what counts as an edit,
every edit and removal of a feed's statements (its ``edits.atom``), and the last edit of one
statement (the "Changed on" section of its entry).

A statement's new version is an edit on the site unless the archive says re-extraction made it
(``origin`` ``reextract``: today's page objects reading an archived page again, which is no
change on the site). :func:`is_site_edit` is the one place that is decided; a version without an
``origin`` (archived before origins were recorded) came from a crawl.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from crawler.normalise.dates import parse_timestamp
from feeds.diff import StatementDiff, diff_statements

if TYPE_CHECKING:
    from collections.abc import Mapping

    from crawler.store import ArchiveStore, Selection

logger = logging.getLogger(__name__)

EDITED, REMOVED = "edited", "removed"


def is_site_edit(version: Mapping[str, Any]) -> bool:
    """Whether an archived version (a version record, or a statement as its latest version) was
    made by an edit on the ministry's site: anything but a re-extraction (``origin``
    ``reextract``). Without ``origin`` (older archives), a crawl: an edit."""
    return version.get("origin") != "reextract"


@dataclass(frozen=True)
class SiteChange:
    """One edit or removal of a statement on the ministry's site: an entry of its feed's
    ``edits.atom``."""

    kind: str
    """:data:`EDITED` (a new version found) or :data:`REMOVED` (the page gone)."""
    doc_id: str
    source: str
    language: str
    published: str
    """The statement's publication time now (where its entry stands in its feed's archive)."""
    version: int
    """The new version (an edit), or the last version before the page went (a removal)."""
    at: datetime
    """When the crawl found it: the fetch of the new version, or ``removed_at``."""

    @property
    def key(self) -> str:
        """Its id among the feed's entries, the statement's id plus the version (and "removed"):
        ``mid:en:1820480/v2``, ``mid:en:1820480/v2/removed``. The same in every publication."""
        return f"{self.doc_id}/v{self.version}" + ("/removed" if self.kind == REMOVED else "")

    @property
    def month(self) -> str:
        """``YYYY-MM`` of :attr:`at`, in UTC: the archive document of ``edits.atom`` it stands in."""
        return self.at.astimezone(UTC).strftime("%Y-%m")

    def order(self) -> tuple[datetime, str, int, str]:
        """Oldest first by this; newest first by its reverse."""
        return self.at, self.doc_id, self.version, self.kind


def site_changes(store: ArchiveStore, selection: Selection) -> list[SiteChange]:
    """Every edit (a new version that :func:`is_site_edit`) and removal of the selection's
    statements, newest first. Reads the archive's log of versions and removals, not the texts."""
    changes = []
    for record in store.edit_log(selection):
        if record["kind"] == "version" and not is_site_edit(record):
            continue
        at = parse_timestamp(record["at"])
        if at is None:  # the archive writes these times itself: only a damaged row lands here
            logger.warning("Statement %s: version %s has no valid time (%r); not listed among edits",
                           record["id"], record["version"], record["at"])
            continue
        changes.append(SiteChange(EDITED if record["kind"] == "version" else REMOVED, record["id"],
                                  record["source"], record["language"], record["published"],
                                  int(record["version"]), at))
    changes.sort(key=SiteChange.order, reverse=True)
    return changes


def change_versions(store: ArchiveStore, change: SiteChange) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The versions a change is about: (the one before, the new one) for an edit, (None, the last
    one) for a removal; None where the archive does not hold it."""
    if change.kind == REMOVED:
        return None, store.version(change.doc_id, change.version)
    return store.version(change.doc_id, change.version - 1), store.version(change.doc_id, change.version)


#: Comparisons of two versions, by their content hashes and numbers: a publication shows an
#: edit twice (the statement's entry, the edits feed's), and the dumps once more.
_DIFFS: OrderedDict[tuple[str, str, int, int], StatementDiff] = OrderedDict()
_DIFFS_KEPT = 2048


def versions_diff(older: dict[str, Any], newer: dict[str, Any]) -> StatementDiff:
    """``feeds.diff.diff_statements`` of two archived versions, computed once for the same pair
    (the archive's content hashes say when it is the same)."""
    key = (older.get("content_hash"), newer.get("content_hash"), older.get("version"), newer.get("version"))
    if None in key:
        return diff_statements(older, newer)
    found = _DIFFS.get(key)
    if found is None:
        found = _DIFFS[key] = diff_statements(older, newer)
        if len(_DIFFS) > _DIFFS_KEPT:
            _DIFFS.popitem(last=False)
    else:
        _DIFFS.move_to_end(key)
    return found


@dataclass(frozen=True)
class SiteEdit:
    """The last edit of a statement on the ministry's site."""

    version: int
    """The version the edit made."""
    at: datetime
    """When the crawl found it."""
    diff: StatementDiff
    """What changed from the version before it."""


def last_site_edit(store: ArchiveStore, doc: dict[str, Any]) -> SiteEdit | None:
    """The latest edit on the site among a statement's versions; None for a statement never
    edited there (one version, or only re-extractions). ``doc``: the statement as the archive
    gives it (``id``, ``version`` and, in archives that record it, ``origin``). Reads the last
    two versions when the latest is the edit (the usual case), every version otherwise."""
    latest = doc.get("version") or 1
    if latest < 2:
        return None
    if is_site_edit(doc):
        pairs = [(store.version(doc["id"], latest - 1), store.version(doc["id"], latest))]
    else:
        pairs = list(pairwise(store.versions(doc["id"])))[::-1]
    for older, newer in pairs:
        if older is None or newer is None or not is_site_edit(newer):
            continue
        at = parse_timestamp(newer.get("fetched_at"))
        if at is not None:
            return SiteEdit(newer["version"], at, versions_diff(older, newer))
    return None
