"""``scrapy diff ID``: two archived versions compared on a terminal, plain in a pipe, errors in one line."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

import pytest

from tests.crawl import REPO, SCRAPY, run_scrapy
from tests.feed_archive import PAGES, make_archive, statement

pytestmark = pytest.mark.e2e
BRIEFING = "mid:en:1820480"


@pytest.fixture
def archive(archive_url):
    store = make_archive(archive_url)
    second = statement(PAGES[2], fetched_at="2026-11-20T10:00:00Z")
    second["title"] += " (corrected)"
    third = statement(PAGES[2], fetched_at="2026-11-22T10:00:00Z")
    third["title"] = second["title"]
    paragraphs = third["body_text"].split("\n\n")
    first_words = paragraphs[1].split(" ", 1)
    paragraphs[1] = f"{first_words[0]} indeed {first_words[1]}"
    third["body_text"] = "\n\n".join([*paragraphs, "A paragraph added later."])
    third["body_html"] += "<p>A paragraph added later.</p>"
    assert store.write_batch([], [second]) == ["updated"]
    assert store.write_batch([], [third]) == ["updated"]
    store.close()
    return {"url": archive_url, "paragraph": paragraphs[1], "first_word": first_words[0]}


def diff(archive, *args: str, env: dict[str, str] | None = None):
    return run_scrapy("diff", *args, "-s", f"MF_ARCHIVE_URL={archive['url']}", env=env)


def test_latest_edit_in_a_pipe_is_plain_text(archive):
    result = diff(archive, BRIEFING)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{BRIEFING}  ") and lines[0].endswith(" (corrected)")
    assert lines[1] == "https://mid.ru/en/press_service/spokesman/briefings/1820480/"
    assert lines[2] == "version 2 (fetched 2026-11-20T10:00:00Z) → version 3 (fetched 2026-11-22T10:00:00Z)"
    assert lines[3] == "1 paragraph changed, 1 added, 0 removed; 31 characters changed"
    assert lines[4] == "fields changed: body_text, body_html"
    assert f"Changed paragraph 2\n  {archive['first_word']} {{+indeed +}}" in result.stdout
    assert result.stdout.endswith("\n\nAdded paragraph 14\n  {+A paragraph added later.+}\n")
    assert "\x1b[" not in result.stdout


def test_chosen_versions_title_change(archive):
    result = diff(archive, BRIEFING, "--from", "1", "--to", "2")
    assert result.returncode == 0, result.stderr
    assert "version 1 (fetched 2026-11-01T00:00:00Z) → version 2" in result.stdout
    assert "title changed" in result.stdout.splitlines()[3]
    assert "Title\n  " in result.stdout and "{+ (corrected)+}" in result.stdout
    backwards = diff(archive, BRIEFING, "--from", "3", "--to", "1")
    assert backwards.returncode == 0
    assert "{+A paragraph added later.+}" not in backwards.stdout
    assert "[-A paragraph added later.-]" in backwards.stdout


def test_one_version_only_is_a_note(archive):
    result = diff(archive, "mid:en:1819686")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.strip() == "scrapy diff: mid:en:1819686 has one version only: nothing to compare"


@pytest.mark.parametrize(("arguments", "message"), [
    (["mid:en:999"], "scrapy diff: mid:en:999: no such statement in the archive"),
    ([BRIEFING, "--to", "4"], f"scrapy diff: --to 4: {BRIEFING} has versions 1 to 3"),
    ([BRIEFING, "--from", "0", "--to", "2"], f"scrapy diff: --from 0: {BRIEFING} has versions 1 to 3"),
    ([BRIEFING, "--from", "x"], "scrapy diff: argument --from: invalid int value: 'x'"),
    ([], "scrapy diff: give one statement id (usage: scrapy diff ID [--from N] [--to M] "
         "[--color auto|always|never] [--context CHARS])"),
])
def test_unknown_id_or_version_is_one_line_and_exit_2(archive, arguments, message):
    result = diff(archive, *arguments)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


def _on_a_terminal(archive, *args: str, env: dict[str, str]) -> str:
    """``scrapy diff`` with its stdout on a pseudo-terminal: what the terminal shows."""
    leader, follower = pty.openpty()
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "TERM": "xterm", **env}
    full_env.pop("SCRAPY_SETTINGS_MODULE", None)
    if not env.get("NO_COLOR"):
        full_env.pop("NO_COLOR", None)
    process = subprocess.Popen([*SCRAPY, "diff", *args, "-s", f"MF_ARCHIVE_URL={archive['url']}"], cwd=REPO,
                               env=full_env, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0, process.stderr.read()
    return shown.decode("utf-8")


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals")
def test_colour_on_a_terminal_unless_no_color(archive):
    coloured = _on_a_terminal(archive, BRIEFING, env={})
    assert "\x1b[32;4mindeed \x1b[0m" in coloured
    assert "{+" not in coloured
    plain = _on_a_terminal(archive, BRIEFING, env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain and "{+indeed +}" in plain
    forced = diff(archive, BRIEFING, "--color", "always")
    assert "\x1b[32;4mindeed \x1b[0m" in forced.stdout
