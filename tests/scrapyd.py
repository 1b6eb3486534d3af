"""Real Scrapyd nodes for the tests and bench/scrapyd.py, and the project deployed to them the
standard way.

- :func:`build_egg`: ``scrapyd-deploy --build-egg`` in a copy of the checkout's files (what a
  clean clone holds: tracked files and new ones not ignored), so nothing is built in the
  checkout itself.
- :class:`ScrapydNode`: one ``scrapyd`` process (PyPI's, pinned in requirements-dev.txt) on a
  free loopback port, in a folder of its own holding its ``scrapyd.conf``, eggs, logs and
  queues, started there (so its jobs import the deployed egg, never the checkout), in a process
  group of its own (so the test can kill the node with its crawls, as a machine dies).
- :func:`deploy`: ``scrapyd-deploy NAME --egg FILE`` for each node, its ``[deploy:NAME]``
  target in a ``scrapy.cfg`` of the user's (``$XDG_CONFIG_HOME``), as an operator keeps one.

A frozen clock (libfaketime) for the crawls: Scrapyd's own poller runs on the wall clock (a
frozen one never starts a job), so the node's ``runner`` option names a module that starts
Scrapyd's runner with the clock frozen, for its jobs only.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPLOY = [sys.executable, "-m", "scrapyd_client.deploy"]
PROJECT = "ministry-feeds"
#: The runner a node with a frozen clock gives its jobs (written into the node's folder).
FROZEN_RUNNER = '''"""Scrapyd's runner, started with the clock frozen (FAKETIME_FOR_JOBS: the environment to add)."""
import json
import os
import sys

environment = {**os.environ, **json.loads(os.environ["FAKETIME_FOR_JOBS"])}
os.execve(sys.executable, [sys.executable, "-m", "scrapyd.runner", *sys.argv[1:]], environment)
'''


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without what points Python at the checkout."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}
    return {**env, **extra}


def checkout_copy(folder: Path) -> Path:
    """The checkout's files as a clean clone would hold them (git's tracked files, and new ones
    not ignored), copied into ``folder``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return folder


def build_egg(folder: Path) -> Path:
    """The project's egg as ``scrapyd-deploy --build-egg`` makes it."""
    copy = checkout_copy(folder / "checkout")
    egg = folder / f"{PROJECT}.egg"
    # (scrapyd-deploy --build-egg leaves its build folder, "scrapydeploy-…", in the temporary
    # folder: TMPDIR puts it in this test's, never in the machine's /tmp)
    scratch = folder / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([*DEPLOY, "--build-egg", str(egg)], cwd=copy, env=clean_environment(TMPDIR=str(scratch)),
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0 or not egg.exists():
        raise RuntimeError(f"scrapyd-deploy --build-egg failed: {result.stderr[-2000:]}")
    return egg


def deploy(egg: Path, nodes: dict[str, ScrapydNode], folder: Path, version: str = "1") -> list[str]:
    """``scrapyd-deploy NAME --egg EGG`` to each node, as [deploy:NAME] targets of the user's
    scrapy.cfg; returns what each deployment printed (Scrapyd's answer)."""
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "scrapy.cfg").write_text("".join(f"[deploy:{name}]\nurl = {node.url}/\n\n"
                                               for name, node in nodes.items()), encoding="utf-8")
    project = checkout_copy(folder / "checkout") if not (folder / "checkout").exists() else folder / "checkout"
    answers = []
    for name in nodes:
        result = subprocess.run([*DEPLOY, name, "--egg", str(egg), "--version", version], cwd=project,
                                env=clean_environment(XDG_CONFIG_HOME=str(config)), capture_output=True, text=True,
                                timeout=300, check=False)
        if result.returncode != 0 or '"status": "ok"' not in result.stdout:
            raise RuntimeError(f"scrapyd-deploy {name} failed: {result.stdout[-1000:]} {result.stderr[-2000:]}")
        answers.append(result.stdout)
    return answers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ScrapydNode:
    """One running Scrapyd: ``with ScrapydNode(folder) as node: node.url …``."""

    def __init__(self, folder: Path, *, max_proc: int = 2, poll_interval: float = 0.2,
                 frozen_clock: dict[str, str] | None = None, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_proc, self.poll_interval = max_proc, poll_interval
        self.frozen_clock = frozen_clock
        self.env = clean_environment(**(env or {}))
        if frozen_clock:
            (folder / "frozen_runner.py").write_text(FROZEN_RUNNER, encoding="utf-8")
            self.env["FAKETIME_FOR_JOBS"] = json.dumps(frozen_clock)
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _configure(self) -> None:
        runner = "frozen_runner" if self.frozen_clock else "scrapyd.runner"
        (self.folder / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            f"bind_address = 127.0.0.1\nhttp_port = {self.port}\n"
            f"max_proc = {self.max_proc}\npoll_interval = {self.poll_interval}\n"
            "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\njobs_to_keep = 100\n"
            f"finished_to_keep = 1000\nrunner = {runner}\n", encoding="utf-8")

    def start(self) -> ScrapydNode:
        for _ in range(3):  # a free port may be taken between the probe and the start
            self.port = _free_port()
            self._configure()
            log = (self.folder / "scrapyd.out").open("ab")
            self.process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=self.folder, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.process.poll() is None:
                with contextlib.suppress(OSError):
                    if self.api("daemonstatus")["status"] == "ok":
                        return self
                time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"scrapyd did not start: {self.log()[-2000:]}")

    def api(self, endpoint: str, **params: str) -> dict:
        """One GET of Scrapyd's JSON API (the tests' own look at a node)."""
        query = "&".join(f"{key}={value}" for key, value in params.items())
        with urllib.request.urlopen(f"{self.url}/{endpoint}.json?{query}", timeout=10) as answer:
            return json.loads(answer.read())

    def jobs(self) -> dict[str, list[dict]]:
        return self.api("listjobs", project=PROJECT)

    def log(self) -> str:
        path = self.folder / "scrapyd.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def job_logs(self) -> dict[str, str]:
        """Each job's log, by job id."""
        return {path.stem: path.read_text(errors="replace") for path in (self.folder / "logs").rglob("*.log")}

    def kill(self) -> None:
        """The node dies as a machine does: Scrapyd and every crawl it runs, SIGKILL."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop Scrapyd and whatever it still runs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):  # crawls left behind by a stopped Scrapyd
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def __enter__(self) -> ScrapydNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
