"""``scrapy publish`` on a public folder whose disk fills: one line naming the file it could not
write, exit 1, and no temporary file of the failed publication left behind. A real full disk:
a small tmpfs mounted on the public folder (root only; skipped elsewhere)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.files import TEMPORARY_NAME
from tests.crawl import run_scrapy
from tests.feed_archive import make_archive

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def small_disk(folder: Path, kib: int):
    """``folder`` on a tmpfs of ``kib`` KiB, unmounted at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(folder)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="mounting a tmpfs needs root")
def test_a_full_disk_names_the_file_and_leaves_no_temporary_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    make_archive(url).close()
    public = tmp_path / "public"
    failures = []
    for kib in range(64, 1024, 48):  # the disk full at a feed, an archive document, a dump, the state…
        with small_disk(public, kib):
            result = run_scrapy("publish", "-s", f"MF_ARCHIVE_URL={url}", "-s", f"MF_PUBLIC_DIR={public}")
            leftovers = [str(path) for path in public.rglob("*") if TEMPORARY_NAME.match(path.name)]
        if result.returncode == 0:
            break
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        match = re.fullmatch(r"scrapy publish: (/\S+): No space left on device", lines[0])
        assert match, lines[0]
        written = Path(match.group(1))
        assert written.is_relative_to(public)
        assert not TEMPORARY_NAME.match(written.name)  # the file meant, not its temporary file
        assert leftovers == [], (kib, leftovers)
        failures.append(written.relative_to(public).as_posix())
    else:
        pytest.fail("no disk size was enough")
    assert len(failures) >= 3, failures
    assert any(path.startswith("data/") for path in failures), failures  # a dump too
