"""Briefings as question–answer pairs, as researchers get them: the bundled mirror replayed
(``scrapy update --replay tests/fixtures``), then ``scrapy export --segments`` with the export's
filters; on each backend in turn."""

from __future__ import annotations

import gzip
import json
import subprocess

import pytest
from jsonschema import Draft202012Validator

from crawler.store import Selection, open_archive
from feeds.qa import QA_FIELDS, qa_schema
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy

pytestmark = pytest.mark.e2e
VALIDATOR = Draft202012Validator(qa_schema())
#: Pairs in the bundled mirror's briefings (each question once), and the briefings segmented.
MIRROR_PAIRS = 35
MIRROR_BRIEFINGS = 19


@pytest.fixture(scope="module")
def demo(tmp_path_factory, module_archive_url):
    """(folder, archive URL) of the demo crawled and published, on each backend in turn."""
    folder = tmp_path_factory.mktemp("qa")
    result = run_scrapy("update", "--replay", str(FIXTURES), *fast_settings(module_archive_url, folder))
    assert result.returncode == 0, result.stderr[-3000:]
    return folder, module_archive_url


def export(archive: str, *arguments: str) -> subprocess.CompletedProcess:
    return run_scrapy("export", "--segments", *arguments, "-s", f"MF_ARCHIVE_URL={archive}")


def read_lines(data: bytes) -> list[dict]:
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def check(lines: list[dict]) -> None:
    """Every line validates against schema/qa_pair.schema.json, its fields in order."""
    for line in lines:
        assert [error.message for error in VALIDATOR.iter_errors(line)] == [], line
        assert list(line) == list(QA_FIELDS)


def test_export_writes_one_valid_line_per_question_of_the_archive(demo):
    folder, archive = demo
    target = folder / "pairs.jsonl"
    result = export(archive, "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith(
        f"{MIRROR_PAIRS} question-answer pairs from {MIRROR_BRIEFINGS} of {MIRROR_BRIEFINGS} briefings written to "
        f"{target}")
    lines = read_lines(target.read_bytes())
    check(lines)
    # Each question segment of each archived briefing is one line, in the order of the page.
    with open_archive(archive, readonly=True) as store:
        briefings = list(store.documents(Selection(type="briefing"), oldest_first=True))
    questions = [(doc["id"], s["position"], s["text"]) for doc in briefings for s in doc["segments"] or []
                 if s["kind"] == "question"]
    assert [(line["statement_id"], line["position"], line["question"]) for line in lines] == questions
    assert len(lines) == MIRROR_PAIRS
    by_key = {(line["statement_id"], line["position"]): line for line in lines}
    # India's MEA: three questions asked in a row, answered together.
    batch = [by_key["mea_in:en:41702", position] for position in (1, 2, 3)]
    assert [(line["question_speaker"], line["question_affiliation"], line["asked_with"]) for line in batch] == [
        ("Ayushi Agarwal", "ANI", [2, 3]), ("Suhasini Haidar", "The Hindu", [1, 3]), (None, None, [1, 2])]
    assert {line["answer"] for line in batch} == {by_key["mea_in:en:41702", 1]["answer"]}
    assert batch[0]["answer"].startswith("Let me take these together.")
    assert batch[0]["answer_speakers"] == [{"speaker": "Shri Randhir Jaiswal", "affiliation": "Official Spokesperson"}]
    # China's MFA in Chinese: the outlet from "法新社记者：", the spokesperson from "毛宁："
    chinese = by_key["fmprc:zh:t20241128_11535541", 1]
    assert (chinese["question"], chinese["question_affiliation"], chinese["answer"], chinese["answer_speakers"]) == (
        "能否介绍会晤的更多情况？", "法新社", "我们会适时发布消息，请保持关注。",
        [{"speaker": "毛宁", "affiliation": None}])
    assert (chinese["language"], chinese["url"]) == (
        "zh", "https://www.mfa.gov.cn/web/fyrbt_673021/jzhsl_673025/202411/t20241128_11535541.shtml")
    # mid.ru in Russian: the spokesperson as printed, under the section heading
    russian = by_key["mid:ru:1820480", 9]
    assert (russian["heading"], russian["answer_speakers"], russian["published"]) == (
        "Из ответов на вопросы СМИ:", [{"speaker": "М.В.Захарова", "affiliation": None}], "2022-06-30T15:10:00+03:00")
    assert russian["question"].startswith("Планируется ли встреча министров иностранных дел")
    # Japan's MOFA: the topic heading of each exchange, the minister and his office
    japanese = by_key["mofa_jp:en:kaikenite_000001_00088", 11]
    assert (japanese["heading"], japanese["question_speaker"], japanese["question_affiliation"],
            japanese["answer_speakers"]) == ("Situation in the Middle East", "Abe", "Asahi Shimbun",
                                             [{"speaker": "Motegi", "affiliation": "Minister"}])


def test_export_honours_the_selection_options(demo):
    folder, archive = demo
    result = export(archive, "--source", "mid", "--language", "ru", "--since", "2022-01-01")
    assert result.returncode == 0, result.stderr
    lines = read_lines(result.stdout.encode("utf-8"))
    assert [(line["statement_id"], line["position"]) for line in lines] == [
        ("mid:ru:1819402", 3), ("mid:ru:1820480", 7), ("mid:ru:1820480", 9)]
    target = folder / "old.jsonl.gz"
    assert export(archive, "--type", "briefing", "--until", "2021-12-31", "-o", str(target)).returncode == 0
    lines = read_lines(gzip.decompress(target.read_bytes()))
    check(lines)
    assert [line["statement_id"] for line in lines] == ["mid:en:liferay-2827093", "mid:ru:liferay-2827093",
                                                        "mea_in:hi:33993"]
    result = export(archive, "--versions", "all", "--include-removed", "--include-repeats", "--source", "state_dept")
    assert [(line["statement_id"], line["version"], line["answer_speakers"]) for line in
            read_lines(result.stdout.encode("utf-8"))] == [
        ("state_dept:en:104230", 1, [{"speaker": "MS BRUCE", "affiliation": None}])]


@pytest.mark.parametrize(("arguments", "message"), [
    (["--type", "news"], "scrapy export: --segments: only briefings are split into questions and answers, not "
                         "--type news"),
    (["--warc", "out.warc"], "scrapy export: --segments writes JSON Lines: not with --warc"),
    (["--source", "fco"], "scrapy export: unknown source 'fco'"),
])
def test_bad_requests_exit_2_with_one_line(demo, arguments, message):
    _, archive = demo
    result = export(archive, *arguments)
    assert result.returncode == 2
    assert result.stderr.strip().startswith(message) and "\n" not in result.stderr.strip()
    assert result.stdout == ""
