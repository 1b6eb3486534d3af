"""Published dumps for researchers: ``data/<source>/<language>/<year>.jsonl.gz`` with every
version of every statement published that year (removed ones included), ``manifest.json``
and ``SHA256SUMS``.

Gzip headers carry no time, so the same archive gives the same bytes; a year whose lines did not
change is not rewritten, and the manifest is rewritten only when a file changed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.files import write_atomic
from crawler.items import statement_schema
from crawler.store import Selection
from feeds.jsonl import ExportQuery, encode, lines

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"


def dump_keys(store: ArchiveStore) -> list[tuple[str, str, str]]:
    """Every (source, language, year) the archive holds (removed statements and repeats too)."""
    return list(store.counts_by(Selection(include_repeats=True), "source", "language", "year"))


def render_year(store: ArchiveStore, source: str, language: str, year: str) -> tuple[bytes, dict[str, Any]]:
    """One year's gzipped JSON Lines and its manifest entry."""
    query = ExportQuery(source=source, language=language, since=datetime(int(year), 1, 1).date(),
                        until=datetime(int(year), 12, 31).date(), versions="all", include_removed=True,
                        include_repeats=True)
    buffer = io.BytesIO()
    count, ids, first, last = 0, set(), None, None
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        for line in lines(store, query):
            out.write(encode(line))
            count += 1
            ids.add(line["id"])
            first = first or line["published"]
            last = line["published"]
    data = buffer.getvalue()
    entry = {"path": f"{source}/{language}/{year}.jsonl.gz", "source": source, "language": language,
             "year": int(year), "lines": count, "statements": len(ids), "first_published": first,
             "last_published": last, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return data, entry


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
        path = f"{source}/{language}/{year}.jsonl.gz"
        if affected is not None and (source, language, year) not in affected and path in entries:
            current.add(path)
            continue
        data, entry = render_year(store, source, language, year)
        if not entry["lines"]:  # every statement of that year moved to another one
            entries.pop(path, None)
            (folder / path).unlink(missing_ok=True)
            continue
        current.add(path)
        entries[path] = entry
        target = folder / path
        if not target.exists() or target.read_bytes() != data:
            write_atomic(target, data)
            written.append(f"data/{path}")
    files = [entries[path] for path in sorted(current)]
    if written or manifest is None or [e["path"] for e in manifest.get("files", [])] != sorted(current):
        schema = statement_schema()
        document = {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema": {"version": schema["x-schema-version"], "id": schema["$id"],
                       "documentation": "docs/schema.md"},
            "content": "every version of every statement published in the year, removed ones included; "
                       "one JSON object per line, UTF-8, gzip",
            "files": files,
        }
        write_atomic(folder / MANIFEST, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        sums = "".join(f"{entry['sha256']}  {entry['path']}\n" for entry in files)
        write_atomic(folder / SUMS, sums.encode("utf-8"))
        written += [f"data/{MANIFEST}", f"data/{SUMS}"]
    return written
