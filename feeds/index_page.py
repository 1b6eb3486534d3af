"""``index.html``: every source with its health, and its feeds with subscribe links and counts.
Readable on a phone; no JavaScript."""

from __future__ import annotations

from html import escape
from typing import Any

from crawler.normalise.text import clean_inline
from crawler.sources import SOURCES
from feeds.catalog import FeedSpec, language_name

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:46rem;
padding:1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin:1rem 0 .25rem}ul{padding-left:1.2rem;margin:.25rem 0}li{margin:.2rem 0}
.health{padding:.5rem .75rem;border-radius:.4rem;background:#eef6ee;margin:.5rem 0}
.health.failing{background:#fbeaea}.count{color:#555;font-size:.9em}a{color:#0b57d0;word-break:break-word}
details{margin:.5rem 0}summary{cursor:pointer}footer{margin-top:2rem;color:#555;font-size:.9em}
"""


def _health_block(source_name: str, spiders: tuple[str, ...], health: dict[str, dict[str, Any]],
                  statements: int) -> str:
    rows = [f"<li>{_statements(statements)} archived</li>"]
    failing = False
    for spider in spiders:
        record = health.get(spider)
        if record is None:
            rows.append(f"<li>{escape(spider)}: no run recorded yet</li>")
            continue
        failures = int(record.get("consecutive_failures") or 0)
        failing |= failures > 0
        last_ok = record.get("last_success") or "never"
        text = f"last successful update {escape(last_ok)}"
        if failures:
            text += f"; <strong>{failures} failed run(s) in a row</strong>: {escape(record.get('last_error') or '')}"
        rows.append(f"<li>{escape(spider)}: {text}</li>")
    css = "health failing" if failing else "health"
    return f'<div class="{css}" id="health-{escape(source_name)}"><ul>{"".join(rows)}</ul></div>'


def _statements(count: int) -> str:
    return f"{count} statement" + ("" if count == 1 else "s")


def _feed_item(spec: FeedSpec, base: str, label: str | None = None) -> str:
    text = escape(clean_inline(label or spec.label))
    return (f'<li><a href="{escape(base + spec.path)}" type="application/atom+xml">{text}</a> '
            f'<span class="count">({_statements(spec.count)})</span></li>')


def render_index(catalog: list[FeedSpec], health: dict[str, dict[str, Any]], base_url: str) -> bytes:
    """The page; the same catalog and health give the same bytes."""
    base = base_url.rstrip("/") + "/"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>ministry-feeds: what foreign ministries publish</title>",
        f'<link rel="alternate" type="text/x-opml" title="All feeds (OPML)" href="{escape(base)}feeds.opml">',
        f"<style>{STYLE}</style>", "</head>", "<body>",
        "<h1>ministry-feeds</h1>",
        "<p>Statements, briefings, comments and speeches of foreign ministries, as Atom feeds with the full "
        "text. An edit shows as an update of the same entry; every feed links to its complete archive. "
        f'All feeds at once: <a href="{escape(base)}feeds.opml">feeds.opml</a>.</p>',
    ]
    across = [spec for spec in catalog if spec.kind == "all"]
    if across:
        parts.append("<h2>All ministries</h2><ul>")
        parts.extend(_feed_item(spec, base) for spec in across)
        parts.append("</ul>")
    for source in SOURCES.values():
        specs = [spec for spec in catalog if spec.source is source]
        parts.append(f'<h2 id="{escape(source.name)}">{escape(source.ministry)}</h2>')
        total = sum(spec.count for spec in specs if spec.kind == "source")
        parts.append(_health_block(source.name, source.spiders, health, total))
        if not specs:
            parts.append("<p>No statements yet.</p>")
            continue
        for language in sorted({spec.language for spec in specs}):
            lang_specs = [spec for spec in specs if spec.language == language]
            main = [spec for spec in lang_specs if spec.kind == "source"]
            parts.append(f"<h3>{escape(language_name(language))}</h3><ul>")
            parts.extend(_feed_item(spec, base, f"Everything in {language_name(language)}") for spec in main)
            parts.append("</ul>")
            types = [spec for spec in lang_specs if spec.kind == "type"]
            if types:
                parts.append("<details open><summary>By type</summary><ul>")
                parts.extend(_feed_item(spec, base) for spec in types)
                parts.append("</ul></details>")
            tags = [spec for spec in lang_specs if spec.kind == "tag"]
            if tags:
                parts.append(f"<details><summary>By tag ({len(tags)})</summary><ul>")
                parts.extend(_feed_item(spec, base) for spec in tags)
                parts.append("</ul></details>")
    parts.append('<footer>Made by <a href="https://github.com/ministry-feeds/ministry-feeds">ministry-feeds</a>.'
                 " Texts belong to the ministries that published them.</footer>")
    parts.append("</body></html>")
    return ("\n".join(parts) + "\n").encode("utf-8")
