"""Crawls on Scrapyd nodes (issue 13): two real ``scrapyd`` processes on loopback ports, each in
a folder of its own, the project deployed to them with ``scrapyd-deploy``, every source's sites
served on loopback, the archive in the tests' PostgreSQL server.

A run on the two nodes publishes the same bytes as a run on one machine; a node killed mid-run
loses nothing and a node that never answers is left out; with no node left the targets are
reported failed (1); Ctrl-C cancels the jobs (130) and a second run waits its turn (75); a bad
command line is one line and 2."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.report import TargetRun
from crawler.sources import SOURCES
from crawler.store import ArchiveError, Selection, open_archive
from crawler.store.locks import ArchiveLocks
from crawler.store.runs import ABANDONED, CANCELLED, FINISHED, RUNNING, CrawlRun
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy, start_scrapy
from tests.e2e.test_deployments import faketime, tree  # noqa: F401 - faketime is a fixture
from tests.e2e.test_every_source import HOSTS
from tests.feed_archive import BASE_URL
from tests.loopback import LoopbackSite
from tests.scrapyd import ScrapydNode, build_egg, deploy

pytestmark = pytest.mark.e2e
TARGETS = [spider for source in SOURCES.values() for spider in source.spiders]
#: Three targets of two sources: the runs that need only a few (a node lost, an interruption).
FEW = ["mid", "mid_archive", "fcdo"]
#: What the summary line says after the target's name, up to its duration (which differs).
_LINE = re.compile(r"^(\w+): (ok|FAILED.*?) — (.*); [\d.]+ s$")
#: A loopback port nothing listens on (the discard service's).
SILENT = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory, faketime):  # noqa: F811
    """Two Scrapyd nodes, four crawls at once each, the project's egg (``scrapyd-deploy
    --build-egg``) deployed to both; their crawls run with the clock frozen (as the local run
    compared with them)."""
    folder = tmp_path_factory.mktemp("scrapyd")
    egg = build_egg(folder / "build")
    with contextlib.ExitStack() as stack:
        started = {name: stack.enter_context(ScrapydNode(folder / name, max_proc=4, frozen_clock=faketime))
                   for name in ("node-a", "node-b")}
        answers = deploy(egg, started, folder / "build")  # its copy of the checkout, a scrapy.cfg of the user's
        assert all(f'"spiders": {len(TARGETS)}' in answer for answer in answers), answers
        yield started


def loopback_sites(stack: contextlib.ExitStack, targets: list[str] = TARGETS, delay: float = 0.0) -> dict[str, str]:
    """The targets' sites on loopback (each answer ``delay`` seconds late): the settings that
    point the spiders at them."""
    settings = {}
    for hosts in (HOSTS[target] for target in targets):
        for host, setting in hosts if isinstance(hosts, list) else [hosts]:
            settings[setting] = stack.enter_context(LoopbackSite(FIXTURES, host=host, delay=delay)).base_url
    return settings


@pytest.fixture(scope="module")
def sites():
    with contextlib.ExitStack() as stack:
        yield loopback_sites(stack)


def options(folder: Path, url: str, sites: dict[str, str], **extra: str) -> list[str]:
    return fast_settings(url, **sites, MF_PUBLIC_BASE_URL=BASE_URL, MF_LOCK_PATH=str(folder / "lock"),
                         MF_REPORT_DIR=str(folder / "reports"), MF_PUBLIC_DIR=str(folder / "public"),
                         MF_SCRAPYD_JOBS_PER_NODE="4", MF_SCRAPYD_POLL_INTERVAL="0.2", **extra)


@dataclass(frozen=True)
class LocalRun:
    """The single-machine run the runs on the nodes are compared with."""

    folder: Path
    url: str
    stderr: str


@pytest.fixture(scope="module")
def local(tmp_path_factory, postgres, sites, faketime):  # noqa: F811
    """`scrapy update` of every target on this machine, into a database of its own."""
    folder = tmp_path_factory.mktemp("local")
    url = postgres.url(postgres.create_database())
    result = run_scrapy("update", *options(folder, url, sites), env=faketime)
    assert result.returncode == 0, result.stderr[-3000:]
    return LocalRun(folder, url, result.stderr)


def urls(*nodes: ScrapydNode | str) -> str:
    return ",".join(node if isinstance(node, str) else node.url for node in nodes)


def lines(stderr: str) -> dict[str, tuple[str, str]]:
    """Each target's summary line, without its duration."""
    found = {}
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match and match.group(1) in TARGETS:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def report(folder: Path) -> dict:
    return json.loads((folder / "reports" / "last-run.json").read_text(encoding="utf-8"))


def without(entry: dict) -> dict:
    """A report's entry for a target or source without its duration (and the run on Scrapyd's
    own ``extra.scrapyd``)."""
    entry = {key: value for key, value in entry.items() if key != "duration_seconds"}
    if "extra" in entry:
        entry["extra"] = {key: value for key, value in entry["extra"].items() if key != "scrapyd"}
    return entry


def publish_state(data: bytes) -> dict:
    """A ``.publish-state.json`` without what numbers the archive's changes (the change sequence
    published and the witnesses of it: which statements changed last is the order of the writes)."""
    state = json.loads(data)
    assert state["status"] == "done" and state["change_seq"] > 0 and state["witnesses"]
    return {**state, "change_seq": None, "witnesses": None}


def wait_for(condition, seconds: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def records(url: str) -> list[CrawlRun]:
    """Every run record in the archive at ``url`` (none while it holds no archive yet)."""
    with contextlib.suppress(ArchiveError), open_archive(url, readonly=True) as store:
        return store.crawl_runs()
    return []


# --- the same bytes ---------------------------------------------------------------------------------
def test_a_run_on_two_nodes_publishes_what_one_machine_publishes(tmp_path, postgres, nodes, sites, local, faketime):  # noqa: F811
    there = postgres.url(postgres.create_database())
    spread = run_scrapy("update", "--scrapyd", urls(*nodes.values()), *options(tmp_path, there, sites), env=faketime)
    assert spread.returncode == 0, spread.stderr[-3000:]

    # The same public folder, byte for byte: feeds, archives, OPML, index page, dumps; the
    # publish state alike but for the archive's own change counters (two nodes writing at once
    # number the same changes in another order).
    on_one, on_two = tree(local.folder / "public"), tree(tmp_path / "public")
    assert len([name for name in on_one if name.endswith(".atom")]) > 200
    assert sorted(on_one) == sorted(on_two)
    one_state, two_state = (publish_state(files.pop(".publish-state.json")) for files in (on_one, on_two))
    assert one_state == two_state
    assert [name for name in on_one if on_one[name] != on_two[name]] == []
    # The same summary lines (durations aside) and report, published once.
    assert lines(spread.stderr) == lines(local.stderr)
    assert sorted(lines(spread.stderr)) == sorted(TARGETS)
    assert len(re.findall(r"^publish: ", spread.stderr, re.MULTILINE)) == 1
    ours, theirs = report(tmp_path), report(local.folder)
    assert ours["ok"] is True and ours["publish"]["ok"] is True
    assert ours["archive"] == {**theirs["archive"], "url": there} == {
        "url": there, "ok": True, "error": None, "health_recorded": True}
    for part in ("sources", "targets"):
        assert {name: without(entry) for name, entry in ours[part].items()} == \
            {name: without(entry) for name, entry in theirs[part].items()}
    for target in ours["targets"].values():
        assert target["extra"]["scrapyd"]["node"] in {node.url for node in nodes.values()}
        assert target["extra"]["scrapyd"]["attempts"] == 1
    # Both nodes crawled; each job recorded its run and its target's health in the archive.
    assert all(ours["scrapyd"]["nodes"][node.url]["jobs"] >= 3 for node in nodes.values())
    with open_archive(there, readonly=True) as store, open_archive(local.url, readonly=True) as alone:
        recorded = store.crawl_runs(ours["scrapyd"]["run_id"])
        assert sorted(record.target for record in recorded) == sorted(TARGETS)
        assert {record.state for record in recorded} == {FINISHED}
        for record in recorded:
            assert TargetRun.from_dict(record.report).summary_line() == \
                TargetRun.from_dict(ours["targets"][record.target]).summary_line()
            node = next(node for node in nodes.values() if node.url == record.node)
            assert record.job in node.job_logs()  # it ran where it was given
        assert store.health() == alone.health()
        assert all(health["last_success"] == "2026-11-30T12:00:00+00:00" for health in store.health().values())
        assert store.integrity_problems() == []
    # The jobs were given the archive (no password), the run id and the command line's settings,
    # not this machine's paths.
    started = [line for node in nodes.values() for line in node.log().splitlines()
               if "Process started" in line and ours["scrapyd"]["run_id"] in line]
    assert len(started) == len(TARGETS)
    assert all(f"MF_ARCHIVE_URL={there}" in line and f"MF_RUN_ID={ours['scrapyd']['run_id']}" in line
               and f"MF_MID_BASE_URL={sites['MF_MID_BASE_URL']}" in line for line in started)
    assert not any(str(tmp_path) in line for line in started)


# --- nodes lost -------------------------------------------------------------------------------------
def test_a_node_killed_mid_run_loses_nothing_and_a_silent_one_is_left_out(tmp_path, postgres, nodes, local):
    """Node A dies with its crawls (SIGKILL of its process group) once they have started; a third
    URL never answers. Their targets finish on B, every statement is archived, exit code 0."""
    url = postgres.url(postgres.create_database())
    node_a, node_b = nodes["node-a"], nodes["node-b"]
    with contextlib.ExitStack() as stack:
        slow = loopback_sites(stack, FEW, delay=0.1)
        coordinator = start_scrapy("update", "--scrapyd", urls(node_a, node_b, SILENT), "--only", ",".join(FEW),
                                   *options(tmp_path, url, slow))
        try:
            wait_for(lambda: any(record.state == RUNNING and record.node == node_a.url for record in records(url)),
                     what="a crawl running on node A")
            dead = node_a.url  # it comes back on another port
            killed = [record.job for record in records(url) if record.node == dead and record.state != FINISHED]
            node_a.kill()
            _out, err = coordinator.communicate(timeout=120)
        finally:
            if coordinator.poll() is None:
                coordinator.kill()
            node_a.start()  # back for the other tests
    assert coordinator.returncode == 0, err[-4000:]
    assert f"scrapyd: {SILENT}: connection refused; not used in this run" in err
    assert f"scrapyd: {dead}: connection refused; its jobs (" in err
    result = report(tmp_path)
    assert result["ok"] is True
    assert sorted(lines(err)) == sorted(FEW) and all(status == "ok" for status, _ in lines(err).values())
    moved = {name: target["extra"]["scrapyd"] for name, target in result["targets"].items()
             if target["extra"]["scrapyd"]["lost"]}
    assert {job.split("-")[-2] for job in killed} == set(moved)  # what died on A ran again on B
    assert all(where["node"] == node_b.url and where["attempts"] == 2 for where in moved.values())
    assert result["scrapyd"]["nodes"][SILENT] == {"jobs": 0, "given_up": "connection refused"}
    with open_archive(url, readonly=True) as there, open_archive(local.url, readonly=True) as alone:
        for source in ("mid", "fcdo"):
            everything = Selection(source=source, include_repeats=True)
            assert [doc["id"] for doc in there.documents(everything)] == \
                [doc["id"] for doc in alone.documents(everything)]
            assert there.count_versions(everything) == alone.count_versions(everything)
        assert there.integrity_problems() == []
        recorded = there.crawl_runs(result["scrapyd"]["run_id"])
        assert sorted(record.target for record in recorded if record.state == FINISHED) == sorted(FEW)
        given_up = {record.job: record.note for record in recorded if record.state == ABANDONED}
        # A crawl that had started died with the node (its lock freed); one not started was given up.
        assert set(given_up) == set(killed)
        assert any(note.startswith("its crawl died (") for note in given_up.values())
        assert all(note.startswith("its crawl died (") or note == "connection refused" for note in given_up.values())


def test_with_no_node_left_every_target_is_reported_failed(tmp_path, postgres, sites):
    url = postgres.url(postgres.create_database())
    result = run_scrapy("update", "--scrapyd", SILENT, "--only", "fcdo,aa", *options(tmp_path, url, sites))
    assert result.returncode == 1, result.stderr[-3000:]
    assert f"scrapyd: {SILENT}: connection refused; not used in this run" in result.stderr
    failed = (f"FAILED: no Scrapyd node left to run it ({SILENT}: connection refused)", "0 new; 0 requests (none)")
    assert lines(result.stderr) == {"fcdo": failed, "aa": failed}
    assert "publish: " in result.stderr and "Traceback" not in result.stderr
    with open_archive(url, readonly=True) as store:
        health = store.health()
    assert sorted(health) == ["aa", "fcdo"]
    assert all(record["consecutive_failures"] == 1 and record["last_success"] is None for record in health.values())
    assert report(tmp_path)["ok"] is False


@pytest.mark.parametrize(("arguments", "message"), [  # every bad URL: tests/test_scrapyd_run.py
    (["--scrapyd", "ftp://127.0.0.1:6800"], "--scrapyd ftp://127.0.0.1:6800: not a Scrapyd URL (http://HOST:6800)"),
    (["--scrapyd", "http://a:6800", "-s", "MF_ARCHIVE_URL=sqlite:///x.sqlite3"],
     "--scrapyd needs a PostgreSQL archive, which every node writes to"),
])
def test_a_bad_command_line_is_one_line_and_exit_2(tmp_path, arguments, message):
    result = run_scrapy("update", *arguments, "-s", f"MF_REPORT_DIR={tmp_path}", "-s", f"MF_LOCK_PATH={tmp_path}/l")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


# --- interrupted ------------------------------------------------------------------------------------
def test_ctrl_c_cancels_the_jobs_and_a_second_run_exits_75(tmp_path, postgres, nodes):
    url = postgres.url(postgres.create_database())
    with contextlib.ExitStack() as stack:
        slow = loopback_sites(stack, FEW, delay=0.3)
        first = start_scrapy("update", "--scrapyd", urls(*nodes.values()), "--only", ",".join(FEW),
                             *options(tmp_path / "first", url, slow))
        try:
            wait_for(lambda: sum(record.state == RUNNING for record in records(url)) >= 2, what="crawls running")
            with ArchiveLocks(url, "test") as locks:
                assert f"pid {first.pid}@" in (locks.holder("update:mid") or "")
            second = run_scrapy("update", "--scrapyd", urls(*nodes.values()), "--only", "fcdo,aa",
                                *options(tmp_path / "second", url, slow))
            assert second.returncode == 75, second.stderr[-2000:]
            assert "another update is running (update:fcdo is held by ministry-feeds update" in second.stderr
            assert not (tmp_path / "second" / "reports").exists()
            first.send_signal(signal.SIGINT)
            _out, err = first.communicate(timeout=120)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == 130, err[-3000:]
    assert re.search(r"^scrapy update: interrupted by SIGINT: cancelling the [1-3] job\(s\) of this run on the "
                     r"Scrapyd nodes$", err, re.MULTILINE)
    assert "publish: not published: the run was interrupted (SIGINT)" in err
    assert not (tmp_path / "first" / "public" / "index.html").exists()
    result = report(tmp_path / "first")
    run_id = result["scrapyd"]["run_id"]
    assert result["ok"] is False and sorted(result["targets"]) == sorted(FEW)
    # Nothing of the run is left on the nodes, and its records say how each job ended: a crawl
    # still running closed ("shutdown") and recorded it, one that ended before the signal is
    # reported as it ended, one not yet started never will start.
    wait_for(lambda: not any(run_id in job["id"] for node in nodes.values()
                             for state in ("pending", "running") for job in node.jobs()[state]),
             seconds=30, what="the cancelled jobs to end")
    with open_archive(url, readonly=True) as store:
        recorded = store.crawl_runs(run_id)
    assert {record.state for record in recorded} <= {FINISHED, CANCELLED}
    ended = {record.target: (record.ok, record.report["finish_reason"]) for record in recorded
             if record.state == FINISHED}
    assert set(ended.values()) <= {(False, "shutdown"), (True, "finished")}
    assert (False, "shutdown") in ended.values()
    for name in FEW:
        status = lines(err)[name][0]
        assert status == "ok" if ended.get(name) == (True, "finished") else status.startswith("FAILED: ")
        assert result["targets"][name]["ok"] is (status == "ok")
