"""Shared test helpers: fixture pages read as the crawler would read them; the guard that keeps the
suite out of the checkout's public/ and data/; the external programs the end-to-end tests drive."""

from __future__ import annotations

import json
import os
import shutil
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


# --- the suite never writes into the checkout ------------------------------------------------------
#: Folders of the checkout that a run of the product writes by default (MF_ARCHIVE_URL,
#: MF_PUBLIC_DIR, MF_REPORT_DIR, MF_LOCK_PATH): a test must point every one of them at its own
#: temporary directory.
GUARDED = ("public", "data")


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path below a folder with its size and modification time (empty when absent)."""
    if not folder.exists():
        return {}
    found = {".": (0, folder.stat().st_mtime_ns)}
    for path in folder.rglob("*"):
        info = path.lstat()
        found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched():
    """Fails the session (an error at the last test's teardown) when any test created, changed or
    deleted anything in the checkout's public/ or data/: run on a server, the suite must never
    touch live feeds or the live archive."""
    before = {name: _snapshot(REPO / name) for name in GUARDED}
    yield
    changed = []
    for name in GUARDED:
        after = _snapshot(REPO / name)
        changed += [f"{name}/{path}" for path in sorted(set(before[name]) | set(after))
                    if before[name].get(path) != after.get(path)]
    assert not changed, f"the tests wrote into the checkout: {', '.join(changed[:10])}"


# --- external programs: chromium and newsboat --------------------------------------------------------
def external_program(*names: str) -> str:
    """The path of a Debian program the end-to-end tests drive (chromium, newsboat). Missing, the
    test is skipped for a user without root (``make test`` could not install it and said so), and
    fails as root or in CI (``CI`` set), where ``make test`` installs it: there it must run."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() == 0 or os.environ.get("CI"):
        pytest.fail(f"{names[0]} is not installed (`make test` installs it as root)")
    pytest.skip(f"{names[0]} is not installed and cannot be without root (see `make test`)")


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
