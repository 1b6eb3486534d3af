"""Briefings as question–answer pairs (feeds.qa): the pair builder on the labelled briefings of
tests/fixtures/briefings/, the lines read from an archive (on both backends), and the published
``<year>.qa.jsonl.gz`` dumps with their manifest entries and checksums."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date

import pytest
from jsonschema import Draft202012Validator

from crawler.items import statement_schema
from feeds.dumps import publish_dumps
from feeds.jsonl import ExportError, ExportQuery
from feeds.qa import QA_FIELDS, QATally, encode_qa, pair_lines, qa_lines, qa_pairs, qa_schema
from tests.briefing_set import BRIEFINGS, labelled_pages
from tests.feed_archive import PAGES, make_archive, statement

VALIDATOR = Draft202012Validator(qa_schema())
BRIEFING = PAGES[2]  # mid:en:1820480, four headings and statements, then two questions answered


def labelled(name: str) -> list[dict]:
    """The segments a reader marked on one labelled briefing."""
    return json.loads((BRIEFINGS / f"{name}.labels.json").read_text(encoding="utf-8"))["segments"]


def summary(segments: list[dict]) -> list[tuple]:
    """(question's position, asked_with, answer positions, who answered) of each pair."""
    return [(pair.question["position"], pair.asked_with, [a["position"] for a in pair.answers],
             [(who["speaker"], who["affiliation"]) for who in pair.answer_speakers]) for pair in qa_pairs(segments)]


def errors(line: dict) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(line)]


# --- the pair builder, on the labelled briefings ---------------------------------------------------

def test_questions_asked_together_share_the_answer_that_follows():
    # mea.gov.in: journalists ask in turn, then the spokesperson answers them together
    segments = labelled("mea-en-2022-batched-questions")
    pairs = qa_pairs(segments)
    assert summary(segments) == [
        (1, (2,), [3], [("Shri Arindam Bagchi", "Official Spokesperson")]),
        (2, (1,), [3], [("Shri Arindam Bagchi", "Official Spokesperson")]),
        (4, (5,), [6], [("Shri Arindam Bagchi", "Official Spokesperson")]),
        (5, (4,), [6], [("Shri Arindam Bagchi", "Official Spokesperson")]),
        (7, (), [8], [("Shri Arindam Bagchi", "Official Spokesperson")]),
    ]
    assert [(p.question["speaker"], p.question["affiliation"]) for p in pairs] == [
        ("Sidhant", None), ("Vineet", None), ("Vineet", None), ("Yeshi", None), ("Kavita", None)]
    assert pairs[0].answer == pairs[1].answer == "This issue of G20?"
    assert pairs[4].answer.startswith("Let me take that together. We have seen the reports.")


def test_a_follow_up_is_a_question_of_its_own_and_outlets_are_kept():
    # mid.ru in Russian: "Вопрос (ТАСС):" then a follow-up, answered together by "Ответ:"
    segments = labelled("mid-ru-2023-boldp-b")
    assert summary(segments) == [
        (5, (), [6], [("М.В.Захарова", None)]),
        (7, (), [8], [("М.В.Захарова", None)]),
        (9, (10,), [11], []),  # "Ответ:" names no one
        (10, (9,), [11], []),
    ]
    pairs = qa_pairs(segments)
    assert [p.question["affiliation"] for p in pairs] == [None, "Reuters", "ТАСС", None]
    assert pairs[3].question["text"] == "И обсуждается ли вопрос мирного договора?"
    assert {p.heading for p in pairs} == {"Из ответов на вопросы СМИ:"}


def test_an_answer_of_several_paragraphs_stays_whole():
    pairs = qa_pairs(labelled("fmprc-zh-2022-outlets-b"))
    assert pairs[0].question["affiliation"] == "澎湃新闻"
    assert pairs[0].answer == ("中方已经就此发表了声明。\n\n"
                               "美方的行为严重违反一个中国原则和中美三个联合公报规定，严重损害中国主权和领土完整。")
    assert pairs[0].answer_speakers == [{"speaker": "华春莹", "affiliation": None}]
    assert [p.question["affiliation"] for p in pairs] == ["澎湃新闻", None, "NHK", "总台央视"]


def test_notes_neither_end_an_exchange_nor_join_its_text():
    # state.gov: "(Laughter.)" inside an answer, "(Crosstalk.)" between two questions
    segments = labelled("state-2023-05-25-plain")
    assert summary(segments) == [
        (2, (), [3], [("MR MILLER", None)]),
        (4, (5,), [6], [("MR MILLER", None)]),
        (5, (4,), [6], [("MR MILLER", None)]),
        (7, (), [8], [("MR MILLER", None)]),
        (9, (), [10, 12], [("MR MILLER", None)]),
        (13, (), [14], [("MR RUBIN", None)]),  # another official takes the question
    ]
    laughter = qa_pairs(segments)[4]
    assert laughter.question["text"] == "(Off-mike.)"
    assert laughter.answer == "I think I’ve answered that one already.\n\nBut I’m happy to take it again next week."
    assert summary(labelled("state-2023-09-tight-colons"))[1:3] == [
        (4, (6,), [7], [("MR MILLER", None)]), (6, (4,), [7], [("MR MILLER", None)])]


def test_topic_headings_and_offices_of_who_answers():
    pairs = qa_pairs(labelled("mofa-en-2014-surname-outlet-boldp"))
    assert [(p.heading, p.question["speaker"], p.question["affiliation"], p.answer_speakers) for p in pairs] == [
        ("NSC meeting", "Arita", "Nippon TV",
         [{"speaker": "Fumio Kishida", "affiliation": "Minister for Foreign Affairs"}]),
        ("Director-General of the Asian and Oceanian Affairs Bureau Junichi Ihara’s visit to China", "Arita",
         "Nippon TV", [{"speaker": "Kishida", "affiliation": "Minister"}]),
        ("Japan-North Korea relations", "Arita", "Nippon TV", [{"speaker": "Kishida", "affiliation": "Minister"}]),
    ]
    # before the first heading, a pair has none
    assert {p.heading for p in qa_pairs(labelled("fmprc-en-2022-outlets-plain"))} == {None}


def test_a_question_left_without_an_answer_is_a_pair_with_none():
    # The transcript cut after the last question (its answer and the closing note gone) ...
    cut = labelled("state-2023-05-25-plain")[:14]
    last = qa_pairs(cut)[-1]
    assert (last.question["position"], last.answer, last.answers, last.answer_speakers) == (13, None, (), [])
    # ... and a question that a heading follows (the answer left out of the page).
    segments = [s for s in labelled("mofa-en-2014-surname-outlet-boldp") if s["position"] != 2]
    assert [p.answer is None for p in qa_pairs(segments)] == [True, False, False]
    record = {"id": "mofa_jp:en:kaiken4e_000113", "version": 1, "source": "mofa_jp", "language": "en",
              "url": "https://www.mofa.go.jp/press/kaiken/kaiken4e_000113.html", "title": "Press Conference",
              "published": "2014-10-31T00:00:00+09:00", "published_precision": "date", "same_as": None,
              "segments": segments}
    line = pair_lines(record)[0]
    assert (line["answer"], line["answer_positions"], line["answer_speakers"]) == (None, [], [])
    assert errors(line) == []


def test_every_labelled_question_is_in_exactly_one_pair_and_our_segments_give_the_same_pairs():
    pages = labelled_pages()
    assert len(pages) >= 12

    def flat(text: str | None) -> str | None:
        return " ".join(text.split()) if text is not None else None

    def shape(pairs):
        return [(p.question["position"], flat(p.question["text"]), p.question["speaker"], p.question["affiliation"],
                 p.asked_with, [a["position"] for a in p.answers], flat(p.answer), p.answer_speakers, p.heading)
                for p in pairs]

    total = 0
    for page in pages:
        pairs = qa_pairs(page.expected)
        questions = [s["position"] for s in page.expected if s["kind"] == "question"]
        assert [p.question["position"] for p in pairs] == questions, page.name
        for pair in pairs:  # what answers a question comes after it, before the next question run
            positions = [a["position"] for a in pair.answers]
            assert all(a["kind"] == "answer" for a in pair.answers), page.name
            assert all(p > max((pair.question["position"], *pair.asked_with)) for p in positions), page.name
        total += len(pairs)
        # the segments the crawler reads from the saved page give the pairs the reader marked
        assert shape(qa_pairs(page.predicted)) == shape(pairs), page.name
    assert total > 80
    # pages whose structure is not recognised have no segments, hence no pairs
    assert [page.name for page in pages if not qa_pairs(page.predicted)] == [
        "mid-en-2021-unlabelled-bold-questions", "state-2024-video-only"]


def test_segments_without_a_question_give_no_pair():
    assert qa_pairs([]) == []
    opening = [s for s in labelled("mid-en-2022-h3-strong") if s["kind"] in ("heading", "statement")]
    assert qa_pairs(opening) == []
    assert pair_lines({"segments": None}) == [] and pair_lines({"segments": []}) == []


# --- lines from the archive, on both backends --------------------------------------------------------

@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url)
    edited = statement(BRIEFING, fetched_at="2026-11-20T10:00:00Z")
    edited["segments"][8]["text"] += " We have said so."
    edited["body_text"] = edited["body_text"].replace("We have commented on this many times.",
                                                      "We have commented on this many times. We have said so.")
    store.write_batch([], [edited])
    yield store
    store.close()


def test_lines_of_the_archive_validate_and_carry_the_statement(archive):
    tally = QATally()
    lines = list(qa_lines(archive, ExportQuery(), tally))
    assert (tally.read, tally.with_pairs) == (1, 1)
    assert [(line["statement_id"], line["version"], line["position"], line["answer_positions"]) for line in lines] == [
        ("mid:en:1820480", 2, 7, [8]), ("mid:en:1820480", 2, 9, [10])]
    first = lines[0]
    assert first["question"] == "How would you comment on the statements about a possible supply of long-range " \
                                "missile systems to Kiev?"
    assert first["answer"].startswith("We have commented on this many times. Such supplies would be")
    assert first["answer"].endswith("We have said so.")
    assert (first["url"], first["published"], first["language"], first["source"], first["heading"]) == (
        "https://mid.ru/en/press_service/spokesman/briefings/1820480/", "2022-06-30T15:10:00+03:00", "en", "mid",
        "Answers to media questions:")
    assert first["answer_speakers"] == [{"speaker": "Maria Zakharova", "affiliation": None}]
    for line in lines:
        assert errors(line) == []
        assert list(json.loads(encode_qa(line))) == list(QA_FIELDS)


def test_every_version_gives_its_pairs_and_the_filters_apply(archive):
    every = list(qa_lines(archive, ExportQuery(versions="all")))
    assert [(line["version"], line["position"]) for line in every] == [(1, 7), (1, 9), (2, 7), (2, 9)]
    assert not every[0]["answer"].endswith("We have said so.")
    assert every[2]["answer"].endswith("We have said so.")
    assert list(qa_lines(archive, ExportQuery(language="ru"))) == []
    assert list(qa_lines(archive, ExportQuery(until=date(2022, 6, 29)))) == []
    assert len(list(qa_lines(archive, ExportQuery(since=date(2022, 6, 30), type="briefing")))) == 2
    assert list(qa_lines(archive, ExportQuery(tag="NATO (North Atlantic Treaty Organization)"))) == []
    with pytest.raises(ExportError, match="--segments: only briefings are split into questions and answers, not "
                                          "--type comment"):
        qa_lines(archive, ExportQuery(type="comment"))


def test_a_version_archived_before_segments_gives_no_pairs(archive_url):
    store = make_archive(archive_url, [BRIEFING])
    old = statement(BRIEFING, fetched_at="2026-11-20T10:00:00Z")
    old["segments"] = None
    old["title"] += " (as archived by an older release)"
    store.write_batch([], [old])
    try:
        tally = QATally()
        lines = list(qa_lines(store, ExportQuery(versions="all"), tally))
        assert [line["version"] for line in lines] == [1, 1]
        assert (tally.read, tally.with_pairs) == (2, 1)
    finally:
        store.close()


# --- the published dumps ------------------------------------------------------------------------------

def test_qa_dumps_beside_each_year_in_the_manifest_and_sums(archive, tmp_path):
    out = tmp_path / "data"
    written = publish_dumps(archive, out, None)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(entry["path"], entry["kind"], entry["lines"], entry["statements"]) for entry in manifest["files"]] == [
        ("mid/en/2017.jsonl.gz", "statements", 1, 1), ("mid/en/2017.qa.jsonl.gz", "qa", 0, 0),
        ("mid/en/2022.jsonl.gz", "statements", 4, 3), ("mid/en/2022.qa.jsonl.gz", "qa", 4, 1),
        ("mid/ru/2022.jsonl.gz", "statements", 1, 1), ("mid/ru/2022.qa.jsonl.gz", "qa", 0, 0),
    ]
    assert sorted(written) == sorted([f"data/{entry['path']}" for entry in manifest["files"]]
                                     + ["data/manifest.json", "data/SHA256SUMS"])
    assert manifest["qa_schema"] == {"version": "1.0.0", "id": qa_schema()["$id"],
                                     "documentation": "docs/schema.md#questions-and-answers"}
    assert manifest["schema"]["version"] == statement_schema()["x-schema-version"]
    sums = dict(reversed(line.split("  ")) for line in (out / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {entry["path"] for entry in manifest["files"]}
    for entry in manifest["files"]:
        raw = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"] == sums[entry["path"]]
        assert len(raw) == entry["bytes"]
        assert raw[4:8] == b"\0\0\0\0"  # no time in the gzip header
    qa = [json.loads(line) for line in gzip.decompress((out / "mid/en/2022.qa.jsonl.gz").read_bytes()).splitlines()]
    assert [(line["statement_id"], line["version"], line["position"]) for line in qa] == [
        ("mid:en:1820480", 1, 7), ("mid:en:1820480", 1, 9), ("mid:en:1820480", 2, 7), ("mid:en:1820480", 2, 9)]
    assert all(errors(line) == [] for line in qa)
    entry = next(e for e in manifest["files"] if e["path"] == "mid/en/2022.qa.jsonl.gz")
    assert entry["first_published"] == entry["last_published"] == "2022-06-30T15:10:00+03:00"
    assert gzip.decompress((out / "mid/en/2017.qa.jsonl.gz").read_bytes()) == b""


def test_qa_dumps_are_rewritten_only_when_their_pairs_change(archive, tmp_path):
    out = tmp_path / "data"
    publish_dumps(archive, out, None)
    stamps = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*") if p.is_file()}
    assert publish_dumps(archive, out, None) == []
    assert publish_dumps(archive, out, {("mid", "en", "2022")}) == []
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in stamps} == stamps
    assert sorted(p.name for p in out.rglob(".*")) == []  # nothing left beside the files
    # A third version of the briefing: its year's statements and pairs change, nothing else.
    third = statement(BRIEFING, fetched_at="2026-11-22T10:00:00Z")
    third["segments"][10]["text"] = "Contacts continue."
    third["body_text"] = third["body_text"].replace(
        "Contacts continue at various levels. We will inform you about the dates in due course.", "Contacts continue.")
    assert archive.write_batch([], [third]) == ["updated"]
    assert publish_dumps(archive, out, {("mid", "en", "2022")}) == [
        "data/mid/en/2022.jsonl.gz", "data/mid/en/2022.qa.jsonl.gz", "data/manifest.json", "data/SHA256SUMS"]
    qa = [json.loads(line) for line in gzip.decompress((out / "mid/en/2022.qa.jsonl.gz").read_bytes()).splitlines()]
    assert [(line["version"], line["answer"]) for line in qa if line["position"] == 9][-1] == (3, "Contacts continue.")


def test_dumps_published_before_pairs_existed_gain_them_on_the_next_publish(archive, tmp_path):
    out = tmp_path / "data"
    publish_dumps(archive, out, None)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # the manifest an earlier release wrote: statements only
    manifest["files"] = [{k: v for k, v in e.items() if k != "kind"} for e in manifest["files"]
                         if not e["path"].endswith(".qa.jsonl.gz")]
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for path in out.rglob("*.qa.jsonl.gz"):
        path.unlink()
    written = publish_dumps(archive, out, set())  # nothing changed in the archive
    assert written == ["data/mid/en/2017.qa.jsonl.gz", "data/mid/en/2022.qa.jsonl.gz", "data/mid/ru/2022.qa.jsonl.gz",
                       "data/manifest.json", "data/SHA256SUMS"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["kind"] for entry in manifest["files"]] == ["statements", "qa"] * 3


def test_line_separators_inside_a_text_are_written_escaped():
    segments = [dict(s) for s in labelled("fmprc-en-2015-qa-strong")]
    question = next(s for s in segments if s["kind"] == "question")
    question["text"] = "First line\u2028second\u2029third\u0085end?"
    record = {"id": "fmprc:en:t1", "version": 1, "source": "fmprc", "language": "en",
              "url": "https://www.fmprc.gov.cn/eng/xwfw_665399/s2510_665401/t1.shtml", "title": "Press Conference",
              "published": "2015-01-05T00:00:00+08:00", "published_precision": "date", "same_as": None,
              "segments": segments}
    data = encode_qa(pair_lines(record)[0])
    assert data.count(b"\n") == 1 and len(data.decode("utf-8").splitlines()) == 1
    assert b"\\u2028" in data and b"\\u2029" in data and b"\\u0085" in data
    assert json.loads(data)["question"] == "First line\u2028second\u2029third\u0085end?"


def test_the_schema_and_its_documentation_name_the_fields_in_the_order_written():
    schema = qa_schema()
    assert tuple(schema["required"]) == tuple(schema["properties"]) == QA_FIELDS
    assert schema["$id"].endswith(f"/qa-pair/{schema['x-schema-version']}/qa_pair.schema.json")
    docs = (BRIEFINGS.parents[2] / "docs" / "schema.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Questions and answers"):docs.index("## Archive fields")]
    for name in QA_FIELDS:
        assert f"**`{name}`**" in section, name
    assert f"- {schema['x-schema-version']} — " in section
