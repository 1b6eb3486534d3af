"""No SQL and no database handle outside the store package, in code and tests (issue 12, item 1):
every other module reads and writes the archive through ``crawler.store``'s typed methods, which
is also what lets every test run on both backends (item 3).

The check reads each Python file's syntax tree (so comments and strings do not count) and finds:
an import of a database driver (``sqlite3``, ``psycopg``…), a call of ``.execute(``,
``.executemany(`` or ``.executescript(``, and a use of a store's ``.db`` handle. In tests and
benchmarks it also finds ``MF_ARCHIVE_PATH``, the older file-path setting, outside the tests kept
on purpose for it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
#: What is searched: the project's code, its tests and its benchmarks.
SEARCHED = ("crawler", "feeds", "tests", "bench")
#: The store itself: the one place that talks to a database.
STORE = "crawler/store/"
#: Database drivers, by their top-level module.
DRIVERS = {"sqlite3", "psycopg", "psycopg2", "psycopg_pool", "pysqlite2", "apsw", "sqlalchemy", "asyncpg"}
EXECUTE = {"execute", "executemany", "executescript"}
#: path → {finding kind: why it is allowed there}. Kinds: "driver", "execute", "db", "MF_ARCHIVE_PATH".
ALLOWED: dict[str, dict[str, str]] = {
    "tests/fixtures/tools/build_schema_v1_archive.py": {
        "driver": "builds the previous release's archive fixture as that release wrote it (VACUUMed)",
        "execute": "the fixture's VACUUM",
        "MF_ARCHIVE_PATH": "the previous release knew only the file-path setting",
    },
    "tests/test_search.py": {
        "driver": "reads a written snapshot as Datasette does (a standalone SQLite file, not an archive handle)"
                  " and takes a schema-4 archive back to schema 3 to test the migration",
        "execute": "the snapshot's own queries; undoing migration 4; FTS5's integrity-check command",
        "db": "FTS5's integrity-check command has no store method: it checks SQLite's index itself",
    },
    "tests/postgres.py": {
        "driver": "administers the tests' PostgreSQL server: databases and roles, never an archive",
        "execute": "CREATE/DROP DATABASE and ROLE for each test; a database made read-only, sessions ended",
    },
    "tests/e2e/full_disk/sitecustomize.py": {
        "driver": "a test process's disk made full: SQLite's own limit on every connection it opens",
        "execute": "PRAGMA max_page_count",
    },
    "tests/e2e/test_readers.py": {
        "driver": "reads newsboat's own cache database (the reader's file, not an archive of ours)",
        "execute": "queries of newsboat's cache",
    },
    "tests/e2e/test_crawl_mid.py": {
        "MF_ARCHIVE_PATH": "test_replay_and_scrapy_feed_export: the older setting is still obeyed (on purpose)",
    },
    "tests/test_archive.py": {
        "MF_ARCHIVE_PATH": "archive_url(settings): the older setting read, and the URL winning over it",
        "driver": "makes another program's SQLite file (not an archive), to see the archive leave it as it was",
        "execute": "another program's tables made in a database, which opening it as an archive must refuse",
    },
    "tests/e2e/test_command_errors.py": {
        "MF_ARCHIVE_PATH": "the older setting given empty in the environment is refused, not read as the default",
    },
    "tests/test_store_boundary.py": {"MF_ARCHIVE_PATH": "the name this check looks for"},
    "tests/e2e/test_damaged_archive.py": {
        "execute": "damages rows of an archive (a raw page's bytes, a fetch's headers, a meta value), as a failing"
                   " disk or a hand edit would: no store method writes a damaged row",
    },
    "tests/test_instant_order.py": {
        "execute": "takes an archive back to schema 6 (its instants' column and indexes dropped) to test"
                   " migration 7",
        "driver": "runs the canned queries and sorts of `scrapy explore` on the archive file, as Datasette"
                  " does (no store in between), and takes an archive back to schema 7 to test migration 8",
    },
}


def findings(source: str, filename: str = "<source>", *, settings: bool = True) -> list[tuple[int, str, str]]:
    """(line, kind, what) of everything in a module's source that belongs to the store alone;
    ``settings``: whether ``MF_ARCHIVE_PATH`` counts too (tests and benchmarks)."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, "driver", f"import {alias.name}") for alias in node.names
                      if alias.name.split(".")[0] in DRIVERS]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in DRIVERS:
            found.append((node.lineno, "driver", f"from {node.module} import …"))
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute) and function.attr in EXECUTE:
                found.append((node.lineno, "execute", f".{function.attr}("))
            elif _imported_by_name(node) in DRIVERS:
                found.append((node.lineno, "driver", f"import of {node.args[0].value}"))
        elif isinstance(node, ast.Attribute) and node.attr == "db":
            found.append((node.lineno, "db", ".db"))
        elif settings and isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and "MF_ARCHIVE_PATH" in node.value:
            found.append((node.lineno, "MF_ARCHIVE_PATH", "MF_ARCHIVE_PATH"))
    return sorted(set(found))


def _imported_by_name(call: ast.Call) -> str | None:
    """The top-level module of ``__import__("x")`` or ``importlib.import_module("x")``, or None."""
    function = call.func
    importing = (isinstance(function, ast.Name) and function.id == "__import__") or \
        (isinstance(function, ast.Attribute) and function.attr == "import_module")
    if importing and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value).split(".")[0]
    return None


def python_files() -> list[Path]:
    return sorted(path for folder in SEARCHED for path in (REPO / folder).rglob("*.py")
                  if not str(path.relative_to(REPO)).startswith(STORE) and "__pycache__" not in path.parts)


def test_the_check_finds_what_it_looks_for():
    source = ("import sqlite3\nfrom psycopg import sql\nimport importlib\nimportlib.import_module('psycopg')\n"
              "db = sqlite3.connect('x')\ndb.execute('SELECT 1')\nstore.db.all('SELECT id FROM documents')\n"
              "cursor.executemany('INSERT', [])\nsettings = {'MF_ARCHIVE_PATH': 'a.sqlite3'}\n"
              "# .execute( in a comment, and in a string: '.execute('\n")
    assert findings(source) == [
        (1, "driver", "import sqlite3"), (2, "driver", "from psycopg import …"), (4, "driver", "import of psycopg"),
        (6, "execute", ".execute("), (7, "db", ".db"), (8, "execute", ".executemany("),
        (9, "MF_ARCHIVE_PATH", "MF_ARCHIVE_PATH")]
    assert findings("settings = {'MF_ARCHIVE_PATH': None}\n", settings=False) == []


def test_the_searched_folders_hold_the_project():
    found = {str(path.relative_to(REPO)) for path in python_files()}
    assert {"feeds/publish.py", "crawler/pipelines/archive.py", "tests/conftest.py", "bench/publish.py"} <= found
    assert not any(path.startswith(STORE) for path in found)
    assert set(ALLOWED) <= found  # every exception names a file that exists


@pytest.mark.parametrize("path", python_files(), ids=lambda path: str(path.relative_to(REPO)))
def test_no_sql_and_no_database_handle_outside_the_store(path):
    relative = str(path.relative_to(REPO))
    allowed = ALLOWED.get(relative, {})
    settings = relative.startswith(("tests/", "bench/"))
    wrong = [f"{relative}:{line}: {what}" for line, kind, what in
             findings(path.read_text(encoding="utf-8"), relative, settings=settings) if kind not in allowed]
    assert not wrong, ("reads and writes of the archive go through crawler.store's methods (add a typed "
                       "reading method to crawler/store/reading.py if one is missing): " + "; ".join(wrong))
