"""Shared test helpers: fixture pages read as the crawler would read them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = FIXTURES.parent.parent


def manifest() -> dict[str, dict]:
    """The bundled mirror's manifest: URL → entry."""
    return json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))


def fixture_response(url: str) -> HtmlResponse:
    """The mirror's page for ``url`` as Scrapy would hand it to a callback (charset and all)."""
    entry = manifest()[url]
    body = (FIXTURES / entry["file"]).read_bytes()
    return HtmlResponse(url=url, body=body, headers=entry.get("headers", {}),
                        status=entry.get("status", 200))


@pytest.fixture
def page_text():
    """``page_text(url)``: the decoded text of a mirror page."""
    return lambda url: fixture_response(url).text


# --- archives on every backend ---------------------------------------------------------------------
#: The backends every test that touches the archive runs on.
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres():
    """The tests' PostgreSQL server, started once (see tests.postgres); the PostgreSQL half of
    the suite is skipped, with the reason, when none can be run here."""
    from tests.postgres import Cluster, Unavailable

    try:
        cluster = Cluster()
    except Unavailable as error:
        pytest.skip(f"PostgreSQL half skipped: {error}")
    yield cluster
    cluster.stop()


def _new_archive(request: pytest.FixtureRequest, folder: Path):
    """(URL of a new empty archive on the backend of ``request.param``, its clean-up)."""
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'archive.sqlite3'}", lambda: None
    cluster = request.getfixturevalue("postgres")
    name = cluster.create_database()
    return cluster.url(name), lambda: cluster.drop_database(name)


@pytest.fixture(params=BACKENDS)
def archive_url(request, tmp_path):
    """The URL of a new, empty archive, on each backend in turn."""
    url, drop = _new_archive(request, tmp_path)
    yield url
    drop()


@pytest.fixture(scope="module", params=BACKENDS)
def module_archive_url(request, tmp_path_factory):
    """The URL of a new, empty archive shared by a module's tests, on each backend in turn."""
    url, drop = _new_archive(request, tmp_path_factory.mktemp("archive"))
    yield url
    drop()
