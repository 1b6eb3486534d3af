"""Bad arguments and missing paths, for every command: one line on stderr naming the argument or
the path, exit code 2, no traceback, nothing written. Arguments refused before any archive is
opened are checked once; those answered from the archive (or its absence), on every backend."""

from __future__ import annotations

import json
import socket

import pytest

from crawler.store import ArchiveMissing, open_archive
from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.feed_archive import make_archive, statement

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """An archive, a published folder's place, a bad mirror, and where nothing may appear."""
    folder = tmp_path_factory.mktemp("errors")
    make_archive(f"sqlite:///{folder / 'archive.sqlite3'}").close()
    (folder / "link.sqlite3").symlink_to(folder / "archive.sqlite3")  # the archive under another name
    (folder / "bad-mirror").mkdir()
    (folder / "bad-mirror" / "manifest.json").write_text("{not json", encoding="utf-8")
    (folder / "utf16-mirror").mkdir()  # a manifest that is not UTF-8 (saved by a Windows editor)
    (folder / "utf16-mirror" / "manifest.json").write_bytes(b"\xff\xfe")
    (folder / "gap-mirror").mkdir()  # a manifest naming a file the mirror lacks
    (folder / "gap-mirror" / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    (folder / "gap-mirror" / "manifest.json").write_text(
        '{"https://www.gov.uk/robots.txt": {"file": "robots.txt"}, '
        '"https://www.gov.uk/api/search.json": {"file": "search.json"}}', encoding="utf-8")
    (folder / "empty-public").mkdir()
    (folder / "page.html").write_text("<html></html>", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def archive(module_archive_url):
    """The URL of a small archive, on each backend in turn."""
    make_archive(module_archive_url).close()
    return module_archive_url


def settings(place, archive: str | None = None) -> list[str]:
    """The archive (``place``'s SQLite one unless given), and lock, reports and public folder
    where nothing may appear."""
    archive = archive or f"sqlite:///{place / 'archive.sqlite3'}"
    return ["-s", f"MF_ARCHIVE_URL={archive}",
            "-s", f"MF_LOCK_PATH={place / 'new' / 'lock'}", "-s", f"MF_REPORT_DIR={place / 'new' / 'reports'}",
            "-s", f"MF_PUBLIC_DIR={place / 'new' / 'public'}"]


def assert_one_line_and_exit_2(result, expected: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith(expected), lines[0]


# (arguments, what the one line must say). "{place}" is the test's folder.
CASES = [
    # update
    (["update", "--pages", "0"], "scrapy update: --pages 0: not a number of listing pages (1 or more)"),
    (["update", "--pages", "abc"], "scrapy update: --pages abc: not a number of listing pages (1 or more)"),
    (["update", "--pages", "-3"], "scrapy update: --pages -3: not a number"),
    (["update", "--replay", "/no/such/dir"],
     "scrapy update: --replay /no/such/dir: /no/such/dir/manifest.json: no such file (a mirror needs manifest.json)"),
    (["update", "--replay", "{place}/bad-mirror"], "scrapy update: --replay {place}/bad-mirror: {place}/bad-mirror/"
                                                    "manifest.json: not valid JSON"),
    (["update", "--only", "mid", "--replay", "{place}/utf16-mirror"], "scrapy update: --replay {place}/utf16-mirror: "
     "{place}/utf16-mirror/manifest.json: not UTF-8 text (invalid start byte at byte 0)"),
    (["update", "--only", "fcdo", "--replay", "{place}/gap-mirror"],
     "scrapy update: --replay {place}/gap-mirror: {place}/gap-mirror/manifest.json: entry for "
     "https://www.gov.uk/api/search.json: {place}/gap-mirror/search.json does not exist"),
    (["update", "--only", "nosuch"], "scrapy update: --only nosuch: unknown spider(s) nosuch; known: aa, fcdo"),
    (["update", "--only", ","], "scrapy update: --only ,: unknown spider(s) (none given)"),
    (["update", "now"], "scrapy update: unexpected arguments: now"),
    (["update", "--pages"], "scrapy update: argument --pages: expected one argument"),
    (["update", "-s", "MF_FEED_ENTRIES=abc"],
     "scrapy update: -s MF_FEED_ENTRIES=abc: not a whole number of at least 1"),
    (["update", "-s", "MF_PUBLIC_BASE_URL=feeds"], "scrapy update: -s MF_PUBLIC_BASE_URL=feeds: not an absolute"),
    # every setting a crawl or a publication reads, before anything starts (crawler.setting_checks)
    (["update", "-s", "MF_RECHECK_SCHEDULE=garbage"],
     "scrapy update: -s MF_RECHECK_SCHEDULE=garbage: not a list of [max_age_days, every_hours] pairs, as JSON"),
    (["update", "-s", "MF_RECHECK_SCHEDULE=[[1]]"], "scrapy update: -s MF_RECHECK_SCHEDULE=[[1]]: not a list of"),
    (["update", "-s", "MF_DEFAULT_LISTING_PAGES=abc"],
     "scrapy update: -s MF_DEFAULT_LISTING_PAGES=abc: not a whole number of at least 1"),
    (["update", "-s", "MF_OBEY_CRAWL_DELAY=maybe"],
     "scrapy update: -s MF_OBEY_CRAWL_DELAY=maybe: not a boolean (True, False, 1 or 0)"),
    (["update", "-s", "MF_RETRY_BACKOFF_MAX=abc"],
     "scrapy update: -s MF_RETRY_BACKOFF_MAX=abc: not a number of seconds of at least 0"),
    (["update", "-s", "MF_STATE_DEPT_BASE_URL=notaurl"],
     "scrapy update: -s MF_STATE_DEPT_BASE_URL=notaurl: not an absolute http(s) URL"),
    (["update", "-s", "MF_MID_BASE_URL=https://mid.ru:abc/"],
     "scrapy update: -s MF_MID_BASE_URL=https://mid.ru:abc/: not an absolute http(s) URL"),
    (["update", "-s", "MF_GOVUK_PAGE_SIZE=-1"],
     "scrapy update: -s MF_GOVUK_PAGE_SIZE=-1: not a whole number of at least 1"),
    (["update", "-s", "MF_MEA_IN_PAGE_SIZE=0"],
     "scrapy update: -s MF_MEA_IN_PAGE_SIZE=0: not a whole number of at least 1"),
    (["update", "-s", "MF_PUBLISH_LOCK_TIMEOUT=abc"],
     "scrapy update: -s MF_PUBLISH_LOCK_TIMEOUT=abc: not a number of seconds of at least 0"),
    (["update", "-s", "DOWNLOAD_MAXSIZE=abc"],
     "scrapy update: -s DOWNLOAD_MAXSIZE=abc: not a whole number of at least 0"),
    (["update", "-s", "CONCURRENT_REQUESTS=abc"], "scrapy update: -s CONCURRENT_REQUESTS=abc: not a whole number"),
    (["update", "-s", "MF_PUBLIC_BASE_URL=https://example.org/#frag"],
     "scrapy update: -s MF_PUBLIC_BASE_URL=https://example.org/#frag: an absolute http(s) URL without query or "
     "fragment is needed"),
    (["crawl", "mid", "-s", "MF_MID_BASE_URL=notaurl"], "scrapy crawl: -s MF_MID_BASE_URL=notaurl: not an absolute"),
    (["crawl", "mid", "-s", "MF_FEED_ENTRIES=abc"], "scrapy crawl: -s MF_FEED_ENTRIES=abc: not a whole number"),
    (["crawl", "mid_archive", "-a", "backfill=1", "-s", "JOBDIR={place}/page.html"],
     "scrapy crawl: -s JOBDIR={place}/page.html: is not a folder"),
    (["update", "--only", "fcdo,aa", "-s", "JOBDIR={place}/jobs"],
     "scrapy update: -s JOBDIR={place}/jobs: the state of one crawl; with several targets, give it with --only "
     "TARGET"),
    (["crawl", "mid", "-a", "languages="], "scrapy crawl: -a languages=: mid has no language (none given)"),
    (["crawl", "mid", "-a", "sections="], "scrapy crawl: -a sections=: mid has no section (none given)"),
    (["export", "--sqlite", "{place}/archive.sqlite3"],
     "scrapy export: --sqlite {place}/archive.sqlite3: is the archive itself"),
    (["export", "-o", "{place}/archive.sqlite3"], "scrapy export: -o {place}/archive.sqlite3: is the archive itself"),
    (["export", "--segments", "-o", "{place}/archive.sqlite3"],
     "scrapy export: -o {place}/archive.sqlite3: is the archive itself"),
    (["export", "--warc", "{place}/link.sqlite3"], "scrapy export: --warc {place}/link.sqlite3: is the archive itself"),
    (["export", "--sqlite", "{place}/archive.sqlite3-wal"],
     "scrapy export: --sqlite {place}/archive.sqlite3-wal: is the archive's write-ahead log"),
    (["publish", "-s", "MF_PUBLISH_LOCK_TIMEOUT=abc"],
     "scrapy publish: -s MF_PUBLISH_LOCK_TIMEOUT=abc: not a number of seconds of at least 0"),
    # publish
    (["publish", "everything"], "scrapy publish: unexpected arguments: everything"),
    (["publish", "-s", "MF_FEED_ENTRIES=0"], "scrapy publish: -s MF_FEED_ENTRIES=0: not a whole number of at least 1"),
    # serve
    (["serve", "--port", "abc"], "scrapy serve: --port abc: not a port number (0 to 65535)"),
    (["serve", "--port", "70000"], "scrapy serve: --port 70000: not a port number (0 to 65535)"),
    (["serve", "--port", "-1"], "scrapy serve: --port -1: not a port number"),
    (["serve", "--port", "0", "--bind", "nosuch.invalid"], "scrapy serve: --bind nosuch.invalid: not an address"),
    (["serve", "--port", "0", "--bind", "999.1.1.1"], "scrapy serve: --bind 999.1.1.1: not an address"),
    (["serve", "--port", "0", "-s", "MF_PUBLIC_DIR={place}/nowhere"],
     "scrapy serve: {place}/nowhere: no such folder (MF_PUBLIC_DIR; run `scrapy publish` first)"),
    (["serve", "--port", "0", "-s", "MF_PUBLIC_DIR={place}/empty-public"],
     "scrapy serve: {place}/empty-public: nothing published yet"),
    (["serve", "here"], "scrapy serve: unexpected arguments: here"),
    # export
    (["export", "--source", "nosuch"], "scrapy export: unknown source 'nosuch'"),
    (["export", "--type", "memo"], "scrapy export: unknown type 'memo'"),
    (["export", "--since", "2024-13-01"], "scrapy export: --since: '2024-13-01' is not a date (YYYY-MM-DD)"),
    (["export", "--versions", "some"], "scrapy export: --versions takes latest or all, not 'some'"),
    # a date that parses but lies outside what the archive can carry (a day either side overflowed)
    (["export", "--since", "0001-01-01"],
     "scrapy export: --since: '0001-01-01' is outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["export", "--until", "9999-12-30"],
     "scrapy export: --until: '9999-12-30' is outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["export", "--until", "9999-12-30", "--segments"],
     "scrapy export: --until: '9999-12-30' is outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["export", "--until", "9999-12-30", "--warc", "{place}/x.warc.gz"],
     "scrapy export: --until: '9999-12-30' is outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["export", "--since", "1799-12-31T23:00:00+00:00"], "scrapy export: --since: '1799-12-31T23:00:00+00:00' is "
     "outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["export", "-o", "/no/such/dir/x.jsonl"],
     "scrapy export: -o /no/such/dir/x.jsonl: folder /no/such/dir does not exist"),
    (["export", "extra"], "scrapy export: unexpected arguments: extra"),
    (["export", "--since", ""], "scrapy export: --since '': no value given"),
    (["export", "--source", " "], "scrapy export: --source ' ': no value given"),
    # validate
    (["validate", "--versions", "x"], "scrapy validate: --versions x: say latest or all"),
    (["validate", "now"], "scrapy validate: unexpected arguments: now"),
    # reextract
    (["reextract", "--source", "nosuch"], "scrapy reextract: --source nosuch: unknown source(s) nosuch; known: mid, "),
    (["reextract", "--since", "2024-13-01"], "scrapy reextract: --since: '2024-13-01' is not a date (YYYY-MM-DD)"),
    (["reextract", "--since", "0001-01-01"],
     "scrapy reextract: --since: '0001-01-01' is outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["reextract", "--since", "2200-01-01"],
     "scrapy reextract: --since: '2200-01-01' is outside the dates the archive holds (1800-01-01 to 2199-12-31)"),
    (["reextract", "now"], "scrapy reextract: unexpected arguments: now"),
    (["reextract", "-s", "MF_ARCHIVE_URL=mysql://x/y"], "scrapy reextract: MF_ARCHIVE_URL: 'mysql://x/y' is not an "),
    (["crawl", "mid", "-s", "MF_ARCHIVE_URL=mysql://x/y"], "scrapy crawl: MF_ARCHIVE_URL: 'mysql://x/y' is not an "),
    # extract
    (["extract", "{place}/none.html", "--url", "https://mid.ru/en/foreign_policy/news/1/"],
     "scrapy extract: {place}/none.html: cannot read (No such file or directory)"),
    (["extract", "{place}/page.html", "--url", "http://[::1"], "scrapy extract: --url http://[::1: not an absolute"),
    (["extract", "{place}/page.html", "--url", "https://mid.ru:abc/en/foreign_policy/news/1820150/"],
     "scrapy extract: --url https://mid.ru:abc/en/foreign_policy/news/1820150/: not an absolute http(s) URL"),
    (["extract", "{place}/page.html", "--url", "mid.ru/en/"], "scrapy extract: --url mid.ru/en/: not an absolute"),
    (["extract", "{place}/page.html", "--url", "https://mid.ru/en/foreign_policy/news/1/", "--encoding", "nosuch"],
     "scrapy extract: --encoding nosuch: not a known character encoding"),
    (["extract", "{place}/page.html"], "scrapy extract: the following arguments are required: --url"),
    (["extract", "a.html", "b.html", "--url", "https://mid.ru/"], "scrapy extract: give exactly one PATH (got 2)"),
    # crawl: spider arguments
    (["crawl", "mid", "-a", "pages=abc"], "scrapy crawl: -a pages=abc: not a number of listing pages (1 or more)"),
    (["crawl", "mid", "-a", "pages=0"], "scrapy crawl: -a pages=0: not a number of listing pages (1 or more)"),
    (["crawl", "fcdo", "-a", "replay=/no/such"], "scrapy crawl: -a replay=/no/such: /no/such/manifest.json: no such"),
    (["crawl", "mid", "-a", "replay={place}/utf16-mirror"], "scrapy crawl: -a replay={place}/utf16-mirror: "
     "{place}/utf16-mirror/manifest.json: not UTF-8 text (invalid start byte at byte 0)"),
    (["crawl", "fcdo", "-a", "replay={place}/gap-mirror"],
     "scrapy crawl: -a replay={place}/gap-mirror: {place}/gap-mirror/manifest.json: entry for "
     "https://www.gov.uk/api/search.json: {place}/gap-mirror/search.json does not exist"),
    (["crawl", "mid", "-a", "languages=xx"], "scrapy crawl: -a languages=xx: mid has no language xx (it has en, ru)"),
    (["crawl", "aa", "-a", "sections=nosuch"], "scrapy crawl: -a sections=nosuch: aa has no section nosuch"),
    (["crawl", "mid", "-a", "page=3"], "scrapy crawl: -a page=…: mid takes no such argument (it takes pages, "),
    (["crawl", "mid_archive", "-a", "backfill=maybe"], "scrapy crawl: -a backfill=maybe: say 1 or 0"),
    (["crawl", "nosuch"], "scrapy crawl: no spider 'nosuch' (spiders: aa, fcdo, fmprc_en, fmprc_zh, gac_ca, "),
    (["crawl", "mid", "-a", "pages"], "scrapy crawl: Invalid -a value, use -a NAME=VALUE"),
    # a file where a folder is expected, a folder where a file is, a place nothing can be written
    (["update", "--replay", "{place}/page.html"], "scrapy update: --replay {place}/page.html: {place}/page.html: "
                                                   "is not a folder (a mirror is a folder with manifest.json)"),
    (["crawl", "mid", "-a", "replay={place}/page.html"],
     "scrapy crawl: -a replay={place}/page.html: {place}/page.html: is not a folder (a mirror is a folder with "
     "manifest.json)"),
    (["update", "-s", "MF_LOCK_PATH={place}"], "scrapy update: -s MF_LOCK_PATH={place}: is a folder, not a file"),
    (["update", "-s", "MF_REPORT_DIR={place}/page.html"],
     "scrapy update: -s MF_REPORT_DIR={place}/page.html: is not a folder"),
    (["update", "-s", "MF_ARCHIVE_URL=sqlite:////no/such/dir/a.sqlite3"],
     "scrapy update: archive URL sqlite:////no/such/dir/a.sqlite3: folder /no/such/dir does not exist"),
    (["crawl", "mid", "-s", "MF_ARCHIVE_URL=sqlite:////no/such/dir/a.sqlite3"],
     "scrapy crawl: archive URL sqlite:////no/such/dir/a.sqlite3: folder /no/such/dir does not exist"),
    (["crawl", "mid", "-s", "MF_ARCHIVE_URL=sqlite:///{place}/page.html/a.sqlite3"],
     "scrapy crawl: archive URL sqlite:///{place}/page.html/a.sqlite3: {place}/page.html is not a folder"),
    (["export", "-o", "/proc/x.jsonl"], "scrapy export: -o /proc/x.jsonl: folder /proc cannot be written ("),
    (["export", "--warc", "/proc/x.warc"], "scrapy export: --warc /proc/x.warc: folder /proc cannot be written ("),
    (["export", "--sqlite", "/proc/x.sqlite3"],
     "scrapy export: --sqlite /proc/x.sqlite3: folder /proc cannot be written ("),
    (["export", "-o", "{place}/page.html/x.jsonl"],
     "scrapy export: -o {place}/page.html/x.jsonl: folder {place}/page.html is not a folder"),
    (["export", "-o", "{place}"], "scrapy export: -o {place}: is a folder, not a file"),
    (["archive", "copy", "sqlite:///{place}/archive.sqlite3", "sqlite:////proc/copy.sqlite3"],
     "scrapy archive: DST_URL sqlite:////proc/copy.sqlite3: folder /proc cannot be written ("),
    (["archive", "copy", "sqlite:///{place}/archive.sqlite3", "sqlite:////no/such/copy.sqlite3"],
     "scrapy archive: DST_URL sqlite:////no/such/copy.sqlite3: folder /no/such does not exist"),
    (["publish", "-s", "MF_PUBLIC_DIR={place}/page.html"],
     "scrapy publish: -s MF_PUBLIC_DIR={place}/page.html: is not a folder"),
    (["update", "-s", "MF_PUBLIC_DIR={place}/page.html"],
     "scrapy update: -s MF_PUBLIC_DIR={place}/page.html: is not a folder"),
    # a path that cannot be made or written: refused as surely as a file where a folder is, every
    # path setting alike, before anything starts (nothing crawled, nothing written)
    (["publish", "-s", "MF_PUBLIC_DIR={place}/page.html/sub"],
     "scrapy publish: -s MF_PUBLIC_DIR={place}/page.html/sub: cannot be made: {place}/page.html is not a folder"),
    (["publish", "-s", "MF_PUBLIC_DIR=/proc/pub"],
     "scrapy publish: -s MF_PUBLIC_DIR=/proc/pub: cannot be made: /proc cannot be written ("),
    (["publish", "-s", "MF_PUBLIC_DIR=/proc"], "scrapy publish: -s MF_PUBLIC_DIR=/proc: cannot be written ("),
    (["update", "--only", "state_dept", "--replay", "tests/fixtures", "-s", "MF_PUBLIC_DIR=/proc/x"],
     "scrapy update: -s MF_PUBLIC_DIR=/proc/x: cannot be made: /proc cannot be written ("),
    (["update", "-s", "MF_REPORT_DIR=/proc/rep"],
     "scrapy update: -s MF_REPORT_DIR=/proc/rep: cannot be made: /proc cannot be written ("),
    (["update", "-s", "MF_LOCK_PATH=/proc/x.lock"],
     "scrapy update: -s MF_LOCK_PATH=/proc/x.lock: folder /proc cannot be written ("),
    (["update", "-s", "MF_LOCK_PATH={place}/page.html/x.lock"],
     "scrapy update: -s MF_LOCK_PATH={place}/page.html/x.lock: folder {place}/page.html is not a folder"),
    (["reextract", "-s", "MF_LOCK_PATH=/proc/x.lock"],
     "scrapy reextract: -s MF_LOCK_PATH=/proc/x.lock: folder /proc cannot be written ("),
    (["update", "-s", "MF_ARCHIVE_URL=sqlite:////proc/a.sqlite3"],
     "scrapy update: archive URL sqlite:////proc/a.sqlite3: folder /proc cannot be written ("),
    (["crawl", "mid", "-s", "MF_ARCHIVE_URL=sqlite:////proc/a.sqlite3"],
     "scrapy crawl: archive URL sqlite:////proc/a.sqlite3: folder /proc cannot be written ("),
    # a feed export to a local file: its folder must be there and writable, before the crawl
    (["crawl", "state_dept", "-O", "/proc/nope/x.jsonl"],
     "scrapy crawl: -O /proc/nope/x.jsonl: folder /proc/nope does not exist"),
    (["crawl", "state_dept", "-o", "file:///proc/nope/x.csv"],
     "scrapy crawl: -o file:///proc/nope/x.csv: folder /proc/nope does not exist"),
    (["crawl", "state_dept", "-O", "/proc/x.jsonl"],
     "scrapy crawl: -O /proc/x.jsonl: folder /proc cannot be written ("),
    (["crawl", "state_dept", "-O", "{place}:jsonl"], "scrapy crawl: -O {place}:jsonl: is a folder, not a file"),
    # the contact URL goes into the User-Agent: an absolute http(s) URL, on one line
    (["update", "-s", "MF_CONTACT_URL=notaurl"], "scrapy update: -s MF_CONTACT_URL=notaurl: not an absolute http(s) "
                                                 "URL"),
    (["crawl", "mid", "-s", "MF_CONTACT_URL=https://x.example/\nevil: header"],
     "scrapy crawl: -s MF_CONTACT_URL='https://x.example/\\nevil: header': not an absolute http(s) URL (white "
     "space or control characters in it)"),
    (["explore", "{place}"], "scrapy explore: {place}: is a folder, not an SQLite archive file"),
    # Scrapy's log file is opened as the crawl starts, in a folder it does not make
    (["update", "--logfile", "{place}/no/such/update.log"],
     "scrapy update: -s LOG_FILE={place}/no/such/update.log: folder {place}/no/such does not exist"),
    (["crawl", "mid", "-s", "LOG_FILE={place}"], "scrapy crawl: -s LOG_FILE={place}: is a folder, not a file"),
]


@pytest.mark.parametrize(("arguments", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_argument_is_one_line_and_exit_2(place, arguments, expected):
    arguments = [argument.replace("{place}", str(place)) for argument in arguments]
    expected = expected.replace("{place}", str(place))
    # The case's own -s options come last: they win over the test's defaults.
    result = run_scrapy(arguments[0], *settings(place), *arguments[1:], timeout=60)
    assert_one_line_and_exit_2(result, expected)
    assert not (place / "new").exists()  # nothing started: no lock, report or public folder


# Given in the environment (crawler.deployment): the line says so, not "-s".
ENVIRONMENT_CASES = [
    ({"MF_PUBLIC_DIR": ""}, ["publish"], "scrapy publish: environment variable MF_PUBLIC_DIR=: no folder given"),
    ({"MF_PUBLIC_DIR": "/proc/pub"}, ["update"],
     "scrapy update: environment variable MF_PUBLIC_DIR=/proc/pub: cannot be made: /proc cannot be written ("),
    ({"MF_REPORT_DIR": ""}, ["update"], "scrapy update: environment variable MF_REPORT_DIR=: no folder given"),
    ({"MF_ARCHIVE_PATH": ""}, ["publish"], "scrapy publish: environment variable MF_ARCHIVE_PATH=: no path given"),
    ({"MF_ARCHIVE_PATH": ""}, ["crawl", "mid"], "scrapy crawl: environment variable MF_ARCHIVE_PATH=: no path given"),
    ({"MF_CONTACT_URL": "notaurl"}, ["crawl", "mid"],
     "scrapy crawl: environment variable MF_CONTACT_URL=notaurl: not an absolute http(s) URL"),
]


@pytest.mark.parametrize(("env", "arguments", "expected"), ENVIRONMENT_CASES,
                         ids=[f"{' '.join(a)} {e}" for e, a, _ in ENVIRONMENT_CASES])
def test_a_bad_value_from_the_environment_is_named_so(place, env, arguments, expected):
    # The test's -s options, but for the setting the environment gives (and the URL, which would
    # win over an MF_ARCHIVE_PATH from there).
    left_out = {*env, *(["MF_ARCHIVE_URL"] if "MF_ARCHIVE_PATH" in env else [])}
    given = settings(place)
    options = [part for flag, value in zip(given[::2], given[1::2], strict=True)
               if value.split("=")[0] not in left_out for part in (flag, value)]
    result = run_scrapy(*arguments, *options, env=env, timeout=60)
    assert_one_line_and_exit_2(result, expected)
    assert not (place / "new").exists()


def test_an_empty_archive_url_in_the_environment_gives_way_to_the_path_given(tmp_path):
    """``MF_ARCHIVE_URL=`` in the environment and ``-s MF_ARCHIVE_PATH``: the path is the archive
    (as ``publish`` and ``export`` have it), not a traceback about the empty default."""
    archive = tmp_path / "archive.sqlite3"
    given = fast_settings(archive, tmp_path)
    options = [part for flag, value in zip(given[::2], given[1::2], strict=True)
               if not value.startswith("MF_ARCHIVE_URL=") for part in (flag, value)]
    result = run_scrapy("crawl", "aa", "-a", f"replay={FIXTURES}", *options, "-s", f"MF_ARCHIVE_PATH={archive}",
                        env={"MF_ARCHIVE_URL": ""}, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert archive.exists()


def test_a_feed_export_that_cannot_be_written_fails_the_crawl(tmp_path):
    """A feed whose writes fail (a full disk; /dev/full) is said once, without a traceback, and
    the crawl exits 1: its output is missing."""
    result = run_scrapy("crawl", "state_dept", "-a", f"replay={FIXTURES}", "-O", "/dev/full:jsonl",
                        *fast_settings(tmp_path / "archive.sqlite3", tmp_path), "-s", "LOG_LEVEL=WARNING", timeout=120)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # said when it failed, when Scrapy could not store it, and last
    assert [line.split("] ", 1)[-1] for line in result.stderr.splitlines()] == [
        "ERROR: Feed /dev/full: cannot write (No space left on device); the rest of its items are not written",
        "ERROR: Error storing jsonl feed (4 items) in: /dev/full (/dev/full: No space left on device)",
        "scrapy crawl: state_dept: feed export not written: /dev/full: No space left on device"], result.stderr
    written = run_scrapy("crawl", "state_dept", "-a", f"replay={FIXTURES}", "-O", str(tmp_path / "items.jsonl"),
                         *fast_settings(tmp_path / "second.sqlite3", tmp_path), timeout=120)
    assert written.returncode == 0, written.stderr[-3000:]
    assert len((tmp_path / "items.jsonl").read_text(encoding="utf-8").splitlines()) == 4


def test_a_report_folder_that_fails_after_the_check_comes_after_the_summary_lines(tmp_path):
    """A report folder that is fine when the run starts but fails under it (here: its runs/ is a
    file) fails the run after the work, which stands: exit 1, said last."""
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "runs").write_text("in the way", encoding="utf-8")
    result = run_scrapy("update", "--only", "aa", "--pages", "1", "--replay", str(FIXTURES),
                        *fast_settings(tmp_path / "archive.sqlite3", tmp_path, MF_REPORT_DIR=str(tmp_path / "rep")))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-3].startswith("aa: ok — 5 new; "), result.stderr[-3000:]
    assert lines[-2].startswith("publish: ") and ": 11 feeds, " in lines[-2]
    assert lines[-1].startswith(f"report: FAILED: {tmp_path / 'rep' / 'runs'}/"), lines[-1]
    assert (tmp_path / "public" / "index.html").is_file()  # the run's work stands


# Refused from what the archive holds: on every backend.
ARCHIVE_CASES = [
    (["export", "--language", "xx"], "scrapy export: --language xx: no source has statements in this language "
                                     "(languages: de, en, fr, hi, ja, ru, zh)"),
    (["export", "--source", "mid", "--language", "zh"], "scrapy export: --language zh: mid has no statement in "
                                                         "this language (languages: en, ru)"),
]


@pytest.mark.parametrize(("arguments", "expected"), ARCHIVE_CASES, ids=[" ".join(a) for a, _ in ARCHIVE_CASES])
def test_bad_argument_for_the_archive_is_one_line_and_exit_2(place, archive, arguments, expected):
    result = run_scrapy(arguments[0], *settings(place, archive), *arguments[1:], timeout=60)
    assert_one_line_and_exit_2(result, expected)
    assert not (place / "new").exists()


@pytest.mark.parametrize("command", ["publish", "export", "validate", "reextract"])
def test_no_archive_there_is_one_line_and_exit_2(place, archive_url, command):
    """An archive URL with no archive there (an SQLite file never made, an empty PostgreSQL
    database): named, and left as it was."""
    result = run_scrapy(command, *settings(place, archive_url), timeout=60)
    assert_one_line_and_exit_2(result, f"scrapy {command}: {archive_url}: no archive there (run `scrapy update` "
                                        "first)")
    assert not (place / "new").exists()
    with pytest.raises(ArchiveMissing):  # no archive made there either
        open_archive(archive_url, readonly=True)


def test_serve_on_a_busy_port(place):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_scrapy("serve", "--port", str(port), "-s", f"MF_PUBLIC_DIR={place}/empty-public", timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"scrapy serve: {place}/empty-public: nothing published yet "
                                          "(run `scrapy publish`)"]
    (place / "empty-public" / "index.html").write_text("<h1>x</h1>", encoding="utf-8")
    try:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            result = run_scrapy("serve", "--port", str(port), "-s", f"MF_PUBLIC_DIR={place}/empty-public",
                                timeout=60)
    finally:
        (place / "empty-public" / "index.html").unlink()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"scrapy serve: --bind 127.0.0.1 --port {port}: cannot listen "
                                          "(already in use)"]


def test_a_tag_that_matches_nothing_is_said(place, archive):
    result = run_scrapy("export", "--tag", "nato", *settings(place, archive))
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["scrapy export: --tag nato: no statement has this tag (tags match "
                                          "exactly, as written in the feeds' categories)"]
    found = run_scrapy("export", "--tag", "NATO (North Atlantic Treaty Organization)", *settings(place, archive))
    assert found.returncode == 0
    assert found.stderr == ""
    ids = [json.loads(line)["id"] for line in found.stdout.splitlines()]
    assert "mid:en:1820702" in ids


def test_a_language_that_only_the_archive_has_is_accepted(place, archive_url):
    # GOV.UK's translations bring languages the registry does not list: a real answer, not an error.
    doc = statement("https://mid.ru/en/foreign_policy/news/1819686/")
    with open_archive(archive_url) as store:
        store.write_batch([], [{**doc, "id": "mid:ur:1819686", "language": "ur",
                                "url": "https://mid.ru/ur/foreign_policy/news/1819686/", "translations": {}}])
    result = run_scrapy("export", "--language", "ur", *settings(place, archive_url))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["mid:ur:1819686"]


def test_a_crawl_that_could_not_start_exits_1_and_says_so(tmp_path):
    """Scrapy logs a spider's failed start and exits 0; the project's ``scrapy crawl`` says it on
    one line and exits 1, as a cron job must see it."""
    result = run_scrapy("crawl", "no_start", "-s", "SPIDER_MODULES=tests.e2e.spiders_that_fail",
                        "-s", f"MF_ARCHIVE_URL=sqlite:///{tmp_path / 'a.sqlite3'}", timeout=60)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.splitlines()[-1] == \
        "scrapy crawl: no_start: the crawl did not start (start_error, see the log)"
