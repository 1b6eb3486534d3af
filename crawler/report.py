"""The run report of `scrapy update`: what each crawl did, judged from its stats.

A crawl target fails when its crawl did not finish, when a listing page could not be read, when
its layout drifted (a first listing page without article links, a listing the page object does
not recognise), or when most article pages it fetched lacked required fields. Single articles
that fail (a bot wall, a timeout, a page that does not parse, normalise or validate) are counted
per reason (``failures``: ``challenge_page``, ``unparsed_missing_title``,
``unnormalisable_unreadable_date``, ``invalid_published``, …) and kept pending, but do not fail
the target.

Articles found gone (404, 410, redirected to a home page) are marked removed only when their
target did not fail (:class:`crawler.pipelines.archive.ArchivePipeline` applies them when the
crawl closes, judging it as :func:`summarise` does); a failed target's are withheld and counted
(``extra``'s ``removals_withheld``, and its summary line).

A target the site refuses is *blocked*, and says so first: "blocked: 403 on the listing", "blocked:
a bot wall on the listing", "blocked: robots.txt disallows the listing", or, when the listing
answers but most article pages are refused, "blocked: 403 on 5 of 6 article pages". The health
record keeps that line (its ``last_error``), the index page shows it, and the source's feeds keep
their last good entries (publishing is a function of the archive, which a blocked run does not
touch).

A target whose archive failed under it (``mf/archive/error``: a full disk, a file that is no
longer a database, a server gone) fails with that line; one that was not crawled because the
archive could not be used at all is :func:`not_crawled`. The report's ``archive`` part says
which archive, whether it could be used, why not, and whether the targets' health was recorded.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.events import ARCHIVE_ERROR, ARCHIVE_FAILED, ARCHIVE_REASON
from crawler.files import write_atomic
from crawler.sources import SOURCES

#: Failing article pages (of those fetched) above which the layout is taken to have drifted.
DRIFT_RATIO = 0.5
DRIFT_MIN_PAGES = 3
#: How a blocked target's error starts (the health record and the index page read it back).
BLOCKED = "blocked: "
#: Article failures that are refusals: the statuses of crawler.spiders.base.BLOCKING_STATUSES, and
#: a bot wall that stayed one.
_REFUSED_ARTICLES = ("http_401", "http_403", "http_451", "challenge_page", "unparsed_challenge_page")


def blocked_reason(error: str | None) -> str | None:
    """The "blocked: …" part of a target's error line (as the health record keeps it), without
    the prefix ("403 on the listing"); None when the target was not blocked."""
    for part in (error or "").split("; "):
        if part.startswith(BLOCKED):
            return part.removeprefix(BLOCKED)
    return None


def _blocked(stats: dict[str, Any], failures: dict[str, int], fetched: int) -> str | None:
    """The line saying how a target was refused, or None: its listing (any page) refused, or
    most of the article pages it fetched (at least DRIFT_MIN_PAGES)."""
    listing = {key.rsplit("/", 1)[1]: int(value) for key, value in stats.items()
               if key.startswith("mf/blocked/listing/") and value}
    if listing:
        ways = []
        for how in sorted(listing):
            if how.startswith("http_"):
                ways.append(f"{how.removeprefix('http_')} on the listing")
            elif how == "bot_wall":
                ways.append("a bot wall on the listing")
            else:
                ways.append("robots.txt disallows the listing")
        pages = sum(listing.values())
        return BLOCKED + ", ".join(ways) + (f" ({pages} listing pages)" if pages > 1 else "")
    refused = {reason: failures[reason] for reason in _REFUSED_ARTICLES if failures.get(reason)}
    count = sum(refused.values())
    if count >= DRIFT_MIN_PAGES and count > DRIFT_RATIO * fetched:
        ways = " or ".join(dict.fromkeys("a bot wall" if "challenge" in reason else reason.removeprefix("http_")
                                         for reason in refused))
        return f"{BLOCKED}{ways} on {count} of {fetched} article pages"
    return None


@dataclass
class TargetRun:
    """One crawl target's part of a run."""

    name: str
    ok: bool
    errors: list[str]
    items: dict[str, int]
    failures: dict[str, int]
    requests: dict[str, int]
    responses: dict[str, int]
    duration_seconds: float
    finish_reason: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    blocked: str | None = None
    """How the site refused the crawl ("403 on the listing"), or None."""
    interrupted: str | None = None
    """The signal that stopped the run before this crawl finished ("SIGINT"), or None. An
    interrupted crawl is neither a success nor a failure of its source: its health is not touched."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetRun:
        """A target's part of a run read back from where :func:`dataclasses.asdict` wrote it (the
        archive's run record of a crawl, a run report's ``targets``); keys it does not know are
        left out."""
        names = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    @classmethod
    def not_run(cls, name: str, error: str) -> TargetRun:
        """A target whose crawl never ran, or never said how it ended: failed, with ``error``."""
        return replace(summarise(name, {}), errors=[error])

    def summary_line(self) -> str:
        """One line for the operator's terminal or cron mail."""
        items = ", ".join(f"{count} {name}" for name, count in self.items.items() if count or name == "new")
        requests = sum(self.requests.values())
        by_kind = ", ".join(f"{count} {kind}" for kind, count in sorted(self.requests.items()))
        failures = "; ".join(f"{reason} ×{count}" for reason, count in sorted(self.failures.items()))
        status = "ok" if self.ok else "FAILED: " + "; ".join(self.errors)
        if self.interrupted:
            status = f"interrupted ({self.interrupted})" + (f": {'; '.join(self.errors)}" if self.errors else "")
        line = f"{self.name}: {status} — {items}; {requests} requests ({by_kind or 'none'})"
        if failures:
            line += f"; failures: {failures}"
        if self.extra.get("briefings_unsegmented"):
            line += f"; {self.extra['briefings_unsegmented']} briefing(s) left whole (structure not recognised)"
        if self.extra.get("removals_withheld"):
            line += f"; {self.extra['removals_withheld']} removal(s) withheld (the target failed)"
        return line + f"; {self.duration_seconds:.1f} s"


def _count(stats: dict[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def summarise(name: str, stats: dict[str, Any]) -> TargetRun:
    """Judge one crawl from its Scrapy stats."""
    errors: list[str] = []
    finish = stats.get("finish_reason")
    if stats.get(ARCHIVE_ERROR):  # the archive is named once, by the command's own line
        errors.append(f"the archive failed: {stats.get(ARCHIVE_REASON) or stats[ARCHIVE_ERROR]}")
    if finish is None:
        errors.append("the crawl did not start")
    elif finish not in ("finished", ARCHIVE_FAILED) and not str(finish).startswith("closespider_"):
        errors.append(f"the crawl ended: {finish}")
    listing_failed = _count(stats, "mf/listing/failed")
    if listing_failed:
        errors.append(f"{listing_failed} listing page(s) could not be read")
    drift = _count(stats, "mf/drift/empty_listing") + _count(stats, "mf/pages/unparsed/listing_layout")
    if drift:
        errors.append(f"layout drift: {drift} listing page(s) without article links")
    unparsed = {key.rsplit("/", 1)[1]: int(value) for key, value in stats.items()
                if key.startswith("mf/pages/unparsed/")}
    # Article pages that did not parse: new ones, re-checks and retries of pending ones.
    article_unparsed = sum(_count(stats, f"mf/{kind}/unparsed") for kind in ("article", "recheck", "retry"))
    missing_fields = article_unparsed - unparsed.get("challenge_page", 0) \
        + _count(stats, "mf/items/unnormalisable") + _count(stats, "mf/items/invalid")
    fetched = _count(stats, "mf/articles/parsed") + article_unparsed
    if fetched >= DRIFT_MIN_PAGES and missing_fields > DRIFT_RATIO * fetched:
        errors.append(f"layout drift: {missing_fields} of {fetched} article pages lack required fields")

    failures: dict[str, int] = {}
    for key, value in stats.items():
        if key.startswith("mf/articles/failed/"):
            failures[key.rsplit("/", 1)[1]] = int(value)
    for reason, count in unparsed.items():
        if reason != "listing_layout":
            failures[f"unparsed_{reason}"] = count
    # Statements that did not normalise or validate, by reason (the pending list keeps each).
    for kind in ("unnormalisable", "invalid"):
        by_reason = {key.rsplit("/", 1)[1]: int(value) for key, value in stats.items()
                     if key.startswith(f"mf/items/{kind}/")}
        for reason, count in by_reason.items():
            failures[f"{kind}_{reason}"] = count
        unexplained = _count(stats, f"mf/items/{kind}") - sum(by_reason.values())
        if unexplained > 0:
            failures[kind] = unexplained
    if _count(stats, "mf/items/rejected"):
        failures["rejected"] = _count(stats, "mf/items/rejected")
    attempted = fetched + _count(stats, "mf/articles/failed")
    blocked = _blocked(stats, failures, attempted)
    if blocked is not None:
        errors.insert(0, blocked)
    items = {
        "new": _count(stats, "mf/items/new"),
        "updated": _count(stats, "mf/items/updated"),
        "unchanged": _count(stats, "mf/items/unchanged"),
        "restored": _count(stats, "mf/items/restored"),
        "removed": _count(stats, "mf/items/removed"),
        "failed": _count(stats, "mf/articles/failed") + article_unparsed
        + _count(stats, "mf/items/unnormalisable") + _count(stats, "mf/items/invalid")
        + _count(stats, "mf/items/rejected"),
    }
    requests = {key.rsplit("/", 1)[1]: int(value) for key, value in stats.items()
                if key.startswith("mf/requests/")}
    responses = {key.removeprefix("mf/responses/"): int(value) for key, value in stats.items()
                 if key.startswith("mf/responses/")}
    return TargetRun(
        name=name, ok=not errors, errors=errors, items=items, failures=failures, requests=requests,
        responses=responses, duration_seconds=float(stats.get("elapsed_time_seconds", 0.0) or 0.0),
        finish_reason=finish, blocked=blocked_reason(blocked),
        extra={"skipped_known": _count(stats, "mf/articles/skipped_known"),
               "not_modified": _count(stats, "mf/articles/not_modified"),
               "pending_recorded": _count(stats, "mf/items/pending"),
               # statements a feed lists this run whose page answered 404 (or was gone): kept
               "gone_but_listed": _count(stats, "mf/articles/gone_but_listed"),
               "retries": _count(stats, "retry/count"),
               # briefings stored without segments: their Q&A structure was not recognised
               "briefings_unsegmented": _count(stats, "mf/segments/unrecognised"),
               # archived articles found gone while the target failed: not marked removed
               "removals_withheld": _count(stats, "mf/items/removals_withheld")},
    )


def not_crawled(name: str, reason: str) -> TargetRun:
    """A target not crawled because the archive could not be used (``reason``: why, one line)."""
    return TargetRun(name=name, ok=False, errors=[f"not crawled, the archive failed: {reason}"], items={"new": 0},
                     failures={}, requests={}, responses={}, duration_seconds=0.0, finish_reason=None)


def by_source(runs: list[TargetRun]) -> dict[str, dict[str, Any]]:
    """The targets' figures summed per registered source (a source may have several spiders)."""
    spider_source = {spider: source.name for source in SOURCES.values() for spider in source.spiders}
    sources: dict[str, dict[str, Any]] = {}
    for run in runs:
        name = spider_source.get(run.name, run.name)
        entry = sources.setdefault(name, {"ok": True, "targets": [], "errors": [], "blocked": {}, "items": {},
                                          "failures": {}, "requests": {}, "duration_seconds": 0.0,
                                          "briefings_unsegmented": 0})
        entry["ok"] = entry["ok"] and run.ok
        entry["targets"].append(run.name)
        if run.blocked:
            entry["blocked"][run.name] = run.blocked
        entry["errors"].extend(f"{run.name}: {error}" for error in run.errors)
        for field_name in ("items", "failures", "requests"):
            for key, count in getattr(run, field_name).items():
                entry[field_name][key] = entry[field_name].get(key, 0) + count
        entry["duration_seconds"] = round(entry["duration_seconds"] + run.duration_seconds, 3)
        entry["briefings_unsegmented"] += run.extra.get("briefings_unsegmented", 0)
    return sources


def interrupted_run(run: TargetRun, signal_name: str) -> TargetRun:
    """``run`` stopped by ``signal_name``: not ok, without the errors the stop itself caused (a
    crawl that did not start or ended on "shutdown"), its other errors kept."""
    errors = [error for error in run.errors
              if error not in ("the crawl did not start", "the crawl ended: shutdown")]
    return replace(run, ok=False, errors=errors, interrupted=signal_name)


def write_report(folder: str | Path, started: datetime, finished: datetime, runs: list[TargetRun],
                 publish: dict[str, Any] | None = None, archive: dict[str, Any] | None = None,
                 extra: dict[str, Any] | None = None, *, interrupted: str | None = None) -> Path:
    """Write the run report (JSON) as ``runs/<start>.json`` and ``last-run.json``, atomically.
    ``archive``: ``{"url", "ok", "error", "health_recorded"}``; ``extra``: more top-level keys (a
    run on Scrapyd nodes says which); ``interrupted`` names the signal that stopped the run
    ("SIGINT"), if one did. Raises OSError when the folder cannot be written."""
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "ok": all(run.ok for run in runs) and (publish is None or publish.get("ok", True))
        and (archive is None or archive.get("ok", True)),
        "sources": by_source(runs),
        "targets": {run.name: asdict(run) for run in runs},
    }
    if archive is not None:
        report["archive"] = archive
    if interrupted is not None:
        report["interrupted"] = interrupted
    if publish is not None:
        report["publish"] = publish
    report.update(extra or {})
    data = (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    folder = Path(folder)
    dated = folder / "runs" / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}.json"
    write_atomic(dated, data)
    write_atomic(folder / "last-run.json", data)
    return dated
