"""Which archived statements a reader wants, said as data: a :class:`Selection`.

Feeds, exports and dumps describe what they read with one; the store alone turns it into a query
(:func:`where`). A selection is plain data, so it can be kept in a file (the publish state) as
JSON and read back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Selection:
    """Archived statements (their latest versions) by what they are.

    Every field left at its default selects everything; fields combine with AND. Dates compare
    with the local date of publication as printed (``published``'s first ten characters).
    """

    source: str | None = None
    """A source of the registry (``mid``)."""
    language: str | None = None
    """A BCP 47 language tag (``en``)."""
    type: str | None = None
    """A document type (``briefing``)."""
    tag: str | None = None
    """A tag, exactly as the site names it."""
    tag_slug: str | None = None
    """A tag by its slug (see crawler.normalise.slugs): what a tag's feed is keyed by."""
    since: date | None = None
    """Published on this day or later."""
    until: date | None = None
    """Published on this day or earlier."""
    include_removed: bool = True
    """Statements gone from the ministry's site (``removed_at``) too."""
    include_repeats: bool = False
    """Documents that repeat an earlier one (``same_as``, the same document on a second site) too."""
    changed_after: int | None = None
    """Only statements whose shown content changed after this change sequence number."""

    def within_month(self, month: str) -> Selection:
        """The same selection limited to one month, ``YYYY-MM``."""
        first = date(int(month[:4]), int(month[5:7]), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return replace(self, since=first, until=following - timedelta(days=1))

    def to_json(self) -> dict[str, Any]:
        """The fields that differ from the defaults, as JSON values (dates as ``YYYY-MM-DD``)."""
        data: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value != spec.default:
                data[spec.name] = value.isoformat() if isinstance(value, date) else value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Selection:
        """Read back what :meth:`to_json` wrote; raises ValueError for anything else."""
        names = {spec.name for spec in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"not a selection: unknown fields {sorted(unknown)}")
        values = dict(data)
        for name in ("since", "until"):
            if values.get(name) is not None:
                values[name] = date.fromisoformat(values[name])
        return cls(**values)


def where(selection: Selection, alias: str = "d") -> tuple[str, list[Any]]:
    """The SQL condition on the ``documents`` table (as ``alias``) and its parameters.

    Date bounds become a range of ``published`` (``>= since``, ``< until + 1 day``): the same
    statements as comparing its first ten characters. They also bound ``published_utc`` a day
    wider on each side (no UTC offset reaches a day: +14:00 and -12:00 are the extremes), which
    selects nothing more: so the indexes on ``published_utc`` can serve both the range and the
    order by instant (crawler.store.reading), with no sort of the month's rows.
    """
    clauses: list[str] = []
    params: list[Any] = []
    for column in ("source", "language", "type"):
        value = getattr(selection, column)
        if value is not None:
            clauses.append(f"{alias}.{column} = ?")
            params.append(value)
    if selection.tag is not None:
        clauses.append(f"{alias}.id IN (SELECT doc_id FROM document_tags WHERE tag = ?)")  # noqa: S608
        params.append(selection.tag)
    if selection.tag_slug is not None:
        clauses.append(f"{alias}.id IN (SELECT doc_id FROM document_tags WHERE slug = ?)")  # noqa: S608
        params.append(selection.tag_slug)
    if selection.since is not None:
        clauses.append(f"{alias}.published >= ? AND {alias}.published_utc >= ?")
        params += [selection.since.isoformat(), f"{selection.since - timedelta(days=1)}T00:00:00Z"]
    if selection.until is not None:
        clauses.append(f"{alias}.published < ? AND {alias}.published_utc < ?")
        params += [(selection.until + timedelta(days=1)).isoformat(),
                   f"{selection.until + timedelta(days=2)}T00:00:00Z"]
    if not selection.include_removed:
        clauses.append(f"{alias}.removed_at IS NULL")
    if not selection.include_repeats:
        clauses.append(f"{alias}.same_as IS NULL")
    if selection.changed_after is not None:
        clauses.append(f"{alias}.change_seq > ?")
        params.append(selection.changed_after)
    return (" AND ".join(clauses) or "1 = 1"), params
