"""Reading the archive: statements by :class:`~crawler.store.selection.Selection`, their versions
and raw pages, what an incremental crawl needs to know, counts for the feed catalog and the dumps.

Statements come back as dicts: the schema's fields (the JSON of the latest version, or of one
version) plus the archive's own: ``version``, ``updated``, ``removed_at``, ``content_hash``,
``first_seen``, ``fetched_at``, ``same_as``, ``change_seq``.

Statements are ordered by the instant of their publication, then ``id``: by ``published_utc``
(:func:`crawler.store.records.published_utc`, schema version 7), never by the text of
``published``, whose offset is the source's (its text sorts by the local clock: Tokyo's midnight
before New Delhi's, which is 3.5 hours later). Text is compared bytewise on both backends. Dates
and months are the statement's own, local, as printed (``published``'s first characters):
:class:`~crawler.store.selection.Selection`'s ``since`` / ``until`` and the months below.
"""

from __future__ import annotations

import json
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from crawler.store.backend import ArchiveDamaged
from crawler.store.schema import TABLES
from crawler.store.selection import Selection, where

if TYPE_CHECKING:
    from crawler.store.backend import Connection

_DOCUMENT_COLUMNS = ("d.item, d.version, d.updated, d.removed_at, d.content_hash, d.first_seen, d.fetched_at,"
                     " d.same_as, d.change_seq, d.extractor, d.origin, d.extracted_at")
#: What :meth:`ArchiveReader.counts_by` can group by: a column, or a part of ``published``.
_GROUPS = {"source": "d.source", "language": "d.language", "type": "d.type",
           "year": "substr(d.published, 1, 4)", "month": "substr(d.published, 1, 7)"}


#: Every statement (the default selection: removed ones included, repeats not).
EVERYTHING = Selection()


def _document(row: tuple) -> dict[str, Any]:
    item = json.loads(row[0])
    item.update(version=row[1], updated=row[2], removed_at=row[3], content_hash=row[4], first_seen=row[5],
                fetched_at=row[6], same_as=row[7])
    item.update(change_seq=row[8], extractor=row[9], origin=row[10], extracted_at=row[11])
    return item


def _month_bounds(month: str) -> tuple[str, str]:
    """``published`` bounds of a month, as text ("2022-06" → "2022-06", "2022-07")."""
    year, number = int(month[:4]), int(month[5:7])
    following = f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"
    return month, following


def _headers(db: Connection, text: str, url: str) -> dict[str, Any]:
    """A fetch's headers as kept (a JSON object); ArchiveDamaged naming the archive and the fetch's
    URL when the row is damaged (not JSON, or not an object)."""
    try:
        headers = json.loads(text)
    except (TypeError, ValueError):
        headers = None
    if not isinstance(headers, dict):
        raise ArchiveDamaged(f"{db.location()}: damaged: the headers of a fetch of {url} are not a JSON object",
                           location=db.location())
    return headers


class ArchiveReader:
    """The reading half of :class:`crawler.store.ArchiveStore`."""

    db: Connection

    # --- statements ---------------------------------------------------------------------------------
    def get(self, doc_id: str) -> dict[str, Any] | None:
        """The latest version of one statement with its archive fields, or None."""
        row = self.db.one(f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ?", (doc_id,))  # noqa: S608
        return _document(row) if row else None

    def documents(self, selection: Selection = EVERYTHING, *, oldest_first: bool = False,
                  limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The selection's statements, newest publication first (or oldest first) by instant
        (``published_utc``, then ``id``), streaming; ``limit``: the first so many of that order."""
        condition, params = where(selection)
        order = "d.published_utc, d.id" if oldest_first else "d.published_utc DESC, d.id DESC"
        sql = f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE {condition} ORDER BY {order}"  # noqa: S608
        if limit is not None:
            return iter([_document(row) for row in self.db.all(f"{sql} LIMIT ?", (*params, int(limit)))])
        return (_document(row) for row in self.db.stream(sql, params))

    def documents_at(self, url: str) -> list[dict[str, Any]]:
        """Every statement archived at one page URL, exactly as given (repeats and removed ones
        included; usually none or one), as :meth:`get` gives it, in the order they were first
        seen (``first_seen``, then ``id``). An indexed read."""
        return [_document(row) for row in self.db.all(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents d WHERE d.url = ? ORDER BY d.first_seen, d.id",  # noqa: S608
            (url,))]

    def count_statements(self, selection: Selection = EVERYTHING) -> int:
        """How many statements a selection holds. A selection by tag slug is counted from the tag
        index (the work follows the tag, not the whole feed of its language)."""
        if selection.tag_slug is not None and selection.tag is None:
            condition, params = where(replace(selection, tag_slug=None))
            row = self.db.one("SELECT count(*) FROM document_tags t JOIN documents d ON d.id = t.doc_id"  # noqa: S608
                              f" WHERE t.slug = ? AND {condition}", (selection.tag_slug, *params))
        else:
            condition, params = where(selection)
            row = self.db.one(f"SELECT count(*) FROM documents d WHERE {condition}", params)  # noqa: S608
        assert row is not None
        return int(row[0])

    def versions(self, doc_id: str) -> list[dict[str, Any]]:
        """Every version of one statement, oldest first, with its provenance (``extractor``,
        ``origin``, ``extracted_at``; ``translations``: the statement's, see :func:`_with_links`)."""
        rows = self.db.all("SELECT v.item, v.version, v.content_hash, v.fetched_at, v.raw_sha256, d.item, v.extractor,"
                           " v.origin, v.extracted_at FROM versions v JOIN documents d ON d.id = v.id WHERE v.id = ?"
                           " ORDER BY v.version", (doc_id,))
        return [{**_with_links(json.loads(item), document), "version": version, "content_hash": digest,
                 "fetched_at": fetched_at, "raw_sha256": raw, "extractor": extractor, "origin": origin,
                 "extracted_at": extracted_at}
                for item, version, digest, fetched_at, raw, document, extractor, origin, extracted_at in rows]

    def version(self, doc_id: str, number: int) -> dict[str, Any] | None:
        """One version of one statement, as :meth:`versions` gives it (its fields, ``version``,
        ``content_hash``, ``fetched_at``, ``raw_sha256`` and its provenance), or None when the
        statement has no such version."""
        row = self.db.one("SELECT v.item, v.version, v.content_hash, v.fetched_at, v.raw_sha256, d.item, v.extractor,"
                          " v.origin, v.extracted_at FROM versions v JOIN documents d ON d.id = v.id"
                          " WHERE v.id = ? AND v.version = ?", (doc_id, number))
        if row is None:
            return None
        item, version, digest, fetched_at, raw, document, extractor, origin, extracted_at = row
        return {**_with_links(json.loads(item), document), "version": version, "content_hash": digest,
                "fetched_at": fetched_at, "raw_sha256": raw, "extractor": extractor, "origin": origin,
                "extracted_at": extracted_at}

    def version_records(self, selection: Selection = EVERYTHING) -> Iterator[dict[str, Any]]:
        """Every version of the selection's statements, oldest publication (instant) first and each
        statement's versions in order, streaming: the version's fields (``fetched_at``: when the
        version was fetched) and provenance (``extractor``, ``origin``, ``extracted_at``) with the
        statement's ``removed_at``, ``first_seen`` and ``same_as``."""
        condition, params = where(selection)
        sql = ("SELECT v.item, v.version, v.content_hash, v.fetched_at, d.removed_at, d.first_seen, d.same_as,"  # noqa: S608
               f" d.item, v.extractor, v.origin, v.extracted_at FROM versions v JOIN documents d ON d.id = v.id"
               f" WHERE {condition} ORDER BY d.published_utc, d.id, v.version")
        rows = self.db.stream(sql, params)
        for (item, version, digest, fetched_at, removed_at, first_seen, same_as, document, extractor, origin,
             extracted_at) in rows:
            record = _with_links(json.loads(item), document)
            record.update(version=version, content_hash=digest, fetched_at=fetched_at, removed_at=removed_at,
                          first_seen=first_seen, same_as=same_as, extractor=extractor, origin=origin,
                          extracted_at=extracted_at)
            yield record

    def edit_log(self, selection: Selection = EVERYTHING) -> list[dict[str, Any]]:
        """What happened to the selection's statements after they were first archived, without
        their texts (the feeds' lists of edits read it whole; two indexed reads): each version
        after the first and each removal, as ``kind`` (``version`` or ``removed``), ``id``,
        ``source``, ``language``, ``published`` (the statement's, now), ``version`` (the new
        version, or the one removed), ``at`` (the fetch that found the version, or ``removed_at``)
        and ``origin`` (what made the version: ``crawl`` or ``reextract``, schema version 5; the
        versions archived before are ``crawl``; None for a removal). In no particular order."""
        condition, params = where(selection)
        rows = self.db.all("SELECT 'version', d.id, d.source, d.language, d.published, v.version, v.fetched_at,"  # noqa: S608
                           f" v.origin FROM versions v JOIN documents d ON d.id = v.id"
                           f" WHERE {condition} AND v.version > 1", params)
        rows += self.db.all("SELECT 'removed', d.id, d.source, d.language, d.published, d.version, d.removed_at,"  # noqa: S608
                            f" NULL FROM documents d WHERE {condition} AND d.removed_at IS NOT NULL", params)
        names = ("kind", "id", "source", "language", "published", "version", "at", "origin")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def count_versions(self, selection: Selection = EVERYTHING) -> int:
        """How many versions the selection's statements have in all."""
        condition, params = where(selection)
        row = self.db.one(f"SELECT count(*) FROM versions v JOIN documents d ON d.id = v.id WHERE {condition}",  # noqa: S608
                          params)
        assert row is not None
        return int(row[0])

    def fetches(self, url: str | None = None) -> list[dict[str, Any]]:
        """The raw fetches kept (of one URL, or all), in the order they were made: ``url``,
        ``fetched_at``, ``status``, ``kind``, ``raw_sha256``, ``headers`` (a dict); the page
        itself is :meth:`raw_page` of its hash."""
        names = ("url", "fetched_at", "status", "kind", "raw_sha256", "headers")
        sql = f"SELECT {', '.join(names)} FROM fetches"  # noqa: S608
        rows = self.db.all(f"{sql} WHERE url = ? ORDER BY fetch_id", (url,)) if url is not None \
            else self.db.all(f"{sql} ORDER BY fetch_id")
        return [{**dict(zip(names, row, strict=True)), "headers": _headers(self.db, row[5], row[0])} for row in rows]

    def version_fetches(self, selection: Selection = EVERYTHING, *, all_versions: bool = False
                        ) -> Iterator[dict[str, Any]]:
        """The fetch each version of the selection's statements was read from (only the latest
        versions unless ``all_versions``), oldest publication (instant) first and each statement's versions
        in order, streaming: ``id``, ``version``, ``raw_sha256`` (None: no raw page was kept for
        that version) and ``fetch``: the first fetch that got those bytes, at the statement's URL
        if one did (``fetch_id``, ``url``, ``fetched_at``, ``status``, ``headers`` as a dict), or
        None."""
        condition, params = where(selection)
        latest = "" if all_versions else " AND v.version = d.version"
        sql = (f"SELECT v.id, v.version, v.raw_sha256, d.url FROM versions v JOIN documents d ON d.id = v.id"  # noqa: S608
               f" WHERE {condition}{latest} ORDER BY d.published_utc, d.id, v.version")
        names = ("fetch_id", "url", "fetched_at", "status", "headers")
        for doc_id, version, raw, url in self.db.stream(sql, params):
            row = self.db.one("SELECT fetch_id, url, fetched_at, status, headers FROM fetches WHERE raw_sha256 = ?"
                              " ORDER BY CASE WHEN url = ? THEN 0 ELSE 1 END, fetch_id LIMIT 1",
                              (raw, url)) if raw else None
            fetch = {**dict(zip(names, row, strict=True)), "headers": _headers(self.db, row[4], row[1])} \
                if row else None
            yield {"id": doc_id, "version": version, "raw_sha256": raw, "fetch": fetch}

    def raw_page(self, sha256: str) -> bytes | None:
        """A stored raw page by its hash; None when none is kept. ArchiveDamaged naming the archive
        and the hash when the stored bytes do not decompress (a damaged row)."""
        row = self.db.one("SELECT body FROM blobs WHERE sha256 = ?", (sha256,))
        if row is None:
            return None
        try:
            return zlib.decompress(bytes(row[0]))
        except (zlib.error, TypeError) as error:
            raise ArchiveDamaged(f"{self.db.location()}: damaged: the raw page {sha256} does not decompress ({error})",
                               location=self.db.location()) from None

    # --- what re-extraction reads -------------------------------------------------------------------
    def latest_raw_pages(self, selection: Selection = EVERYTHING, *, after: str = "",
                         limit: int = 500) -> list[dict[str, Any]]:
        """The statements of a selection whose id sorts after ``after`` (at most ``limit``, by id:
        page through with the last id), each with what re-reading its page needs: ``id``,
        ``source``, ``site``, ``url``, ``tags`` and ``published_raw`` (as archived), and
        ``raw_sha256``, the raw page its latest version was read from (None: a feed's item, or
        not kept)."""
        condition, params = where(selection)
        rows = self.db.all("SELECT d.id, d.source, d.site, d.url, d.item, v.raw_sha256 FROM documents d"  # noqa: S608
                           " JOIN versions v ON v.id = d.id AND v.version = d.version"
                           f" WHERE d.id > ? AND {condition} ORDER BY d.id LIMIT ?", (after, *params, limit))
        pages = []
        for doc_id, source, site, url, encoded, raw_sha256 in rows:
            item = json.loads(encoded)
            pages.append({"id": doc_id, "source": source, "site": site, "url": url, "tags": item.get("tags") or [],
                          "published_raw": item.get("published_raw"), "raw_sha256": raw_sha256})
        return pages

    def capture(self, sha256: str | None = None, *, url: str | None = None) -> dict[str, Any] | None:
        """A raw page kept, with its fetch: ``url``, ``fetched_at``, ``kind``, ``headers`` (a dict)
        and ``body`` (bytes). By its hash (the newest fetch that gave it, of ``url`` when one
        did), or the newest page fetched from ``url`` (an article's: not a feed document).
        None when the archive holds no such page."""
        select = "SELECT url, fetched_at, kind, headers, raw_sha256 FROM fetches"
        row = None
        if sha256 is not None:
            if url is not None:
                row = self.db.one(f"{select} WHERE url = ? AND raw_sha256 = ? ORDER BY fetch_id DESC LIMIT 1",
                                  (url, sha256))
            row = row or self.db.one(f"{select} WHERE raw_sha256 = ? ORDER BY fetch_id DESC LIMIT 1",
                                     (sha256,))
        elif url is not None:
            row = self.db.one(f"{select} WHERE url = ? AND raw_sha256 IS NOT NULL AND status = 200"
                              " AND (kind IS NULL OR kind != 'feed') ORDER BY fetch_id DESC LIMIT 1", (url,))
        body = self.raw_page(row[4]) if row else None
        if body is None:
            return None
        return {"url": row[0], "fetched_at": row[1], "kind": row[2], "headers": _headers(self.db, row[3], row[0]),
                "raw_sha256": row[4], "body": body}

    def last_feeds(self, url: str, limit: int) -> list[dict[str, Any]]:
        """The newest documents, each once, newest first and ``limit`` at most, of a feed that
        carries whole statements fetched from ``url`` (fetches of kind ``feed``, answered 200), as
        :meth:`capture` gives a page; [] when the archive holds none. (The newest may be one that
        did not read, a feed cut short: what the feed listed is then in the one before.)"""
        rows = self.db.all("SELECT raw_sha256, max(fetch_id) FROM fetches WHERE url = ? AND kind = 'feed'"
                           " AND status = 200 AND raw_sha256 IS NOT NULL GROUP BY raw_sha256"
                           " ORDER BY max(fetch_id) DESC LIMIT ?", (url, limit))
        return [self.capture(raw_sha256, url=url) for raw_sha256, _ in rows]

    def feed_captures(self) -> Iterator[dict[str, Any]]:
        """The raw documents of feeds that carry whole statements (fetches of kind ``feed``), each
        once, newest first: ``url``, ``fetched_at``, ``raw_sha256`` (their bodies by
        :meth:`raw_page`). Read in one query: one row per distinct document."""
        rows = self.db.all("SELECT url, raw_sha256, max(fetched_at), max(fetch_id) FROM fetches"
                           " WHERE kind = 'feed' AND raw_sha256 IS NOT NULL GROUP BY url, raw_sha256"
                           " ORDER BY max(fetch_id) DESC")
        for url, raw_sha256, fetched_at, _ in rows:
            yield {"url": url, "raw_sha256": raw_sha256, "fetched_at": fetched_at}

    # --- full-text search ---------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Statements (their latest title and body) holding every word of ``text`` (white
        space separates words; a word is found inside longer ones: "санкци" finds "санкций"),
        best match first (then the newest publication, by instant): ``id``, ``source``,
        ``language``, ``type``, ``published``, ``title``, ``url``. Case is ignored, in every script
        for words of three characters or more.

        On SQLite, words of three characters or more are looked up in the trigram index
        (``statement_search``, schema version 4), shorter ones ("王毅", "EU") compared with LIKE
        (a scan; ASCII case only). On PostgreSQL (no index kept: explore a snapshot), every word
        is compared in lower case (a scan)."""
        words = text.split()
        if not words:
            return []
        columns = "d.id, d.source, d.language, d.type, d.published"
        names = ("id", "source", "language", "type", "published", "title", "url")
        if self.db.backend == "sqlite":
            long_words = [w for w in words if len(w) >= 3]
            clauses, params = [], []
            for word in (w for w in words if len(w) < 3):
                pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                clauses.append("(t.title LIKE ? ESCAPE '\\' OR t.body LIKE ? ESCAPE '\\')")
                params += [pattern, pattern]
            if long_words:
                match = " ".join('"' + word.replace('"', '""') + '"' for word in long_words)
                sql = (f"SELECT {columns}, t.title, d.url FROM statement_search s"  # noqa: S608
                       " JOIN statement_text t ON t.search_id = s.rowid JOIN documents d ON d.id = t.doc_id"
                       f" WHERE statement_search MATCH ? {''.join(' AND ' + c for c in clauses)}"
                       " ORDER BY s.rank, d.published_utc DESC, d.id LIMIT ?")
                rows = self.db.all(sql, (match, *params, limit))
            else:
                sql = (f"SELECT {columns}, t.title, d.url FROM statement_text t JOIN documents d ON d.id = t.doc_id"  # noqa: S608
                       f" WHERE {' AND '.join(clauses)} ORDER BY d.published_utc DESC, d.id LIMIT ?")
                rows = self.db.all(sql, (*params, limit))
        else:
            clauses = ["(strpos(lower(d.item::jsonb ->> 'title'), lower(?)) > 0"
                       " OR strpos(lower(d.item::jsonb ->> 'body_text'), lower(?)) > 0)"] * len(words)
            params = [value for word in words for value in (word, word)]
            rows = self.db.all(f"SELECT {columns}, d.item::jsonb ->> 'title', d.url FROM documents d"  # noqa: S608
                               f" WHERE {' AND '.join(clauses)} ORDER BY d.published_utc DESC, d.id LIMIT ?",
                               (*params, limit))
        return [dict(zip(names, row, strict=True)) for row in rows]

    # --- months of a selection (the feeds' archive documents) ------------------------------------------
    #: Inside a snapshot the archive cannot change: the months of a selection, once read, answer
    #: the questions about its months below without asking the database again.
    _months_read: dict[Selection, list[tuple[str, int]]] | None = None

    def count_in_month(self, selection: Selection, month: str) -> int:
        """Statements of a selection published in a month, ``YYYY-MM``."""
        known = self._months_read.get(selection) if self._months_read is not None else None
        if known is not None:
            return dict(known).get(month, 0)
        return self.count_statements(selection.within_month(month))

    def documents_in_month(self, selection: Selection, month: str, *,
                           oldest_first: bool = True) -> Iterator[dict[str, Any]]:
        """A selection's statements of one month, ``YYYY-MM`` (the month they print, local:
        ``published``'s), oldest first (or newest first) by instant, as :meth:`documents`,
        streaming: however many share the month, they are not held at once."""
        return self.documents(selection.within_month(month), oldest_first=oldest_first)

    def months(self, selection: Selection) -> list[tuple[str, int]]:
        """(YYYY-MM, statements) of the months a selection spans, oldest first."""
        if self._months_read is not None and selection in self._months_read:
            return list(self._months_read[selection])
        months = [(month, count) for (month,), count in self.counts_by(selection, "month").items()]
        if self._months_read is not None:
            self._months_read[selection] = months
        return list(months)

    def neighbour_month(self, selection: Selection, month: str, *, before: bool) -> str | None:
        """The nearest month before (or after) ``month`` in which the selection has statements.

        Months are local (``published``'s first seven characters), and so is this order: the text
        of ``published`` sorts by its month first, whatever the offsets (by instant, a statement of
        an earlier month can come after one of a later month, near their boundary)."""
        known = self._months_read.get(selection) if self._months_read is not None else None
        if known is not None:
            names = [name for name, _ in known]
            if before:
                index = bisect_left(names, month)
                return names[index - 1] if index else None
            index = bisect_right(names, month)
            return names[index] if index < len(names) else None
        low, high = _month_bounds(month)
        condition, params = where(selection)
        if before:
            sql = (f"SELECT substr(d.published, 1, 7) FROM documents d WHERE {condition}"  # noqa: S608
                   " AND d.published < ? ORDER BY d.published DESC LIMIT 1")
            row = self.db.one(sql, (*params, low))
        else:
            sql = (f"SELECT substr(d.published, 1, 7) FROM documents d WHERE {condition}"  # noqa: S608
                   " AND d.published >= ? ORDER BY d.published LIMIT 1")
            row = self.db.one(sql, (*params, high))
        return row[0] if row else None

    def newest_month(self, selection: Selection) -> str | None:
        """The newest of the selection's months (local, as :meth:`neighbour_month`'s; the
        newest statement's by instant may be of the month before, near its end)."""
        known = self._months_read.get(selection) if self._months_read is not None else None
        if known is not None:
            return known[-1][0] if known else None
        condition, params = where(selection)
        row = self.db.one(f"SELECT substr(d.published, 1, 7) FROM documents d WHERE {condition}"  # noqa: S608
                          " ORDER BY d.published DESC LIMIT 1", params)
        return row[0] if row else None

    # --- counts ---------------------------------------------------------------------------------------
    def counts_by(self, selection: Selection, *groups: str) -> dict[tuple[str, ...], int]:
        """Statements of a selection counted by ``groups`` (``source``, ``language``, ``type``,
        ``year``, ``month``), in the order of the groups' values."""
        unknown = set(groups) - set(_GROUPS)
        if unknown or not groups:
            raise ValueError(f"cannot count by {sorted(unknown) or 'nothing'}")
        columns = ", ".join(_GROUPS[name] for name in groups)
        condition, params = where(selection)
        numbers = ", ".join(str(n) for n in range(1, len(groups) + 1))
        rows = self.db.all(f"SELECT {columns}, count(*) FROM documents d WHERE {condition}"  # noqa: S608
                           f" GROUP BY {numbers} ORDER BY {numbers}", params)
        return {tuple(row[:-1]): int(row[-1]) for row in rows}

    def tag_counts(self, selection: Selection) -> list[tuple[str, str, int]]:
        """(slug, tag, statements) of every tag in a selection, by slug; a slug's tag is the
        first of its spellings in bytewise order."""
        condition, params = where(selection)
        rows = self.db.all("SELECT t.slug, min(t.tag), count(*) FROM document_tags t"  # noqa: S608
                           f" JOIN documents d ON d.id = t.doc_id WHERE {condition} GROUP BY t.slug ORDER BY t.slug",
                           params)
        return [(slug, tag, int(count)) for slug, tag, count in rows]

    def tag_counts_by(self, selection: Selection, *groups: str) -> dict[tuple[str, ...], int]:
        """Statements of a selection counted by tag slug and ``groups`` (as :meth:`counts_by`):
        ``(slug, *values) → statements``, a statement counted once per slug (two spellings of a
        tag share one), in the order of the slugs and values. One query for every tag's feed."""
        unknown = set(groups) - set(_GROUPS)
        if unknown:
            raise ValueError(f"cannot count by {sorted(unknown)}")
        columns = ", ".join(["t.slug", *(_GROUPS[name] for name in groups)])
        condition, params = where(selection)
        numbers = ", ".join(str(n) for n in range(1, len(groups) + 2))
        rows = self.db.all(f"SELECT {columns}, count(DISTINCT d.id) FROM document_tags t"  # noqa: S608
                           f" JOIN documents d ON d.id = t.doc_id WHERE {condition}"
                           f" GROUP BY {numbers} ORDER BY {numbers}", params)
        return {tuple(row[:-1]): int(row[-1]) for row in rows}

    def tag_for_slug(self, slug: str) -> str | None:
        """The tag a slug stands for (the first of its spellings), or None."""
        row = self.db.one("SELECT min(tag) FROM document_tags WHERE slug = ?", (slug,))
        return row[0] if row else None

    def count(self, table: str = "documents") -> int:
        """Rows in one of the archive's tables."""
        if table not in TABLES:
            raise ValueError(f"no table {table!r}")
        row = self.db.one(f"SELECT count(*) FROM {table}")  # noqa: S608
        assert row is not None
        return int(row[0])

    def integrity_problems(self) -> list[str]:
        """What is wrong with the archive's rows, one line each (none: nothing): the database's
        own check (SQLite), rows pointing at missing ones, statements without their versions."""
        problems = [row[0] for row in self.db.all("PRAGMA integrity_check") if row[0] != "ok"] \
            if self.db.backend == "sqlite" else []
        checks = {
            "versions of no statement": "SELECT count(*) FROM versions v WHERE NOT EXISTS"
                                        " (SELECT 1 FROM documents d WHERE d.id = v.id)",
            "tags of no statement": "SELECT count(*) FROM document_tags t WHERE NOT EXISTS"
                                    " (SELECT 1 FROM documents d WHERE d.id = t.doc_id)",
            "statements without their latest version": "SELECT count(*) FROM documents d WHERE NOT EXISTS"
                                                       " (SELECT 1 FROM versions v WHERE v.id = d.id"
                                                       " AND v.version = d.version)",
            "fetches of a missing raw page": "SELECT count(*) FROM fetches f WHERE f.raw_sha256 IS NOT NULL AND"
                                             " NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.raw_sha256)",
            "changes after the change sequence": "SELECT count(*) FROM documents WHERE change_seq >"
                                                 " (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq')",
        }
        if self.db.backend == "sqlite":
            checks["statements missing from the full-text index"] = (
                "SELECT count(*) FROM documents d WHERE NOT EXISTS"
                " (SELECT 1 FROM statement_text t WHERE t.doc_id = d.id)")
        for problem, sql in checks.items():
            row = self.db.one(sql)
            if row and row[0]:
                problems.append(f"{row[0]} {problem}")
        return problems

    def change_seq(self) -> int:
        """The last change's sequence number; ArchiveDamaged when the archive's ``meta`` row of it is
        missing or not a number (a damaged archive)."""
        row = self.db.one("SELECT value FROM meta WHERE key = 'change_seq'")
        try:
            return int(row[0])  # type: ignore[index]
        except (TypeError, ValueError):
            raise ArchiveDamaged(f"{self.db.location()}: damaged: meta.change_seq is "
                               f"{'missing' if row is None else repr(row[0])}, not a number",
                               location=self.db.location()) from None

    # --- what crawls need -------------------------------------------------------------------------------
    #: What incremental crawls need to know of a page (see :meth:`known_page`).
    PAGE_FIELDS = ("url", "id", "published", "fetched_at", "removed_at", "etag", "last_modified")
    _PAGE_SELECT = ("SELECT d.url, d.id, d.published, d.fetched_at, d.removed_at, v.etag, v.last_modified"
                    " FROM documents d LEFT JOIN validators v ON v.url = d.url")

    def known_page(self, url: str) -> dict[str, Any] | None:
        """What incremental crawls need to know of one page: ``url``, ``id``, ``published``, last
        fetch (``fetched_at``), ``removed_at``, and the validators its server gave (``etag``,
        ``last_modified``): a listing page has only these, its other fields None; None for a page
        the archive does not know. An indexed read (tens of microseconds on SQLite); of several
        documents at one URL, the one archived last."""
        row = self.db.one(f"{self._PAGE_SELECT} WHERE d.url = ? ORDER BY d.first_seen DESC, d.id DESC LIMIT 1",
                          (url,))
        if row is None:
            row = self.db.one("SELECT url, NULL, NULL, seen_at, NULL, etag, last_modified FROM validators"
                              " WHERE url = ?", (url,))
        return dict(zip(self.PAGE_FIELDS, row, strict=True)) if row is not None else None

    def archived_date(self, url: str) -> str | None:
        """The date string the statement archived last at a page URL was dated from (its
        ``published_raw``: the date the page printed, its metadata's or its listing's), or None:
        no statement there, or one dated from its document number. An indexed read."""
        row = self.db.one("SELECT item FROM documents WHERE url = ? ORDER BY first_seen DESC, id DESC LIMIT 1",
                          (url,))
        return json.loads(row[0]).get("published_raw") if row is not None else None

    def archived_pages(self) -> Iterator[dict[str, Any]]:
        """Every archived document's page as :meth:`known_page` gives it (one a URL), streaming."""
        latest = ("WHERE d.id = (SELECT d2.id FROM documents d2 WHERE d2.url = d.url"
                  " ORDER BY d2.first_seen DESC, d2.id DESC LIMIT 1)")
        for row in self.db.stream(f"{self._PAGE_SELECT} {latest}"):
            yield dict(zip(self.PAGE_FIELDS, row, strict=True))

    def linked_versions(self, source: str, since: str) -> Iterator[dict[str, str]]:
        """The language versions (``translations``: language → statement URL) of each of a
        source's statements still on its site, first archived or last fetched at ``since`` or
        later (UTC, ``2026-07-01T09:30:00Z``), that links any, streaming: what a crawl that
        follows an article's links finds in the articles it skips as archived and unchanged."""
        rows = self.db.stream("SELECT item FROM documents WHERE source = ? AND removed_at IS NULL"
                              " AND (first_seen >= ? OR fetched_at >= ?) AND item LIKE ?",
                              (source, since, since, '%"translations"%'))
        for (item,) in rows:
            translations = json.loads(item).get("translations") or {}
            if translations:
                yield dict(translations)

    def unfetched(self, urls: Iterable[str]) -> list[str]:
        """The URLs, of those given, at which no statement is archived (removed ones included)
        and no failed fetch is pending: pages never read, in the order given, once each. An
        indexed read a URL."""
        return [url for url in dict.fromkeys(urls)
                if self.db.one("SELECT 1 FROM documents WHERE url = ? LIMIT 1", (url,)) is None
                and self.db.one("SELECT 1 FROM pending WHERE url = ?", (url,)) is None]

    def pending(self, spider: str) -> list[dict[str, Any]]:
        """Articles of a spider that failed before, fewest attempts first: ``url``, ``spider``,
        ``reason``, ``attempts``, ``first_failed``, ``last_failed``, ``tags`` (JSON list),
        ``listing_date``."""
        names = TABLES["pending"][0]
        rows = self.db.all(f"SELECT {', '.join(names)} FROM pending WHERE spider = ?"  # noqa: S608
                           " ORDER BY attempts, first_failed, url", (spider,))
        return [dict(zip(names, row, strict=True)) for row in rows]

    def pending_counts(self, max_attempts: int) -> dict[str, tuple[int, int]]:
        """Spider → (articles still to be retried, articles given up after ``max_attempts``)."""
        rows = self.db.all(
            "SELECT spider, sum(CASE WHEN attempts < ? THEN 1 ELSE 0 END),"
            " sum(CASE WHEN attempts >= ? THEN 1 ELSE 0 END) FROM pending GROUP BY spider ORDER BY spider",
            (max_attempts, max_attempts))
        return {spider: (int(waiting), int(given_up)) for spider, waiting, given_up in rows}

    def listing_walks(self, spider: str) -> set[tuple[str, str]]:
        """(language, section) of the listings a finished crawl of the spider has read."""
        return {(language, section) for language, section in
                self.db.all("SELECT language, section FROM listing_walks WHERE spider = ?", (spider,))}

    def health(self) -> dict[str, dict[str, Any]]:
        """Every crawl target's health record: ``name``, ``last_run``, ``last_success``,
        ``consecutive_failures``, ``last_error``."""
        names = TABLES["health"][0]
        rows = self.db.all(f"SELECT {', '.join(names)} FROM health ORDER BY name")  # noqa: S608
        return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def _with_links(version: dict[str, Any], document: str) -> dict[str, Any]:
    """A version's fields with its statement's language versions as the archive knows them now.

    Translations are links between statements, not part of a version's text (they make no new
    version, see :data:`crawler.store.records.CONTENT_FIELDS`): a language version archived after this
    one is linked to every version of it, so an archive reads the same whichever language a
    crawl happened to write first."""
    if '"translations"' in document:
        version["translations"] = json.loads(document).get("translations", {})
    return version
