"""Briefings as question–answer pairs: one JSON line per question, with the answer given to it.

A briefing's ``segments`` (``crawler.pages.segments``; docs/schema.md, "Briefings as segments")
are read in order into *exchanges*: a run of questions — several in a row, follow-ups asked
before the podium answers — then the run of answers that follows, up to the next question or
heading. Each question of the run is one pair with the run's answers: a batch of questions
answered together (mea.gov.in's) gives one line per question, the same answer on each, and
``asked_with`` naming the others. Remarks standing alone ("(Laughter.)", "(Crosstalk.)") neither
end a run nor join a text. A question that nothing answers (the transcript ends, or a heading
comes first) is a line whose ``answer`` is null. Several answer segments (an answer interrupted
by a note, a second official taking over) are one answer, their texts joined by a blank line.

The line's shape is its own stable record, ``schema/qa_pair.schema.json`` (docs/schema.md,
"Questions and answers"). Pure functions of archived records, plus :func:`qa_lines` streaming
them from the archive.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.exporters import one_line
from feeds.jsonl import ExportError, ExportQuery

if TYPE_CHECKING:
    from crawler.store import ArchiveStore

QA_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "qa_pair.schema.json"
#: The only document type whose statements carry segments.
BRIEFING = "briefing"
#: A line's fields, in the order written.
QA_FIELDS = ("statement_id", "version", "source", "language", "url", "title", "published",
             "published_precision", "same_as", "heading", "position", "question", "question_speaker",
             "question_affiliation", "asked_with", "answer", "answer_speakers", "answer_positions")
#: Segment kinds that a run of questions or of answers passes over.
_BETWEEN = "remark"


@cache
def qa_schema() -> dict[str, Any]:
    """The JSON Schema of a question–answer line, as published in ``schema/``."""
    return json.loads(QA_SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class QAPair:
    """One question of a briefing and the answer segments given to it (segments as archived:
    dicts with ``position``, ``kind``, ``speaker``, ``affiliation``, ``text``)."""

    question: dict[str, Any]
    answers: tuple[dict[str, Any], ...]
    """The answer segments of the exchange, in order; empty when the question went unanswered."""
    asked_with: tuple[int, ...]
    """Positions of the other questions of the same run, answered together with this one."""
    heading: str | None
    """The text of the last heading before the question, or None."""

    @property
    def answer(self) -> str | None:
        """The answer's text: its segments' texts joined by a blank line; None without one."""
        return "\n\n".join(segment["text"] for segment in self.answers) or None

    @property
    def answer_speakers(self) -> list[dict[str, str | None]]:
        """Who answered, as printed: each (speaker, affiliation) once, in order; an answer under a
        label that names no one ("Answer:", "答：") adds nobody."""
        seen: list[dict[str, str | None]] = []
        for segment in self.answers:
            who = {"speaker": segment["speaker"], "affiliation": segment["affiliation"]}
            if (who["speaker"] or who["affiliation"]) and who not in seen:
                seen.append(who)
        return seen


def qa_pairs(segments: Iterable[dict[str, Any]]) -> list[QAPair]:
    """A briefing's segments (in order) as question–answer pairs, one per question segment, in
    the order of the questions. Segments without a question give no pair."""
    ordered = list(segments)
    pairs: list[QAPair] = []
    heading: str | None = None
    index = 0
    while index < len(ordered):
        kind = ordered[index]["kind"]
        if kind == "heading":
            heading = ordered[index]["text"]
        if kind != "question":
            index += 1
            continue
        questions: list[dict[str, Any]] = []
        while index < len(ordered) and ordered[index]["kind"] in ("question", _BETWEEN):
            if ordered[index]["kind"] == "question":
                questions.append(ordered[index])
            index += 1
        answers: list[dict[str, Any]] = []
        while index < len(ordered) and ordered[index]["kind"] in ("answer", _BETWEEN):
            if ordered[index]["kind"] == "answer":
                answers.append(ordered[index])
            index += 1
        positions = [question["position"] for question in questions]
        pairs.extend(QAPair(question=question, answers=tuple(answers), heading=heading,
                            asked_with=tuple(p for p in positions if p != question["position"]))
                     for question in questions)
    return pairs


def pair_lines(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of one archived statement (a version with the schema's fields and ``version``,
    ``same_as``): one per question of its segments; none when it has no segments (another type
    of document, a briefing whose structure was not recognised, or a version archived before
    segments existed: ``null``)."""
    lines = []
    for pair in qa_pairs(record.get("segments") or []):
        lines.append({
            "statement_id": record["id"], "version": record["version"], "source": record["source"],
            "language": record["language"], "url": record["url"], "title": record["title"],
            "published": record["published"], "published_precision": record.get("published_precision"),
            "same_as": record.get("same_as"), "heading": pair.heading,
            "position": pair.question["position"], "question": pair.question["text"],
            "question_speaker": pair.question["speaker"], "question_affiliation": pair.question["affiliation"],
            "asked_with": list(pair.asked_with), "answer": pair.answer, "answer_speakers": pair.answer_speakers,
            "answer_positions": [segment["position"] for segment in pair.answers],
        })
    return lines


def check_query(query: ExportQuery) -> ExportQuery:
    """The query, checked for pairs: ExportError for a type other than briefings (only briefings
    are split into questions and answers)."""
    if query.type not in (None, BRIEFING):
        raise ExportError(f"--segments: only briefings are split into questions and answers, not --type "
                          f"{query.type}")
    return query


@dataclass
class QATally:
    """What :func:`qa_lines` read: statements (or versions) read, and those that gave pairs."""

    read: int = 0
    with_pairs: int = 0


def count_briefings(store: ArchiveStore, query: ExportQuery) -> int:
    """How many statements (or versions, with ``versions="all"``) :func:`qa_lines` reads."""
    selection = replace(query.selection(), type=BRIEFING)
    if query.versions == "latest":
        return store.count_statements(selection)
    return store.count_versions(selection)


def qa_lines(store: ArchiveStore, query: ExportQuery, tally: QATally | None = None,
             progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """The pairs of the query's briefings, streaming: oldest publication first, each statement's
    versions in order (``versions="all"``), each briefing's questions in order. ``tally`` counts
    what was read; ``progress`` is called with the number of statements read, every hundred and
    at the end. Raises ExportError (before reading) for a query of another type of document."""
    check_query(query)
    selection = replace(query.selection(), type=BRIEFING)
    tally = tally if tally is not None else QATally()
    records = store.documents(selection, oldest_first=True) if query.versions == "latest" \
        else store.version_records(selection)

    def generate() -> Iterator[dict[str, Any]]:
        for record in records:
            lines = pair_lines(record)
            tally.read += 1
            tally.with_pairs += bool(lines)
            if progress and tally.read % 100 == 0:
                progress(tally.read)
            yield from lines
        if progress:
            progress(tally.read)

    return generate()


def encode_qa(line: dict[str, Any]) -> bytes:
    """One JSON line, UTF-8, fields in :data:`QA_FIELDS` order; U+2028, U+2029 and U+0085 escaped."""
    text = json.dumps({name: line.get(name) for name in QA_FIELDS}, ensure_ascii=False)
    return (one_line(text) + "\n").encode("utf-8")
