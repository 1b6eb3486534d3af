"""Settings are checked before anything starts (crawler.setting_checks): what each kind of check
accepts and refuses, the project's own values pass, and every number or boolean the code reads
from the settings is checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

import crawler.settings as project_settings
from crawler.setting_checks import CHECKS, PUBLICATION, check_paths, check_settings

ROOT = Path(__file__).resolve().parent.parent


def settings(**values: object) -> Settings:
    found = Settings()
    found.setmodule(project_settings)
    found.setdict(values, priority="cmdline")
    return found


def test_the_projects_own_settings_pass():
    check_settings(settings())


@pytest.mark.parametrize(("name", "value"), [
    ("MF_FEED_ENTRIES", "1"), ("MF_FEED_ENTRIES", 20), ("MF_RECHECK_MAX_PER_RUN", "0"),
    ("MF_FEED_MAX_BYTES", "1024"), ("DOWNLOAD_MAXSIZE", "0"),
    ("MF_RETRY_BACKOFF_BASE", "0"), ("MF_RETRY_BACKOFF_BASE", "0.05"), ("DOWNLOAD_DELAY", 2),
    ("MF_SCRAPYD_POLL_INTERVAL", "0.2"),
    ("MF_OBEY_CRAWL_DELAY", "False"), ("MF_OBEY_CRAWL_DELAY", "true"), ("MF_OBEY_CRAWL_DELAY", "0"),
    ("MF_OBEY_CRAWL_DELAY", True), ("ROBOTSTXT_OBEY", 1),
    ("MF_MID_BASE_URL", "http://127.0.0.1:8080"), ("MF_MID_BASE_URL", "https://mid.ru/"),
    ("MF_GAC_CA_API_BASE_URL", "http://[::1]:9000/api"), ("MF_PUBLIC_BASE_URL", "https://feeds.example.org/mf/"),
    ("MF_RECHECK_SCHEDULE", "[[36500, 0]]"), ("MF_RECHECK_SCHEDULE", [(2, 6), (14, 48)]),
    ("MF_RECHECK_SCHEDULE", "[[36500, 1e9]]"),  # "never", as a large number
    ("MF_FEED_MAX_BYTES", 5e6),  # a whole number written as a float in a settings module
    ("TELNETCONSOLE_ENABLED", "True"), ("CLOSESPIDER_TIMEOUT", "1.5"), ("DEPTH_LIMIT", "3"),
    ("RETRY_ENABLED", "false"), ("RETRY_HTTP_CODES", "500,503"), ("RETRY_HTTP_CODES", [500, 503]),
    ("LOG_LEVEL", "DEBUG"), ("LOG_LEVEL", 10),
])
def test_usable_values_pass(name, value):
    check_settings(settings(**{name: value}))


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("MF_FEED_ENTRIES", "abc", "not a whole number of at least 1"),
    ("MF_FEED_ENTRIES", "0", "not a whole number of at least 1"),
    ("MF_FEED_ENTRIES", "2.5", "not a whole number of at least 1"),
    ("MF_FEED_ENTRIES", 2.5, "not a whole number of at least 1"),
    ("MF_FEED_MAX_BYTES", "1023", "not a whole number of at least 1024"),
    ("MF_RECHECK_MAX_PER_RUN", "-3", "not a whole number of at least 0"),
    ("MF_ARCHIVE_BATCH_SIZE", "0", "not a whole number of at least 1"),
    ("MF_ARCHIVE_BATCH_BYTES", "-1", "not a whole number of at least 1"),
    ("MF_DEFAULT_LISTING_PAGES", "0", "not a whole number of at least 1"),
    ("MF_RUN_RECORDS_DAYS", "abc", "not a whole number of at least 1"),
    ("MF_PENDING_MAX_ATTEMPTS", "9223372036854775808", f"more than {2**62}, the most this project takes"),
    ("CONCURRENT_ITEMS", "100000000000000000000000", "more than 10000, the most this project takes"),
    ("CONCURRENT_REQUESTS", "10001", "more than 10000, the most this project takes"),
    ("CONCURRENT_REQUESTS", "", "not a whole number of at least 1"),
    ("MF_RETRY_BACKOFF_BASE", "-1", "not a number of seconds of at least 0"),
    ("MF_PUBLISH_LOCK_TIMEOUT", "-1", "not a number of seconds of at least 0"),
    ("MF_PUBLISH_LOCK_TIMEOUT", "nan", "not a number of seconds of at least 0"),
    ("DOWNLOAD_DELAY", "inf", "not a number of seconds of at least 0"),
    ("MF_SCRAPYD_POLL_INTERVAL", "0", "not a number of seconds above 0"),
    ("DOWNLOAD_TIMEOUT", "0", "not a number of seconds above 0"),
    ("MF_OBEY_CRAWL_DELAY", "maybe", "not a boolean (True, False, 1 or 0)"),
    ("MF_OBEY_CRAWL_DELAY", "2", "not a boolean (True, False, 1 or 0)"),
    ("ROBOTSTXT_OBEY", "", "not a boolean (True, False, 1 or 0)"),
    ("ROBOTSTXT_OBEY", "TRUE", "not a boolean (True, False, 1 or 0)"),
    ("MF_MID_BASE_URL", "notaurl", "not an absolute http(s) URL"),
    ("MF_MID_BASE_URL", "ftp://mid.ru", "not an absolute http(s) URL"),
    ("MF_MID_BASE_URL", "https://", "not an absolute http(s) URL"),
    ("MF_MID_BASE_URL", "https://mid.ru:abc/",
     "not an absolute http(s) URL (Port could not be cast to integer value as 'abc')"),
    ("MF_MID_BASE_URL", "http://[::1", "not an absolute http(s) URL (Invalid IPv6 URL)"),
    ("MF_PUBLIC_BASE_URL", "http://[::1]:99999/", "not an absolute http(s) URL (Port out of range 0-65535)"),
    ("MF_PUBLIC_BASE_URL", "https://example.org/a b/",
     "not an absolute http(s) URL (white space or control characters in it)"),
    # the contact URL goes into the User-Agent header: a line break there would start a header
    ("MF_CONTACT_URL", "notaurl", "not an absolute http(s) URL"),
    ("MF_CONTACT_URL", "ftp://x.example/", "not an absolute http(s) URL"),
    ("MF_CONTACT_URL", "https://x.example/\x7f", "not an absolute http(s) URL (white space or control characters "
                                                 "in it)"),
    ("MF_PUBLIC_BASE_URL", "https://example.org/#frag", "an absolute http(s) URL without query or fragment is needed"),
    ("MF_PUBLIC_BASE_URL", "https://example.org/x?y=1", "an absolute http(s) URL without query or fragment is needed"),
    ("MF_PUBLIC_BASE_URL", "https://example.org/?", "an absolute http(s) URL without query or fragment is needed"),
    # Scrapy's own, by the type of their default (read as Scrapy reads them)
    ("RETRY_ENABLED", "yes", "not a boolean (True, False, 1 or 0)"),
    ("COOKIES_ENABLED", "yes", "not a boolean (True, False, 1 or 0)"),
    ("RANDOMIZE_DOWNLOAD_DELAY", "yes", "not a boolean (True, False, 1 or 0)"),
    ("TELNETCONSOLE_ENABLED", "yes", "not a number"),
    ("CLOSESPIDER_TIMEOUT", "x", "not a number"),
    ("DEPTH_LIMIT", "x", "not a number"),
    ("RETRY_HTTP_CODES", "abc", "not a list of HTTP status codes (100 to 599)"),
    ("RETRY_HTTP_CODES", "500,99", "not a list of HTTP status codes (100 to 599)"),
    ("LOG_LEVEL", "LOUD", "not a log level (CRITICAL, FATAL, ERROR, WARN, WARNING, INFO, DEBUG)"),
    ("LOG_LEVEL", "info", "not a log level (CRITICAL, FATAL, ERROR, WARN, WARNING, INFO, DEBUG)"),
    ("MF_RECHECK_SCHEDULE", "garbage", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "[[1]]", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "5", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "[]", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", '[["a", 1]]', "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "[[36500, 1e11]]", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "[[1, NaN]]", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "[[1, Infinity]]", "not a list of [max_age_days, every_hours] pairs, as JSON"),
    ("MF_RECHECK_SCHEDULE", "[[-1, 5]]", "not a list of [max_age_days, every_hours] pairs, as JSON"),
])
def test_unusable_values_are_named_with_the_reason(name, value, reason):
    with pytest.raises(ValueError) as raised:
        check_settings(settings(**{name: value}))
    shown = value if isinstance(value, str) and value.isprintable() else repr(value)
    assert str(raised.value) == f"-s {name}={shown}: {reason}"


def test_jobdir_must_be_a_folder_that_can_be_made(tmp_path):
    check_settings(settings(JOBDIR=str(tmp_path / "jobs" / "mid_archive")))  # made, with its parents
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for value, reason in ((str(tmp_path / "file"), "is not a folder"),
                          (str(tmp_path / "file" / "sub"), f"cannot be made: {tmp_path / 'file'} is not a folder"),
                          (" ", "no folder given")):
        with pytest.raises(ValueError) as raised:
            check_settings(settings(JOBDIR=value))
        assert str(raised.value) == f"-s JOBDIR={value}: {reason}"


def test_the_log_file_must_be_writable_in_a_folder_that_exists(tmp_path):
    # (Scrapy's FileHandler makes no folder: a missing one was a traceback as the crawl started)
    check_settings(settings(LOG_FILE=str(tmp_path / "update.log")))
    (tmp_path / "old.log").write_text("x", encoding="utf-8")
    check_settings(settings(LOG_FILE=str(tmp_path / "old.log")))  # appended to
    for value, reason in ((str(tmp_path / "no" / "update.log"), f"folder {tmp_path / 'no'} does not exist"),
                          (str(tmp_path), "is a folder, not a file"),
                          (str(tmp_path / "old.log" / "x.log"), f"folder {tmp_path / 'old.log'} is not a folder"),
                          (" ", "no path given")):
        with pytest.raises(ValueError) as raised:
            check_settings(settings(LOG_FILE=value))
        assert str(raised.value) == f"-s LOG_FILE={value}: {reason}"


def test_a_value_not_given_on_the_command_line_is_named_without_s():
    """A value from a settings module or the environment: ``NAME=VALUE``, not ``-s NAME=VALUE``."""
    found = settings()
    found.set("MF_FEED_ENTRIES", "abc", priority="project")
    with pytest.raises(ValueError) as raised:
        check_settings(found)
    assert str(raised.value) == "MF_FEED_ENTRIES=abc: not a whole number of at least 1"


def test_a_value_from_the_environment_is_named_so(monkeypatch):
    """crawler.deployment reads every MF_ setting from the environment, at the settings module's
    priority: the message says it came from there, so that nobody looks for a -s that is not."""
    monkeypatch.setenv("MF_FEED_ENTRIES", "abc")
    found = settings()
    found.set("MF_FEED_ENTRIES", "abc", priority="project")
    with pytest.raises(ValueError) as raised:
        check_settings(found)
    assert str(raised.value) == "environment variable MF_FEED_ENTRIES=abc: not a whole number of at least 1"
    monkeypatch.setenv("MF_PUBLIC_DIR", "")
    found.set("MF_FEED_ENTRIES", "5", priority="project")
    found.set("MF_PUBLIC_DIR", "", priority="project")
    with pytest.raises(ValueError) as raised:
        check_paths(found, ["MF_PUBLIC_DIR"])
    assert str(raised.value) == "environment variable MF_PUBLIC_DIR=: no folder given"


def test_a_contact_url_with_a_line_break_is_refused_on_one_line():
    """MF_CONTACT_URL goes into the User-Agent header of every request: a line break in it would
    add a header of the operator's making (or break the request)."""
    value = "https://x.example/\nevil: header"
    with pytest.raises(ValueError) as raised:
        check_settings(settings(MF_CONTACT_URL=value))
    assert str(raised.value) == ("-s MF_CONTACT_URL='https://x.example/\\nevil: header': not an absolute http(s) URL "
                                 "(white space or control characters in it)")
    check_settings(settings(MF_CONTACT_URL="https://ops.example.org/contact"))


def test_paths_that_cannot_be_made_or_written_are_refused(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for name in ("MF_PUBLIC_DIR", "MF_REPORT_DIR"):
        check_paths(settings(**{name: str(tmp_path / "new" / "folder")}), [name])  # made when it is used
        for value, reason in ((str(tmp_path / "file"), "is not a folder"),
                              (str(tmp_path / "file" / "sub"), f"cannot be made: {tmp_path / 'file'} is not a folder"),
                              ("/proc/pub", "cannot be made: /proc cannot be written ("),
                              ("", "no folder given")):
            with pytest.raises(ValueError) as raised:
                check_paths(settings(**{name: value}), [name])
            assert str(raised.value).startswith(f"-s {name}={value}: {reason}"), raised.value
    check_paths(settings(MF_LOCK_PATH=str(tmp_path / "locks" / "update.lock")), ["MF_LOCK_PATH"])
    check_paths(settings(MF_LOCK_PATH=str(tmp_path / "file")), ["MF_LOCK_PATH"])  # an existing file is opened
    assert (tmp_path / "file").read_text(encoding="utf-8") == "x"  # (to append: nothing changes)
    for value, reason in ((str(tmp_path), "is a folder, not a file"),
                          (str(tmp_path / "file" / "x.lock"), f"folder {tmp_path / 'file'} is not a folder"),
                          ("/proc/x.lock", "folder /proc cannot be written ("),
                          (" ", "no path given")):
        with pytest.raises(ValueError) as raised:
            check_paths(settings(MF_LOCK_PATH=value), ["MF_LOCK_PATH"])
        assert str(raised.value).startswith(f"-s MF_LOCK_PATH={value}: {reason}"), raised.value


def test_a_publication_checks_only_what_it_reads():
    check_settings(settings(CONCURRENT_REQUESTS="abc"), PUBLICATION)
    with pytest.raises(ValueError, match="MF_PUBLISH_LOCK_TIMEOUT"):
        check_settings(settings(MF_PUBLISH_LOCK_TIMEOUT="abc"), PUBLICATION)
    assert set(PUBLICATION) <= set(CHECKS)


def test_every_number_and_boolean_the_code_reads_is_checked():
    """A setting read with getint, getfloat or getbool (or a site's base URL) that the check does
    not know would fail mid-run again, as a traceback from inside a crawl."""
    read = set()
    for path in [*ROOT.joinpath("crawler").rglob("*.py"), *ROOT.joinpath("feeds").rglob("*.py")]:
        read |= set(re.findall(r"settings\.get(?:int|float|bool)\(\s*\"([A-Z_]+)\"", path.read_text(encoding="utf-8")))
    base_urls = {name for name in dir(project_settings) if name.startswith("MF_") and name.endswith("_BASE_URL")}
    assert read, "no settings found: the pattern no longer matches the code"
    assert "MF_RETRY_BACKOFF_MAX" in read
    assert read | base_urls <= set(CHECKS), sorted((read | base_urls) - set(CHECKS))
