"""``index.html``: what a person wants on arriving — how to subscribe, every source with its health
(failed runs, a site that blocks the crawler, articles pending a retry or given up, when it last
ran) and its latest statements, its feeds with counts, and the JSON Lines dumps with their schema.

Every link is relative, so the page works opened from disk and behind any host. The page is a
function of the archive: the same archive gives the same bytes. Times are written exactly (UTC,
in ``<time datetime>`` and its ``title``, shown on hover); a small script turns the text into
"12 minutes ago" in the reader's browser, against the reader's clock (without it, the exact time
stays).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from html import escape
from typing import TYPE_CHECKING, Any

from crawler.items import SCHEMA_PATH
from crawler.normalise.dates import parse_timestamp
from crawler.normalise.text import clean_inline
from crawler.report import blocked_reason
from crawler.sources import SOURCES, Source
from crawler.store import Selection, published_utc
from feeds.atom import STYLESHEET, STYLESHEET_SOURCE
from feeds.catalog import TYPE_NAMES, FeedSpec, language_name
from feeds.dumps import MANIFEST, QA, STATEMENTS, SUMS, dump_keys, dump_path
from feeds.qa import BRIEFING, QA_SCHEMA_PATH

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

#: Newest statements shown for each source.
LATEST = 5
#: Where the statement schema is published in the public folder.
SCHEMA_FILE = "schema/statement.schema.json"
#: Where the schema of question–answer pairs is published.
QA_SCHEMA_FILE = "schema/qa_pair.schema.json"
DOCS_URL = "https://github.com/ministry-feeds/ministry-feeds/blob/main/docs/schema.md"

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:46rem;
padding:1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:1rem 0 .25rem}ul{padding-left:1.2rem;margin:.25rem 0}li{margin:.2rem 0}
.health{padding:.5rem .75rem;border-radius:.4rem;background:#eef6ee;margin:.5rem 0}
.health.failing{background:#fbeaea}.health.blocked{background:#fdf3e1}.count,.meta{color:#555;font-size:.9em}a{color:#0b57d0;word-break:break-word}
details{margin:.5rem 0}summary{cursor:pointer}footer{margin-top:2rem;color:#555;font-size:.9em}
time[title]{text-decoration:underline dotted;cursor:help}.subscribe{background:#eef3fb;border-radius:.4rem;
padding:.5rem .75rem}
"""

#: "12 minutes ago" from each <time class="ago">, in the reader's browser; the exact time stays
#: in the title (on hover) and in the text when scripts do not run.
SCRIPT = """
(function () {
  if (!window.Intl || !Intl.RelativeTimeFormat) return;
  var say = new Intl.RelativeTimeFormat("en", {numeric: "auto"});
  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60], ["second", 1]];
  var times = document.querySelectorAll("time.ago");
  for (var i = 0; i < times.length; i++) {
    var at = Date.parse(times[i].getAttribute("datetime"));
    if (isNaN(at)) continue;
    var seconds = (at - Date.now()) / 1000;
    for (var j = 0; j < units.length; j++) {
      if (Math.abs(seconds) >= units[j][1] || j === units.length - 1) {
        times[i].textContent = say.format(Math.round(seconds / units[j][1]), units[j][0]);
        break;
      }
    }
  }
})();
"""


@dataclass
class IndexInputs:
    """What the page shows besides the feed catalog, read from the archive."""

    health: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Crawl target (spider) → its health record (``last_run``, ``last_success``,
    ``consecutive_failures``, ``last_error``)."""
    pending: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Spider → (articles pending a retry, articles given up)."""
    latest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Source → its newest statements, newest first."""
    dumps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Source → (language, year) of its published JSON Lines dumps."""
    briefing_years: set[tuple[str, str, str]] = field(default_factory=set)
    """(source, language, year) of the dumps whose year has briefings: their question–answer
    pairs are linked."""


def index_inputs(store: ArchiveStore, pending_max_attempts: int) -> IndexInputs:
    """Read what the index page needs from the archive."""
    inputs = IndexInputs(health=store.health(), pending=store.pending_counts(pending_max_attempts))
    languages: dict[str, set[str]] = {}
    for source, language, year in dump_keys(store):
        inputs.dumps.setdefault(source, []).append((language, year))
        languages.setdefault(source, set()).add(language)
    for name in SOURCES:
        # The newest of each language's newest (each an indexed read, where the newest of a
        # whole source would sort all its statements), newest first as the archive orders them:
        # by the instant of publication (a source's offset changes with summer time), then id.
        latest = [doc for language in sorted(languages.get(name, ()))
                  for doc in store.documents(Selection(source=name, language=language), limit=LATEST)]
        latest.sort(key=lambda doc: (published_utc(doc["published"]).encode(), doc["id"].encode()), reverse=True)
        inputs.latest[name] = latest[:LATEST]
    inputs.briefing_years = set(store.counts_by(Selection(type=BRIEFING, include_repeats=True),
                                                "source", "language", "year"))
    return inputs


def static_files() -> dict[str, bytes]:
    """Files published as they are beside the feeds: the feeds' XSLT stylesheet and the schemas."""
    return {STYLESHEET: STYLESHEET_SOURCE.read_bytes(), SCHEMA_FILE: SCHEMA_PATH.read_bytes(),
            QA_SCHEMA_FILE: QA_SCHEMA_PATH.read_bytes()}


def _ago(value: str | None) -> str:
    """A moment of a run: its exact UTC time in a ``<time class="ago">`` (and its title, shown on
    hover); the page's script rewrites the text as "12 minutes ago"."""
    moment = parse_timestamp(value)
    if moment is None:
        return escape(value or "never")
    utc = moment.astimezone(UTC)
    exact = utc.strftime("%Y-%m-%d %H:%M UTC")
    return f'<time class="ago" datetime="{utc.isoformat().replace("+00:00", "Z")}" title="{exact}">{exact}</time>'


def _published(doc: dict[str, Any]) -> str:
    """When a statement was published, in the ministry's own offset (a day alone when the page
    printed no time)."""
    moment = parse_timestamp(doc.get("published"))
    if moment is None:
        return escape(doc.get("published") or "")
    if doc.get("published_precision") == "date":
        return f'<time datetime="{moment.date().isoformat()}">{moment.date().isoformat()}</time>'
    offset = moment.strftime("%z")
    exact = moment.strftime("%Y-%m-%d %H:%M") + f" UTC{offset[:3]}:{offset[3:]}"
    return f'<time datetime="{moment.isoformat()}" title="{exact}">{exact}</time>'


def _count(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _health_block(source: Source, inputs: IndexInputs, statements: int) -> str:
    rows = [f"<li>{_count(statements, 'statement')} archived</li>"]
    failing = blocked = False
    for spider in source.spiders:
        record = inputs.health.get(spider)
        retrying, given_up = inputs.pending.get(spider, (0, 0))
        if record is None:
            text = "no run recorded yet"
        else:
            failures = int(record.get("consecutive_failures") or 0)
            failing |= failures > 0
            refused = blocked_reason(record.get("last_error")) if failures else None
            blocked |= refused is not None
            text = f"last run {_ago(record.get('last_run'))}, last successful update {_ago(record.get('last_success'))}"
            if refused is not None:
                # The site refuses the crawler; nothing is done to get round it, and the feeds
                # keep what the archive holds.
                text += (f'; <strong class="blocked">blocked: {escape(clean_inline(refused))}</strong> '
                         f"({_count(failures, 'run')} in a row; its feeds keep their last statements)")
            elif failures:
                text += (f'; <strong class="failed-runs">{_count(failures, "failed run")} in a row</strong>: '
                         f"{escape(clean_inline(record.get('last_error') or ''))}")
        text += (f'; <span class="pending">{_count(retrying, "article")} pending a retry</span>, '
                 f'<span class="failed">{_count(given_up, "article")} failed (given up)</span>')
        rows.append(f'<li id="health-{escape(spider)}">{escape(spider)}: {text}</li>')
    css = "health blocked" if blocked else "health failing" if failing else "health"
    return f'<div class="{css}" id="health-{escape(source.name)}"><ul>{"".join(rows)}</ul></div>'


def _feed_item(spec: FeedSpec, label: str | None = None) -> str:
    text = escape(clean_inline(label or spec.label))
    counted = _count(spec.count, "edit or removal", "edits and removals") if spec.kind == "edits" \
        else _count(spec.count, "statement")
    return (f'<li><a href="{escape(spec.path)}" type="application/atom+xml">{text}</a> '
            f'<span class="count">({counted})</span></li>')


def _latest(docs: list[dict[str, Any]]) -> str:
    if not docs:
        return ""
    items = []
    for doc in docs:
        language = doc.get("language", "")
        meta = " · ".join((language_name(language), TYPE_NAMES.get(doc.get("type", ""), doc.get("type", "")),
                           _published(doc)))
        removed = " [removed]" if doc.get("removed_at") else ""
        items.append(f'<li lang="{escape(language)}"><a href="{escape(doc["url"])}" hreflang="{escape(language)}">'
                     f'{escape(clean_inline(doc.get("title") or ""))}</a>{removed} '
                     f'<span class="meta" lang="en">{meta}</span></li>')
    return '<h3>Latest statements</h3><ul class="latest">' + "".join(items) + "</ul>"


def _dumps(source: str, keys: list[tuple[str, str]], briefing_years: set[tuple[str, str, str]]) -> str:
    if not keys:
        return ""

    def links(kind: str, years: list[tuple[str, str]]) -> str:
        return ", ".join(f'<a href="data/{escape(dump_path(source, language, year, kind))}" '
                         f'type="application/gzip">{escape(language_name(language))} {escape(year)}</a>'
                         for language, year in years)

    parts = [f'<p class="dumps">JSON Lines (every version of every statement, by year): {links(STATEMENTS, keys)}</p>']
    with_briefings = [(language, year) for language, year in keys if (source, language, year) in briefing_years]
    if with_briefings:
        parts.append('<p class="dumps qa">Questions and answers of its briefings (one question per line, with '
                     f'its answer, by year): {links(QA, with_briefings)}</p>')
    return "".join(parts)


def render_index(catalog: list[FeedSpec], inputs: IndexInputs) -> bytes:
    """The page; the same catalog and inputs give the same bytes."""
    across = [spec for spec in catalog if spec.kind == "all"]
    discovery = [spec for spec in catalog if spec.kind in ("all", "source")]
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ministry-feeds: what foreign ministries publish</title>",
        *(f'<link rel="alternate" type="application/atom+xml" title="{escape(clean_inline(spec.title))}" '
          f'href="{escape(spec.path)}">' for spec in discovery),
        '<link rel="alternate" type="text/x-opml" title="All feeds (OPML)" href="feeds.opml">',
        f"<style>{STYLE}</style>", "</head>", "<body>",
        "<h1>ministry-feeds</h1>",
        "<p>Statements, briefings, comments and speeches of foreign ministries, as Atom feeds with the full "
        "text. An edit shows as an update of the same entry, what changed first; each ministry’s “Edits and "
        "removals” feeds list every edit and removal on their own. Every feed links to its complete archive.</p>",
        '<section class="subscribe" id="subscribe"><h2>How to subscribe</h2><ul>'
        "<li>Copy the link of a feed below (right-click, “Copy link”) and add it to your feed reader "
        "(newsboat, Thunderbird, NetNewsWire, Feedly, Inoreader…). Opened in a browser, a feed shows as a "
        "readable page.</li>"
        '<li>Every feed at once: import <a href="feeds.opml" type="text/x-opml">feeds.opml</a> into your '
        "reader.</li>"
        "<li>Each entry opens the statement on the ministry’s own site, in the feed’s language; its other "
        "language versions are linked from the entry.</li></ul></section>",
    ]
    if across:
        parts.append('<h2 id="all">All ministries</h2><ul>')
        parts.extend(_feed_item(spec) for spec in across)
        parts.append("</ul>")
    for source in SOURCES.values():
        specs = [spec for spec in catalog if spec.source is source]
        parts.append(f'<h2 id="{escape(source.name)}">{escape(source.ministry)}</h2>')
        total = sum(spec.count for spec in specs if spec.kind == "source")
        parts.append(_health_block(source, inputs, total))
        if not specs:
            parts.append("<p>No statements yet.</p>")
            continue
        parts.append(_latest(inputs.latest.get(source.name, [])))
        for language in sorted({spec.language for spec in specs}):
            lang_specs = [spec for spec in specs if spec.language == language]
            main = [spec for spec in lang_specs if spec.kind == "source"]
            parts.append(f"<h3>Feeds in {escape(language_name(language))}</h3><ul>")
            parts.extend(_feed_item(spec, f"Everything in {language_name(language)}") for spec in main)
            parts.extend(_feed_item(spec, "Edits and removals, with what changed") for spec in lang_specs
                         if spec.kind == "edits")
            parts.append("</ul>")
            types = [spec for spec in lang_specs if spec.kind == "type"]
            if types:
                parts.append("<details open><summary>By type</summary><ul>")
                parts.extend(_feed_item(spec) for spec in types)
                parts.append("</ul></details>")
            tags = [spec for spec in lang_specs if spec.kind == "tag"]
            if tags:
                parts.append(f"<details><summary>By tag ({len(tags)})</summary><ul>")
                parts.extend(_feed_item(spec) for spec in tags)
                parts.append("</ul></details>")
        parts.append(_dumps(source.name, inputs.dumps.get(source.name, []), inputs.briefing_years))
    parts.append(
        '<h2 id="data">Data for researchers</h2>'
        "<p>Every version of every statement, one JSON object per line (UTF-8, gzip), a file per source, "
        "language and year, linked above under each ministry. "
        f'<a href="data/{MANIFEST}" type="application/json">data/{MANIFEST}</a> lists the files with their '
        f'line counts and date ranges; <a href="data/{SUMS}" type="text/plain">data/{SUMS}</a> holds their '
        f'SHA-256 sums. The fields: <a href="{SCHEMA_FILE}" type="application/schema+json">the JSON Schema</a> '
        f'and <a href="{DOCS_URL}">what each field means</a>. Beside each year, <code>.qa.jsonl.gz</code> '
        "holds the questions asked at that year's briefings, one per line with its answer, who asked (and "
        f'for which outlet) and who answered: <a href="{QA_SCHEMA_FILE}" type="application/schema+json">their '
        f'JSON Schema</a> and <a href="{DOCS_URL}#questions-and-answers">what each field means</a>.</p>')
    parts.append('<footer>Made by <a href="https://github.com/ministry-feeds/ministry-feeds">ministry-feeds</a>.'
                 " Texts belong to the ministries that published them.</footer>")
    parts.append(f"<script>{SCRIPT}</script>")
    parts.append("</body></html>")
    return ("\n".join(part for part in parts if part) + "\n").encode("utf-8")
