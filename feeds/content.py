"""What an Atom entry's content shows besides the body: a briefing laid out for scanning, and the
"Changed on" section of a statement edited on the ministry's site.

- **Briefings** (statements with ``segments``, docs/schema.md "Briefings as segments"): a short
  list of the topics (the ``heading`` segments; the questions when there are none) linking to
  them, then every segment in order — a topic as an ``<h3 id="t-{position}">``, a question as an
  ``<h4 id="q-{position}">`` led by who asked ("Question (RIA Novosti): …"), a turn led by who
  speaks ("Maria Zakharova: …"). Every segment's text is there, whole.
- **Changes**: when the crawl found a new version on the site, the content starts with what
  changed (feeds.diff): the date, a count of paragraphs changed, added and removed, then the
  title change and each paragraph change with ``<ins>``/``<del>`` marking the words, kept short.

Sanitising: segment HTML is sanitised as bodies are (crawler.normalise.html.sanitise: allowed
tags, absolute links), and the whole is then cleaned by nh3 once more with this module's rules,
which add to the bodies' only what this layout needs: ``ins``, the ``div`` of the changes
section (its one class), the anchors' ``id`` on ``h3``/``h4`` (``t-N`` and ``q-N`` only) and
links to those anchors (``#q-N``: the one relative reference kept; every other link is
absolute). Labels are in English, as the rest of the feeds' own words are.
"""

from __future__ import annotations

import re
from datetime import UTC
from html import escape
from typing import TYPE_CHECKING, Any

import nh3

from crawler.normalise.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, sanitise
from crawler.normalise.text import clean_inline, xml_safe
from feeds.diff import ADDED, CHANGED, REMOVED, html_changes

if TYPE_CHECKING:
    from feeds.diff import StatementDiff
    from feeds.edits import SiteEdit

#: An anchor of this layout: a topic's (``t-``) or a question's (``q-``), by segment position.
_ANCHOR = re.compile(r"[tq]-\d{1,6}")
#: The class of the changes section's ``div`` (as feeds.diff.render_html writes it).
CHANGES_CLASS = "mf-changes"
#: A question shown in the list of questions at most this long (characters).
QUESTION_CHARS = 140
#: The changes section, kept short: paragraph changes shown, characters of one inserted or
#: deleted run, characters of unchanged text around a change.
CHANGES_SHOWN, RUN_CHARS, CONTEXT_CHARS = 8, 300, 80

#: Content fields whose change shows as words ("Also changed: …") rather than marked text.
FIELD_WORDS = {"published": "the publication date", "published_raw": "the publication date",
               "published_precision": "the publication date", "doc_number": "the document number",
               "type": "the type of document", "tags": "the tags", "change_history": "the ministry’s change notes",
               "withdrawn": "the withdrawal notice"}


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's attribute filter: an ``id`` only when it is one of this layout's anchors."""
    if name == "id":
        return value if _ANCHOR.fullmatch(value) else None
    return value


def _keep_relative(reference: str) -> str | None:
    """nh3's hook for relative references: a link to one of this layout's anchors; nothing else
    (the parts were made absolute before)."""
    return reference if reference[:1] == "#" and _ANCHOR.fullmatch(reference[1:]) else None


_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS | {"ins", "div"},
    attributes={**ALLOWED_ATTRIBUTES, "h3": {"id"}, "h4": {"id"}},
    allowed_classes={"div": {CHANGES_CLASS}},
    attribute_filter=_keep_attribute, url_schemes=URL_SCHEMES, url_relative=_keep_relative,
    strip_comments=True, link_rel="noopener noreferrer")


def clean(html: str) -> str:
    """HTML of this layout sanitised (see the module's docstring), XML-safe."""
    return xml_safe(_CLEANER.clean(xml_safe(html))).strip()


# --- briefings ----------------------------------------------------------------------------------
def _paragraphs(text: str) -> list[str]:
    return [clean_inline(part) for part in text.replace("\r\n", "\n").split("\n\n") if clean_inline(part)]


def _label(segment: dict[str, Any]) -> str:
    """Who speaks, as printed (speaker, outlet); "Question" or "Answer" when no one is named;
    empty for a statement or remark printed without a name."""
    speaker, outlet = segment.get("speaker"), segment.get("affiliation")
    name = clean_inline(speaker) if isinstance(speaker, str) else ""
    outlet = clean_inline(outlet) if isinstance(outlet, str) else ""
    if not name and segment["kind"] in ("question", "answer"):
        name = "Question" if segment["kind"] == "question" else "Answer"
    if outlet:
        return f"{name} ({outlet})" if name else outlet
    return name


def _question_heading(segment: dict[str, Any], anchor: str) -> str:
    """A question as a heading (its first paragraph, led by who asked), its other paragraphs after."""
    paragraphs = _paragraphs(segment["text"]) or [""]
    label = _label(segment)
    lead = f"{escape(label)}: " if label else ""
    rest = "".join(f"<p>{escape(p)}</p>" for p in paragraphs[1:])
    return f'<h4 id="{anchor}">{lead}{escape(paragraphs[0])}</h4>{rest}'


def _turn(segment: dict[str, Any], url: str) -> str:
    """A statement, answer or remark: its HTML, led by who speaks when the page names them."""
    html = sanitise(segment["html"], url)
    if not html:
        html = "".join(f"<p>{escape(p)}</p>" for p in _paragraphs(segment["text"]))
    label = _label(segment)
    if not label:
        return html
    lead = f"<strong>{escape(label)}:</strong> "
    return f"<p>{lead}{html[3:]}" if html.startswith("<p>") else f"<p>{lead}</p>{html}"


def _anchor(segment: dict[str, Any]) -> str:
    return ("t-" if segment["kind"] == "heading" else "q-") + str(int(segment["position"]))


def _contents(segments: list[dict[str, Any]]) -> str:
    """The list at the top: the topics, or the questions when the briefing has no headings."""
    topics = [s for s in segments if s["kind"] == "heading"]
    if topics:
        items = [(s, clean_inline(s["text"])) for s in topics]
        title = "Topics"
    else:
        items = []
        for s in segments:
            if s["kind"] != "question":
                continue
            text = clean_inline(s["text"])
            if len(text) > QUESTION_CHARS:
                text = text[:QUESTION_CHARS].rsplit(" ", 1)[0] + " …"
            label = _label(s)
            items.append((s, f"{label}: {text}" if label else text))
        title = "Questions"
    if not items:
        return ""
    links = "".join(f'<li><a href="#{_anchor(s)}">{escape(text)}</a></li>' for s, text in items if text)
    return f"<p><strong>{title}:</strong></p><ul>{links}</ul>"


def briefing_html(doc: dict[str, Any]) -> str | None:
    """A briefing's content laid out by its segments (see the module's docstring), sanitised; None
    for a statement without segments, or whose segments the archive holds damaged (its body is
    shown as it is)."""
    segments = doc.get("segments")
    if not segments or not isinstance(segments, list):
        return None
    try:
        parts = [_contents(segments)]
        for segment in segments:
            kind = segment["kind"]
            if kind == "heading":
                parts.append(f'<h3 id="{_anchor(segment)}">{escape(clean_inline(segment["text"]))}</h3>')
            elif kind == "question":
                parts.append(_question_heading(segment, _anchor(segment)))
            else:
                parts.append(_turn(segment, doc["url"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return clean("\n".join(part for part in parts if part))


# --- changes ------------------------------------------------------------------------------------
def describe(diff: StatementDiff) -> str:
    """What changed in words: "title changed; 2 paragraphs changed, 1 added"."""
    said = ["title changed"] if diff.title is not None else []
    counts = [(number, verb) for number, verb in ((diff.count(CHANGED), "changed"), (diff.count(ADDED), "added"),
                                                  (diff.count(REMOVED), "removed")) if number]
    if counts:
        (first, verb), rest = counts[0], counts[1:]
        said.append(", ".join([f"{first} paragraph{'s' if first != 1 else ''} {verb}",
                               *(f"{number} {verb}" for number, verb in rest)]))
    others = list(dict.fromkeys(FIELD_WORDS[name] for name in diff.fields if name in FIELD_WORDS))
    if "body_html" in diff.fields and "body_text" not in diff.fields:
        others.append("formatting or links")
    if others:
        said.append("also " + ", ".join(others))
    return "; ".join(said) or "no change shown"


def changes_html(edit: SiteEdit, *, shown: int = CHANGES_SHOWN, run_chars: int = RUN_CHARS,
                 context: int = CONTEXT_CHARS) -> str:
    """The "Changed on DATE" section of an edited statement (its date in UTC), not yet sanitised
    (:func:`clean`): what changed in words, then at most ``shown`` changes, the title's first,
    words marked ``<ins>``/``<del>``."""
    diff = edit.diff
    changes = html_changes(diff, context=context, longest=run_chars)
    more = len(changes) - shown
    kept = changes[:shown] + ([f"<p>… and {more} more change{'s' if more != 1 else ''}.</p>"] if more > 0 else [])
    day = edit.at.astimezone(UTC).date().isoformat()
    head = f"<p><strong>Changed on {day}</strong> (version {edit.version}): {escape(describe(diff))}.</p>"
    return f'<div class="{CHANGES_CLASS}">{head}{"".join(kept)}</div>'

