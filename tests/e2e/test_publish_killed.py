"""A real ``scrapy publish --full`` killed with SIGKILL in the middle (the operator moved the feeds
to another base URL, so every document is being rewritten): every file a reader can see is
whole, old or new, the temporary files it left are never served, and the next plain
``scrapy publish`` notices, removes them and leaves the folder a full publication would."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from crawler.files import TEMPORARY_NAME
from crawler.lock import PUBLISH_LOCK_FILE, RunLock
from crawler.store import open_archive
from feeds.publish import STATE_FILE, publish
from tests.atom_rules import A
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy, start_scrapy
from tests.e2e.test_serve import Served
from tests.feed_archive import BASE_URL, options, published_files, synthetic_statements

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL and SIGSTOP semantics")]

#: Enough statements for a publication of a few seconds (about 700 documents).
STATEMENTS = 2400
OLD_BASE = "https://old-host.example.com/"


def settings(archive_url: str, public: Path) -> list[str]:
    return ["-s", f"MF_ARCHIVE_URL={archive_url}", "-s", f"MF_PUBLIC_DIR={public}",
            "-s", f"MF_PUBLIC_BASE_URL={BASE_URL}", "-s", "LOG_LEVEL=INFO"]


def leftovers(public: Path) -> list[Path]:
    return sorted(path for path in public.rglob("*") if TEMPORARY_NAME.match(path.name))


def check_whole(path: Path, data: bytes) -> None:
    """A published file as a reader gets it: complete, of its kind."""
    name = path.name
    if name.endswith((".atom", ".opml", ".xsl")):
        root = etree.fromstring(data)
        if name.endswith(".atom"):
            assert root.tag == f"{A}feed" and root.findall(f"{A}entry"), path
            assert data.endswith(b"</feed>\n"), path
    elif name.endswith(".qa.jsonl.gz"):  # a year without briefings has an empty one
        lines = gzip.decompress(data).decode("utf-8").splitlines()
        assert all(json.loads(line)["statement_id"] for line in lines), path
    elif name.endswith(".jsonl.gz"):
        lines = gzip.decompress(data).decode("utf-8").splitlines()
        assert lines and all(json.loads(line)["id"] for line in lines), path
    elif name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".html"):
        assert data.rstrip().endswith(b"</html>"), path
    elif name == "SHA256SUMS":
        assert all(len(line.split("  ")) == 2 for line in data.decode().splitlines()), path
    else:
        raise AssertionError(f"{path}: a file publishing does not write")


def _publishing_midway(archive_url: str, public: Path, *command: str) -> tuple[subprocess.Popen, int]:
    """A full ``scrapy publish`` (or ``command``, one that publishes) of an archive published
    before under another base URL, once it has rewritten a quarter of the folder's Atom documents;
    and how many documents there are."""
    with open_archive(archive_url) as store:
        store.load_statements(synthetic_statements(STATEMENTS))
        publish(store, replace(options(public), base_url=OLD_BASE))
    documents = len(list(public.rglob("*.atom")))
    marker = time.time_ns()
    running = start_scrapy(*(command or ("publish", "--full", *settings(archive_url, public))))
    while True:
        assert running.poll() is None, f"the publication ended before it was stopped: {running.stderr.read()[-2000:]}"
        if len([path for path in public.rglob("*.atom") if path.stat().st_mtime_ns > marker]) >= documents // 4:
            return running, documents
        assert time.time_ns() - marker < 120e9
        time.sleep(0.005)


def test_a_killed_publication_is_repaired_by_the_next(tmp_path, archive_url):
    public = tmp_path / "public"
    # Stopped once it has rewritten a good part of the folder, and looked at while it cannot move.
    running, documents = _publishing_midway(archive_url, public)
    os.kill(running.pid, signal.SIGSTOP)
    try:
        assert json.loads((public / STATE_FILE).read_text(encoding="utf-8"))["status"] == "in progress"
        visible = {path: path.read_bytes() for path in public.rglob("*")
                   if path.is_file() and not path.name.startswith(".")}
        assert len(visible) > documents
        for path, data in visible.items():
            check_whole(path, data)
        old = [path for path, data in visible.items() if path.suffix == ".atom" and OLD_BASE.encode() in data]
        assert documents // 4 <= documents - len(old) < documents  # a mix: some rewritten, some not yet
    finally:
        os.kill(running.pid, signal.SIGKILL)
        running.communicate(timeout=30)
    assert running.returncode == -signal.SIGKILL
    # A write cut short leaves its temporary file (a kill rarely lands inside one: this one stands for it).
    cut = public / "mid" / "en" / "archive" / ".2021-03.atom.k2x9q0zz.tmp"
    cut.parent.mkdir(parents=True, exist_ok=True)
    cut.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n  <entry>')
    left = leftovers(public)

    server = start_scrapy("serve", "--port", "0", "-s", f"MF_PUBLIC_DIR={public}")
    try:
        line = server.stderr.readline()
        host, port = line.split(" at ", 1)[1].split(" ", 1)[0].removeprefix("http://").rstrip("/").rsplit(":", 1)
        served = Served(public, host, int(port), line)
        for path in [*left, public / STATE_FILE]:
            response, body = served.get("/" + path.relative_to(public).as_posix())
            assert response.status == 404, path
            assert b"<entry>" not in body
        assert served.get("/all/en.atom")[0].status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)

    repaired = run_scrapy("publish", *settings(archive_url, public))
    assert repaired.returncode == 0, repaired.stderr[-3000:]
    assert "; everything rendered: the last publication did not finish; " in repaired.stderr
    assert f"; {len(left)} leftover temporary files removed" in repaired.stderr
    assert leftovers(public) == []
    assert json.loads((public / STATE_FILE).read_text(encoding="utf-8"))["status"] == "done"
    fresh = tmp_path / "fresh"
    with open_archive(archive_url, readonly=True) as store:
        publish(store, options(fresh))
    assert published_files(public) == published_files(fresh)
    assert not [path for path, data in published_files(public).items() if b"old-host" in data]
    again = run_scrapy("publish", *settings(archive_url, public))
    assert again.returncode == 0 and "everything" not in again.stderr and ", 0 files written" in again.stderr


def test_sigterm_midway_says_what_it_left(tmp_path, archive_url):
    """Stopped by SIGTERM (a service manager, ``kill``), a publication says on one line what it
    left, as ``scrapy update`` does, and exits 143: every file a reader sees is whole, none of
    its temporary files stays, and the next publication completes the work."""
    public = tmp_path / "public"
    running, documents = _publishing_midway(archive_url, public)
    running.send_signal(signal.SIGTERM)
    _out, err = running.communicate(timeout=60)
    assert running.returncode == 143, err[-3000:]
    assert "Traceback" not in err
    last = err.splitlines()[-1]
    written = re.fullmatch(r"scrapy publish: interrupted \(SIGTERM\): (\d+) files written before it stopped, every "
                           r"published file whole \(old or new\); the next `scrapy publish` completes the "
                           r"publication", last)
    assert written and int(written[1]) >= documents // 4, last
    assert leftovers(public) == []  # the file being written when it stopped was discarded
    for path in public.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            check_whole(path, path.read_bytes())
    repaired = run_scrapy("publish", *settings(archive_url, public))
    assert repaired.returncode == 0, repaired.stderr[-3000:]
    assert "; everything rendered: the last publication did not finish" in repaired.stderr
    assert not [path for path, data in published_files(public).items() if OLD_BASE.encode() in data]


def test_sigterm_before_anything_is_written_says_nothing_changed(tmp_path, archive_url):
    """Stopped while it waits for another publication's lock: nothing was written."""
    public = tmp_path / "public"
    with open_archive(archive_url) as store:
        store.load_statements(synthetic_statements(20))
        publish(store, options(public))
    before = published_files(public)
    lock = public / PUBLISH_LOCK_FILE
    with RunLock(lock):  # another publication of the folder, as far as this one can tell
        running = start_scrapy("publish", "--full", *settings(archive_url, public), "-s", "LOG_LEVEL=WARNING")
        # It waits once it has the lock file open (its descriptors show it): then it is stopped.
        deadline = time.monotonic() + 60
        while not any(os.path.realpath(fd) == str(lock) for fd in _descriptors(running.pid)):
            assert running.poll() is None, running.stderr.read()[-2000:]
            assert time.monotonic() < deadline, "the publication never reached the lock"
            time.sleep(0.02)
        running.send_signal(signal.SIGTERM)
        _out, err = running.communicate(timeout=60)
    assert running.returncode == 143, err[-3000:]
    assert err.splitlines() == ["scrapy publish: interrupted (SIGTERM): nothing was written: the published files "
                                "are unchanged"]
    assert published_files(public) == before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_update_stopped_while_publishing_says_so(tmp_path, archive_url, signum):
    """``scrapy update`` stopped once its crawls have ended, while it publishes: it stops
    publishing as ``scrapy publish`` does, exits 128 + the signal, and its run report says it was
    interrupted (the crawls themselves finished: their summary lines stand)."""
    public = tmp_path / "public"
    name = signal.Signals(signum).name
    running, _documents = _publishing_midway(
        archive_url, public, "update", "--only", "state_dept", "--replay", str(FIXTURES),
        *fast_settings(archive_url, tmp_path, MF_PUBLIC_BASE_URL=BASE_URL, LOG_LEVEL="WARNING"))
    running.send_signal(signum)
    _out, err = running.communicate(timeout=60)
    assert running.returncode == 128 + signum, err[-3000:]
    assert "Traceback" not in err
    assert re.search(r"^state_dept: ok — 4 new; ", err, re.M), err[-3000:]
    assert re.search(rf"^publish: interrupted \({name}\): \d+ files written before it stopped, every published "
                     r"file whole \(old or new\)", err, re.M), err[-3000:]
    report = json.loads((tmp_path / "reports" / "last-run.json").read_text(encoding="utf-8"))
    assert report["interrupted"] == name
    assert report["ok"] is False and report["publish"]["interrupted"] == name
    assert leftovers(public) == []
    assert json.loads((public / STATE_FILE).read_text(encoding="utf-8"))["status"] == "in progress"


def _descriptors(pid: int) -> list[str]:
    """Where a process's open file descriptors point (gone ones left out)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            found.append(os.readlink(fd))
    return found
