"""Briefings as question–answer pairs, as researchers get them: the bundled mirror replayed
(``scrapy update --replay tests/fixtures``, which publishes), then ``scrapy export --segments``
with the export's filters, and the published ``<year>.qa.jsonl.gz`` dumps read back with their
manifest, checksums (``sha256sum -c``) and the index page's links; on each backend in turn."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from crawler.store import Selection, open_archive
from feeds.qa import QA_FIELDS, QA_SCHEMA_PATH, qa_schema
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


def test_published_qa_dumps_sit_beside_each_year_and_verify(demo):
    folder, archive = demo
    data = folder / "public" / "data"
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    statements = [entry for entry in manifest["files"] if entry["kind"] == "statements"]
    pairs = [entry for entry in manifest["files"] if entry["kind"] == "qa"]
    assert [entry["path"].replace(".qa.", ".") for entry in pairs] == [entry["path"] for entry in statements]
    assert manifest["qa_schema"]["version"] == qa_schema()["x-schema-version"]
    # SHA256SUMS lists every file, and sha256sum agrees
    sums = (data / "SHA256SUMS").read_text(encoding="utf-8")
    assert [line.split("  ")[1] for line in sums.splitlines()] == [entry["path"] for entry in manifest["files"]]
    checked = subprocess.run([shutil.which("sha256sum") or "sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=data,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK\n") == len(manifest["files"])
    read: list[dict] = []
    for entry in pairs:
        raw = (data / entry["path"]).read_bytes()
        assert (len(raw), hashlib.sha256(raw).hexdigest()) == (entry["bytes"], entry["sha256"])
        lines = read_lines(gzip.decompress(raw))
        check(lines)
        assert len(lines) == entry["lines"]
        assert len({line["statement_id"] for line in lines}) == entry["statements"]
        assert {(line["source"], line["language"], line["published"][:4]) for line in lines} <= {
            (entry["source"], entry["language"], f"{entry['year']:04d}")}
        read += lines
    assert len(read) == MIRROR_PAIRS
    # The dumps hold what an export of every version of every briefing gives.
    result = export(archive, "--versions", "all", "--include-removed", "--include-repeats")
    exported = read_lines(result.stdout.encode("utf-8"))

    def key(line: dict) -> tuple:
        return line["statement_id"], line["version"], line["position"]

    assert sorted(read, key=key) == sorted(exported, key=key)
    with_pairs = {entry["path"] for entry in pairs if entry["lines"]}
    assert "mea_in/en/2026.qa.jsonl.gz" in with_pairs and "aa/de/2025.qa.jsonl.gz" not in with_pairs


def test_the_index_page_links_the_qa_dumps_and_their_schema(demo):
    folder, _ = demo
    public = folder / "public"
    page = (public / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="(data/[^"]+\.qa\.jsonl\.gz)"', page)
    assert "data/mea_in/en/2022.qa.jsonl.gz" in linked and "data/fmprc/zh/2024.qa.jsonl.gz" in linked
    assert all((public / path).is_file() for path in linked)
    manifest = json.loads((public / "data" / "manifest.json").read_text(encoding="utf-8"))
    # every year with pairs is linked; years without briefings (Germany's) are not
    assert {f"data/{e['path']}" for e in manifest["files"] if e["kind"] == "qa" and e["lines"]} <= set(linked)
    assert not any(path.startswith("data/aa/") for path in linked)
    assert 'href="schema/qa_pair.schema.json"' in page
    assert (public / "schema" / "qa_pair.schema.json").read_bytes() == QA_SCHEMA_PATH.read_bytes()


def test_publishing_again_leaves_the_dumps_untouched(demo):
    folder, archive = demo
    data = folder / "public" / "data"
    before = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(data.rglob("*"))
              if path.is_file()}
    for full in ([], ["--full"]):
        result = run_scrapy("publish", *full, "-s", f"MF_ARCHIVE_URL={archive}",
                            "-s", f"MF_PUBLIC_DIR={folder / 'public'}")
        assert result.returncode == 0, result.stderr
    after = {path: (path.stat().st_mtime_ns, path.read_bytes()) for path in sorted(data.rglob("*"))
             if path.is_file()}
    assert after == before
    assert not [path for path in data.rglob(".*")]  # no file left half-written beside them
    assert any(Path(path).name.endswith(".qa.jsonl.gz") for path in before)
