"""Crawls over loopback HTTP where pages are served wrong: charsets that lie, pages that do not
parse, normalise or validate, several articles redirecting to one home page (issue 10, items 5
and 6). Nothing fetched is lost, nothing garbled is stored."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import FIXTURES
from tests.crawl import fast_settings, run_scrapy
from tests.loopback import LoopbackSite

pytestmark = pytest.mark.e2e
UTF8_RU = "/ru/foreign_policy/news/1820150/"      # UTF-8 bytes, UTF-8 meta
CP1251_RU = "/ru/foreign_policy/news/1820801/"    # windows-1251 bytes, windows-1251 meta
EVERYTHING_DUE = {"MF_RECHECK_SCHEDULE": "[[36500, 0]]", "MF_RECHECK_MAX_PER_RUN": "100"}


def crawl_mid(site: LoopbackSite, archive, *args: str, **settings: str):
    return run_scrapy("crawl", "mid", "-a", "sections=foreign_policy/news", *args,
                      *fast_settings(archive, MF_MID_BASE_URL=site.base_url, **settings))


def query(archive, sql: str, *params):
    db = sqlite3.connect(archive)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def test_charsets_that_lie_are_read_right_and_make_no_new_version(tmp_path):
    archive = tmp_path / "a.sqlite3"
    with LoopbackSite(FIXTURES) as site:
        utf8, cp1251 = site.original(UTF8_RU), site.original(CP1251_RU)
        lies = {UTF8_RU: [(200, {"Content-Type": "text/html; charset=windows-1251"}, utf8)],
                CP1251_RU: [(200, {"Content-Type": "text/html; charset=utf-8"},
                             cp1251.replace(b"charset=windows-1251", b"charset=utf-8"))]}
        site.faults.update({path: list(answers) for path, answers in lies.items()})
        result = crawl_mid(site, archive, "-a", "languages=ru", LOG_LEVEL="DEBUG")
        assert result.returncode == 0, result.stderr[-3000:]
        titles = dict(query(archive, "SELECT id, json_extract(item, '$.title') FROM documents"))
        assert titles["mid:ru:1820150"].startswith("О встрече Министра иностранных дел России С.В.Лаврова")
        assert titles["mid:ru:1820801"].startswith("О телефонном разговоре Министра иностранных дел России")
        assert "'mf/charset/overruled': 2" in result.stderr
        assert f"Charset of {site.base_url}{UTF8_RU}: utf-8 (valid utf-8; header cp1251, meta utf-8)" \
            in result.stderr
        # Re-checked with the same lies: the same text, no garbled new version.
        site.faults.update({path: list(answers) for path, answers in lies.items()})
        result = crawl_mid(site, archive, "-a", "languages=ru", **EVERYTHING_DUE)
        assert result.returncode == 0, result.stderr[-3000:]
    versions = dict(query(archive, "SELECT id, max(version) FROM versions GROUP BY id"))
    assert versions["mid:ru:1820150"] == versions["mid:ru:1820801"] == 1
