"""What differs per deployment comes from the environment or -s, and the egg scrapyd-deploy
builds holds what a crawl reads at run time."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import zipfile

import pytest

from crawler.deployment import from_environment, user_agent
from tests.conftest import REPO
from tests.crawl import run_scrapy


def test_mf_settings_come_from_the_environment_and_others_are_left_alone():
    defaults = {"MF_ARCHIVE_URL": "sqlite:///data/archive.sqlite3", "MF_CONTACT_URL": "https://a.example/",
                "USER_AGENT": "x"}
    environ = {"MF_ARCHIVE_URL": "postgresql://feeds@db/mf", "MF_NOT_A_SETTING": "1", "USER_AGENT": "y",
               "PATH": "/bin"}
    assert from_environment(defaults, environ) == {"MF_ARCHIVE_URL": "postgresql://feeds@db/mf"}


def setting(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = run_scrapy("settings", "--get", name, *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_environment_overrides_the_defaults_and_s_overrides_the_environment():
    env = {"MF_ARCHIVE_URL": "postgresql://feeds@db.example.org:5432/mf", "MF_CONTACT_URL": "https://ops.example/",
           "MF_PUBLIC_BASE_URL": "https://feeds.example.org/", "MF_MID_BASE_URL": "http://127.0.0.1:9"}
    assert setting("MF_ARCHIVE_URL") == "sqlite:///data/archive.sqlite3"
    for name, value in env.items():
        assert setting(name, env=env) == value
    assert setting("USER_AGENT", env=env) == user_agent("https://ops.example/")
    assert setting("MF_ARCHIVE_URL", "-s", "MF_ARCHIVE_URL=sqlite:///x.sqlite3", env=env) == "sqlite:///x.sqlite3"
    assert setting("MF_SCRAPYD_JOBS_PER_NODE", env={"MF_SCRAPYD_JOBS_PER_NODE": "2"}) == "2"


def test_the_deploy_project_is_the_one_update_schedules_under():
    config = configparser.ConfigParser()
    config.read(REPO / "scrapy.cfg")
    assert config["deploy"]["project"] == setting("MF_SCRAPYD_PROJECT") == "ministry-feeds"
    assert config["settings"]["default"] == "crawler.settings"


@pytest.fixture(scope="session")
def egg(tmp_path_factory):
    """The egg scrapyd-deploy builds (``--build-egg``), from a copy of the checkout's files."""
    from tests.scrapyd import build_egg

    return build_egg(tmp_path_factory.mktemp("egg"))


def test_the_egg_holds_the_packages_the_schema_and_the_settings_entry_point(egg):
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
        entry_points = archive.read("EGG-INFO/entry_points.txt").decode()
        schema = archive.read("schema/statement.schema.json")
    assert (REPO / "schema" / "statement.schema.json").read_bytes() == schema
    assert {"crawler/settings.py", "crawler/spiders/mid.py", "crawler/store/runs.py", "feeds/publish.py",
            "feeds/feed.xsl"} <= names
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
    assert "[scrapy]\nsettings = crawler.settings" in entry_points


def test_a_crawl_imports_from_the_egg_alone_and_reads_its_schema(egg, tmp_path):
    """Outside the checkout, with only the egg on the path (as Scrapyd's runner puts it): every
    spider is found, and the schema the validate pipeline compiles is read from inside the egg."""
    code = ("import sys, crawler.items, crawler.pipelines.validate as v;"
            "from scrapy.spiderloader import SpiderLoader;"
            "from scrapy.utils.project import get_project_settings;"
            "assert crawler.items.__file__.startswith(sys.argv[1]), crawler.items.__file__;"
            "print(crawler.items.statement_schema()['title']);"
            "print(len(SpiderLoader.from_settings(get_project_settings()).list()))")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    result = subprocess.run([sys.executable, "-c", code, str(egg)], cwd=tmp_path, capture_output=True, text=True,
                            env={**env, "PYTHONPATH": str(egg), "SCRAPY_SETTINGS_MODULE": "crawler.settings"},
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    title, spiders = result.stdout.split("\n")[:2]
    assert title and int(spiders) == 11
