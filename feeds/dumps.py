"""Published dumps for researchers, in ``data/``: ``<source>/<language>/<year>.jsonl.gz`` with every
version of every statement published that year (removed ones included), beside it
``<year>.qa.jsonl.gz`` with the question–answer pairs of those versions' briefings
(:mod:`feeds.qa`; empty when the year has none, so every year has both), ``manifest.json`` and
``SHA256SUMS`` listing both kinds.

Gzip headers carry no time, so the same archive gives the same bytes; a year whose lines did not
change is not rewritten, and the manifest is rewritten only when a file changed. Every file is
written beside its target and renamed over it (:func:`crawler.files.write_atomic`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.files import write_atomic
from crawler.items import statement_schema
from crawler.store import Selection
from feeds.jsonl import ExportQuery, encode, lines
from feeds.qa import encode_qa, qa_lines, qa_schema

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
#: The manifest's ``kind`` of each file: a year's statements, and their question–answer pairs.
STATEMENTS, QA = "statements", "qa"


def dump_path(source: str, language: str, year: str, kind: str = STATEMENTS) -> str:
    """A year's dump of one kind, relative to ``data/``: ``mid/en/2022.jsonl.gz``,
    ``mid/en/2022.qa.jsonl.gz``."""
    return f"{source}/{language}/{year}.{'qa.' if kind == QA else ''}jsonl.gz"


def dump_keys(store: ArchiveStore) -> list[tuple[str, str, str]]:
    """Every (source, language, year) the archive holds (removed statements and repeats too)."""
    return list(store.counts_by(Selection(include_repeats=True), "source", "language", "year"))


def _year_query(source: str, language: str, year: str) -> ExportQuery:
    """Every version of the statements of one source and language published in ``year``."""
    return ExportQuery(source=source, language=language, since=datetime(int(year), 1, 1).date(),
                       until=datetime(int(year), 12, 31).date(), versions="all", include_removed=True,
                       include_repeats=True)


def _gzipped(records: Iterable[dict[str, Any]], encoder: Callable[[dict[str, Any]], bytes],
             id_field: str) -> tuple[bytes, dict[str, Any]]:
    """Lines gzipped without a time in the header, and their counts for the manifest."""
    buffer = io.BytesIO()
    count, ids, first, last = 0, set(), None, None
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        for line in records:
            out.write(encoder(line))
            count += 1
            ids.add(line[id_field])
            first = first or line["published"]
            last = line["published"]
    data = buffer.getvalue()
    return data, {"lines": count, "statements": len(ids), "first_published": first, "last_published": last,
                  "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def render_year(store: ArchiveStore, source: str, language: str, year: str) -> tuple[bytes, dict[str, Any]]:
    """One year's gzipped JSON Lines of statements and its manifest entry."""
    data, counts = _gzipped(lines(store, _year_query(source, language, year)), encode, "id")
    return data, {"path": dump_path(source, language, year), "kind": STATEMENTS, "source": source,
                  "language": language, "year": int(year), **counts}


def render_qa_year(store: ArchiveStore, source: str, language: str, year: str) -> tuple[bytes, dict[str, Any]]:
    """One year's gzipped question–answer pairs and its manifest entry (``statements``: the
    briefings that gave pairs)."""
    data, counts = _gzipped(qa_lines(store, _year_query(source, language, year)), encode_qa, "statement_id")
    return data, {"path": dump_path(source, language, year, QA), "kind": QA, "source": source,
                  "language": language, "year": int(year), **counts}


def publish_dumps(store: ArchiveStore, folder: Path, affected: set[tuple[str, str, str]] | None) -> list[str]:
    """Write the years that changed (all when ``affected`` is None); returns paths written."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entries = {entry["path"]: entry for entry in manifest["files"]}
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        manifest, entries, affected = None, {}, None
    if affected is None:
        keys = dump_keys(store)
    else:  # the years published before, and those that changed (new ones among them)
        keys = sorted({(e["source"], e["language"], f"{e['year']:04d}") for e in entries.values()} | affected)
    written: list[str] = []
    current: set[str] = set()
    for source, language, year in keys:
        paths = (dump_path(source, language, year), dump_path(source, language, year, QA))
        if affected is not None and (source, language, year) not in affected and all(p in entries for p in paths):
            current.update(paths)
            continue
        rendered = render_year(store, source, language, year)
        if not rendered[1]["lines"]:  # every statement of that year moved to another one
            for path in paths:
                entries.pop(path, None)
                (folder / path).unlink(missing_ok=True)
            continue
        for data, entry in (rendered, render_qa_year(store, source, language, year)):
            path = entry["path"]
            current.add(path)
            entries[path] = entry
            target = folder / path
            if not target.exists() or target.read_bytes() != data:
                write_atomic(target, data)
                written.append(f"data/{path}")
    files = [entries[path] for path in sorted(current)]
    if written or manifest is None or [e["path"] for e in manifest.get("files", [])] != sorted(current):
        schema, pairs = statement_schema(), qa_schema()
        document = {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema": {"version": schema["x-schema-version"], "id": schema["$id"],
                       "documentation": "docs/schema.md"},
            "content": "every version of every statement published in the year, removed ones included; "
                       "one JSON object per line, UTF-8, gzip",
            "qa_schema": {"version": pairs["x-schema-version"], "id": pairs["$id"],
                          "documentation": "docs/schema.md#questions-and-answers"},
            "qa_content": "files of kind qa (<year>.qa.jsonl.gz, beside each year's statements): one question "
                          "asked at a briefing per line, with its answer, from every version of the year's "
                          "briefings; empty when the year has none",
            "files": files,
        }
        write_atomic(folder / MANIFEST, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        sums = "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in files)
        write_atomic(folder / SUMS, sums.encode("utf-8"))
        written += [f"data/{MANIFEST}", f"data/{SUMS}"]
    return written
