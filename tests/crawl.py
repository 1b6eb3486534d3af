"""Runs real ``scrapy`` commands in a subprocess, as the operator would, from the repository."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRAPY = [sys.executable, "-m", "scrapy"]


def run_scrapy(*args: str, timeout: float = 300, env: dict[str, str] | None = None,
               cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``scrapy ARGS`` in a child process; fails the test on a Scrapy deprecation warning."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("SCRAPY_SETTINGS_MODULE", None)
    result = subprocess.run([*SCRAPY, *args], cwd=cwd, env=full_env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    assert "ScrapyDeprecationWarning" not in result.stderr, result.stderr[-3000:]
    return result


def fast_settings(archive: str | Path, folder: Path | None = None, **extra: str) -> list[str]:
    """``-s`` options for a quick loopback crawl: no delays (robots.txt's Crawl-delay
    included), short back-off, this archive (a URL, such as the ``archive_url`` fixture's, or an
    SQLite file's path); the public folder (``public/``), run reports (``reports/``) and lock
    (``update.lock``) in ``folder``, else beside an archive file, else in a fresh temporary
    folder; any of them given in ``extra`` wins. A test never writes into the checkout."""
    if isinstance(archive, Path):
        url, folder = f"sqlite:///{archive.resolve()}", folder or archive.parent
    else:
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="mf-test-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)  # (removed when the test run ends)
        url = archive
    settings = {
        "MF_ARCHIVE_URL": url,
        "MF_PUBLIC_DIR": str(folder / "public"),
        "MF_REPORT_DIR": str(folder / "reports"),
        "MF_LOCK_PATH": str(folder / "update.lock"),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "MF_OBEY_CRAWL_DELAY": "False",  # a loopback copy of a site asks for its delays too
        "MF_RETRY_BACKOFF_BASE": "0.05",
        "LOG_LEVEL": "INFO",
        **extra,
    }
    options: list[str] = []
    for name, value in settings.items():
        options += ["-s", f"{name}={value}"]
    return options


def start_scrapy(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.Popen:
    """``scrapy ARGS`` started in the background (for concurrent runs and SIGKILL tests)."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("SCRAPY_SETTINGS_MODULE", None)
    return subprocess.Popen([*SCRAPY, *args], cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


PAUSED_RUN = REPO / "tests" / "e2e" / "paused_run"


def signalled_at(pause_at: str, signum: int, *args: str, folder: Path) -> tuple[int, str]:
    """``scrapy ARGS`` sent ``signum`` at one moment (``pause_at``: see
    tests/e2e/paused_run/sitecustomize.py), no other; its exit code and stderr. ``folder``: where
    it says it waits."""
    pause = folder / "paused"
    run = start_scrapy(*args, env={"PYTHONPATH": f"{PAUSED_RUN}{os.pathsep}{REPO}",
                                   "MF_TEST_PAUSE_FILE": str(pause), "MF_TEST_PAUSE_AT": pause_at})
    deadline = time.monotonic() + 120
    while not pause.exists():
        assert run.poll() is None, f"it ended before {pause_at}: {run.stderr.read()[-3000:]}"
        assert time.monotonic() < deadline, f"it never came to {pause_at}"
        time.sleep(0.01)
    run.send_signal(signum)
    pause.unlink()
    _out, err = run.communicate(timeout=120)
    return run.returncode, err
