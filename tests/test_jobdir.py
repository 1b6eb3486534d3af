"""A JOBDIR's mark (crawler.jobdir): resumable when no crawl left one, refused when a crawl is
under way in it or did not stop cleanly. The kill itself: tests/e2e/test_crawl_mid_archive.py."""

from __future__ import annotations

import subprocess
import sys

from crawler.jobdir import MARKER, jobdir_problem

NOT_CLEAN = "the crawl that used it did not stop cleanly"


def test_a_folder_without_a_mark_is_resumable(tmp_path):
    assert jobdir_problem(tmp_path) is None
    assert jobdir_problem(tmp_path / "not made yet") is None


def test_a_mark_of_a_process_gone_is_a_crawl_that_did_not_stop_cleanly(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    (tmp_path / MARKER).write_text(gone.stdout, encoding="ascii")
    assert jobdir_problem(tmp_path).startswith(NOT_CLEAN)


def test_a_mark_of_a_live_process_that_is_not_scrapy_is_not_a_crawl(tmp_path):
    """A process id the system gave to another program since."""
    with subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(300)"],
                          stdout=subprocess.PIPE, text=True) as other:
        try:
            assert other.stdout.readline() == "up\n"
            (tmp_path / MARKER).write_text(f"{other.pid}\n", encoding="ascii")
            assert jobdir_problem(tmp_path).startswith(NOT_CLEAN)
        finally:
            other.kill()


def test_a_mark_of_a_crawl_under_way_says_so(tmp_path):
    """(A process whose command line names scrapy, as a crawl's does; it says it is up before the
    mark is read.)"""
    with subprocess.Popen([sys.executable, "-c", "import sys, time; print('up', flush=True); time.sleep(300)",
                           "scrapy", "crawl"], stdout=subprocess.PIPE, text=True) as crawl:
        try:
            assert crawl.stdout.readline() == "up\n"
            (tmp_path / MARKER).write_text(f"{crawl.pid}\n", encoding="ascii")
            assert jobdir_problem(tmp_path) == f"in use by the crawl running as process {crawl.pid}"
        finally:
            crawl.kill()


def test_an_unreadable_mark_is_named(tmp_path):
    (tmp_path / MARKER).mkdir()
    assert jobdir_problem(tmp_path).startswith(f"{tmp_path / MARKER} cannot be read")
    (tmp_path / MARKER).rmdir()
    (tmp_path / MARKER).write_text("not a process id", encoding="ascii")
    assert jobdir_problem(tmp_path).startswith(NOT_CLEAN)
