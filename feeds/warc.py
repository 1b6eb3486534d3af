"""The archived raw pages of a selection as a WARC file (ISO 28500:2017, WARC/1.1), written with
warcio, so that a researcher can cite, and check, the exact bytes each version of a statement was
read from.

The file opens with a ``warcinfo`` record (the software, the selection, how many pages). Then, for
each fetch that a selected version was read from, in order of publication:

- a ``request`` record: ``GET`` of the fetched URL with its ``Host`` (the crawler's other request
  headers are not archived);
- a ``response`` record: the status line, the response headers the archive keeps
  (``crawler.pipelines.archive.KEPT_HEADERS``) with the body's ``Content-Length``, and the raw
  bytes exactly as archived (after the HTTP transfer and content codings were undone: the body
  is what was parsed, so no ``Content-Encoding`` is given). ``WARC-Date`` is the fetch time;
  ``WARC-Payload-Digest`` is ``sha256:`` and the body's SHA-256 in base32 (the digest encoding of
  the WARC standard's examples and of warcio; the same hash, in hex, is the archive's
  ``raw_sha256``); ``WARC-Block-Digest`` is warcio's (SHA-1). ``WARC-Concurrent-To`` links the
  pair. Each response names the statement versions read from it in ``MF-Statement`` fields
  (``mid:en:1819686 version 2``): one page can carry several statements (a full-text feed).

Record ids are UUIDs derived from the fetch (URL, time, body hash), so exporting the same pages
again gives the same ids. ``.warc.gz`` files are gzipped record by record, as WARC readers expect.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.files import AtomicFile

if TYPE_CHECKING:
    from crawler.store import ArchiveStore, Selection

#: The namespace of record ids (uuid5 of the fetch): fixed, so ids are the same in every export.
RECORD_NAMESPACE = uuid.UUID("6f1f4c9e-6a43-5b0e-9d55-4d3c1b7e2a10")
#: Response headers that describe a transfer, not the archived bytes: never written.
_TRANSFER_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}


@dataclass
class WarcResult:
    """What :func:`write_warc` wrote: responses (one a distinct fetch), the versions they cover,
    and the selected versions with no raw page archived (``id version`` strings)."""

    responses: int = 0
    versions: int = 0
    without_raw_page: list[str] = field(default_factory=list)


def warc_date(value: str) -> str:
    """An archive time (ISO 8601) as WARC-Date: UTC, ``YYYY-MM-DDThh:mm:ssZ`` (fractions kept)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def sha256_label(body: bytes) -> str:
    """``sha256:`` and the SHA-256 of ``body`` in base32 (RFC 4648), as WARC digests are written."""
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode("ascii")


def _record_id(fetch: dict[str, Any], raw_sha256: str, kind: str) -> str:
    name = f"{kind} {fetch['url']} {fetch['fetched_at']} {raw_sha256}"
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, name)}>"


def _http_headers(fetch: dict[str, Any], body: bytes) -> StatusAndHeaders:
    status = int(fetch["status"])
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    headers = [(name, value) for name, value in sorted(fetch["headers"].items())
               if name.lower() not in _TRANSFER_HEADERS]
    headers.append(("Content-Length", str(len(body))))
    return StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")


def _request_headers(url: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True)


def write_warc_records(out: io.RawIOBase | io.BufferedIOBase, store: ArchiveStore, selection: Selection, *,
                       all_versions: bool, compress: bool, made_at: str | None = None,
                       progress: Callable[[int], None] | None = None) -> WarcResult:
    """Write the WARC records of the selection's raw pages to ``out`` (a binary stream) and say
    what was written. One response per distinct fetch, in order of first use; raw pages are
    read one at a time (memory holds the list of fetches, not the pages)."""
    result = WarcResult()
    order: list[int] = []
    fetches: dict[int, dict[str, Any]] = {}
    statements: dict[int, list[str]] = {}
    with store.snapshot():
        for found in store.version_fetches(selection, all_versions=all_versions):
            fetch = found["fetch"]
            if fetch is None:
                result.without_raw_page.append(f"{found['id']} version {found['version']}")
                continue
            if fetch["fetch_id"] not in fetches:
                order.append(fetch["fetch_id"])
                fetches[fetch["fetch_id"]] = {**fetch, "raw_sha256": found["raw_sha256"]}
                statements[fetch["fetch_id"]] = []
            statements[fetch["fetch_id"]].append(f"{found['id']} version {found['version']}")
            result.versions += 1
        writer = WARCWriter(out, gzip=compress, warc_version="1.1")
        info = {"software": "ministry-feeds (scrapy export --warc)", "format": "WARC File Format 1.1",
                "conformsTo": "https://iso.org/standard/68004.html",
                "description": "Raw pages archived by ministry-feeds, one response per fetch a statement version "
                               "was read from; MF-Statement names the versions",
                "selection": json.dumps(selection.to_json(), ensure_ascii=False, sort_keys=True),
                "versions": "all" if all_versions else "latest", "responses": str(len(order))}
        made = warc_date(made_at or datetime.now(UTC).isoformat())
        warcinfo = writer.create_warcinfo_record(None, info)
        warcinfo.rec_headers.replace_header("WARC-Date", made)
        warcinfo.rec_headers.replace_header("WARC-Record-ID", "<urn:uuid:{}>".format(
            uuid.uuid5(RECORD_NAMESPACE, f"warcinfo {made} {json.dumps(info, sort_keys=True)}")))
        writer.write_record(warcinfo)
        for done, fetch_id in enumerate(order, 1):
            fetch = fetches[fetch_id]
            body = store.raw_page(fetch["raw_sha256"])
            if body is None:  # the integrity check reports such fetches; nothing to write
                result.without_raw_page.extend(statements[fetch_id])
                result.versions -= len(statements[fetch_id])
                continue
            _write_pair(writer, fetch, body, statements[fetch_id])
            result.responses += 1
            if progress:
                progress(done)
    return result


def _write_pair(writer: WARCWriter, fetch: dict[str, Any], body: bytes, statements: Iterable[str]) -> None:
    date = warc_date(fetch["fetched_at"])
    response_id = _record_id(fetch, fetch["raw_sha256"], "response")
    response = writer.create_warc_record(
        fetch["url"], "response", payload=io.BytesIO(body), length=len(body),
        http_headers=_http_headers(fetch, body),
        warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date,
                           "WARC-Payload-Digest": sha256_label(body)})
    for statement in statements:
        response.rec_headers.add_header("MF-Statement", statement)
    request = writer.create_warc_record(
        fetch["url"], "request", http_headers=_request_headers(fetch["url"]),
        warc_headers_dict={"WARC-Record-ID": _record_id(fetch, fetch["raw_sha256"], "request"),
                           "WARC-Date": date, "WARC-Concurrent-To": response_id})
    writer.write_record(request)
    writer.write_record(response)


def write_warc(target: Path, store: ArchiveStore, selection: Selection, *, all_versions: bool,
               made_at: str | None = None, progress: Callable[[int], None] | None = None) -> WarcResult:
    """Write the WARC file ``target`` (gzipped record by record when it ends in ``.gz``): beside
    it first, renamed over it at the end, so the target never holds a partial file (a FIFO or
    device is written in place, :class:`crawler.files.AtomicFile`). OSError naming ``target``
    when it cannot be written."""
    with AtomicFile(target) as out:
        return write_warc_records(out, store, selection, all_versions=all_versions,  # type: ignore[arg-type]
                                  compress=target.suffix == ".gz", made_at=made_at, progress=progress)

