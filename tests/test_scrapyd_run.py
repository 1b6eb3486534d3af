"""What `scrapy update --scrapyd` gives the nodes: the URLs it accepts, and the parameters of a
job (the archive without its password, the run id, the command line's settings that are not this
machine's own). The run itself, on real nodes: tests/e2e/test_scrapyd.py."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.scrapyd import ScrapydRun, node_urls, settings_given
from crawler.store import ArchiveURL


def test_node_urls_are_http_urls_without_their_trailing_slash():
    assert node_urls(" http://node-a:6800/, https://node-b.example.org:6800 ,") == [
        "http://node-a:6800", "https://node-b.example.org:6800"]


@pytest.mark.parametrize(("text", "message"), [
    ("ftp://127.0.0.1:6800", "--scrapyd ftp://127.0.0.1:6800: not a Scrapyd URL (http://HOST:6800)"),
    ("http://:6800", "--scrapyd http://:6800: not a Scrapyd URL (http://HOST:6800)"),
    ("http://a:6800/?x=1", "--scrapyd http://a:6800/?x=1: not a Scrapyd URL (http://HOST:6800)"),
    ("http://a:6800,http://a:6800/", "--scrapyd http://a:6800,http://a:6800/: a node is named twice"),
    ("http://a:x", "--scrapyd http://a:x: its port is not a number"),
    (" , ", "--scrapyd ' , ': no Scrapyd URL (http://HOST:6800,…)"),
])
def test_a_bad_node_url_is_named_with_the_reason(text, message):
    with pytest.raises(ValueError) as error:
        node_urls(text)
    assert str(error.value) == message


@pytest.mark.parametrize(("url", "given"), [
    ("postgresql://feeds:s3cret@db.example.org:5432/mf", "postgresql://feeds@db.example.org:5432/mf"),
    ("postgresql://feeds:p%40ss@db/mf?sslmode=require&password=Zq8-unit-secret&connect_timeout=5",
     "postgresql://feeds@db/mf?sslmode=require&connect_timeout=5"),
    ("postgresql://feeds@db/mf", "postgresql://feeds@db/mf"),
    ("postgres://db/mf?password=Zq8-unit-secret", "postgres://db/mf"),
])
def test_the_archive_url_a_job_is_given_has_no_password(url, given):
    assert ArchiveURL.parse(url).without_password() == given


def run(*pairs: str, **spider_args: str) -> ScrapydRun:
    settings = Settings()
    settings.setmodule(project_settings)
    command_line = settings_given(list(pairs))
    settings.setdict(command_line, priority="cmdline")
    return ScrapydRun(settings, ["http://node-a:6800"], ["mid"], spider_args, command_line, publish=dict,
                      finish=lambda *_: 0)


def test_a_job_gets_its_id_the_archive_the_run_and_the_settings_that_are_not_this_machines():
    scheduled = run("MF_ARCHIVE_URL=postgresql://feeds:s3cret@db:5432/mf", "MF_PUBLIC_DIR=/srv/public",
                    "MF_REPORT_DIR=/srv/reports", "MF_LOCK_PATH=/run/mf.lock", "LOG_FILE=/var/log/mf.log",
                    "MF_SCRAPYD_POLL_INTERVAL=1", "MF_MID_BASE_URL=http://mirror:8080", "DOWNLOAD_DELAY=2",
                    "NOT_A_PAIR", pages="3")
    arguments = scheduled._job_arguments("RUN-mid-1")
    assert arguments == [
        ("jobid", "RUN-mid-1"),
        ("setting", "MF_MID_BASE_URL=http://mirror:8080"), ("setting", "DOWNLOAD_DELAY=2"),
        ("setting", "MF_ARCHIVE_URL=postgresql://feeds@db:5432/mf"), ("setting", f"MF_RUN_ID={scheduled.run_id}"),
        ("pages", "3")]


def test_the_nodes_may_reach_the_archive_at_another_address():
    scheduled = run("MF_ARCHIVE_URL=postgresql://feeds@127.0.0.1:5432/mf",
                    "MF_SCRAPYD_ARCHIVE_URL=postgresql://feeds:Zq8-unit-secret@db.internal:5432/mf")
    assert ("setting", "MF_ARCHIVE_URL=postgresql://feeds@db.internal:5432/mf") in scheduled._job_arguments("j")
