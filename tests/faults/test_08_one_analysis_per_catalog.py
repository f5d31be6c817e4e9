"""8. One analysis at a time per catalog; a write that finally fails fails the run."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

from faultlib import assert_one_line_error, command, count_rows, picture, run, spawn, wait_for
from PIL import Image


def _library(root, count):
    root.mkdir()
    for i in range(count):
        Image.new("RGB", (800, 600), (i % 256, (i * 7) % 256, 90)).save(root / f"p{i:04d}.jpg")
    return root


def test_a_second_analysis_is_refused_while_one_runs(tmp_path):
    """Fault: two analyses of one catalog at the same time.
    Does: the second says "another analysis is running on this catalog (pid N)" in one line
    and exits with 5, writing nothing; the first runs on untouched."""
    root = _library(tmp_path / "photos", 400)
    catalog = tmp_path / "catalog.sqlite"
    first = spawn(*command("analyze", root, "--catalog", catalog, "--phases", "metadata,content",
                           "--workers", "1", "--quiet"))  # fmt: skip
    try:
        content = "SELECT COUNT(*) FROM content"
        wait_for(lambda: count_rows(catalog, content) >= 5, first, timeout=120)
        second = run("analyze", root, "--catalog", catalog, "--phases", "metadata")
        assert second.returncode == 5, second.stderr
        assert_one_line_error(second.stderr, f"another analysis is running on this catalog (pid {first.pid})")
        assert first.poll() is None
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 130


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path):
    """Fault: a run was killed and left its lock file (with its dead pid) behind.
    Does: the next run takes the lock over and analyzes normally."""
    from imgengine_gui.catalog.lock import lock_path

    root = _library(tmp_path / "photos", 3)
    catalog = tmp_path / "catalog.sqlite"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    lock_path(catalog).write_text(f"{dead}\n")
    done = run("analyze", root, "--catalog", catalog, "--phases", "metadata", "--quiet")
    assert done.returncode == 0, done.stderr
    assert count_rows(catalog, "SELECT COUNT(*) FROM metadata") == 3


def test_a_catalog_kept_locked_by_another_program_fails_the_run(tmp_path, cli, monkeypatch):
    """Fault: another program holds the catalog's write lock for longer than the busy timeout.
    Does: the analysis waits, then exits with 4 and one line naming the catalog; it never
    reports success with results that were not saved."""
    import imgengine_gui.catalog.db as db

    root = tmp_path / "photos"
    root.mkdir()
    picture(0, (320, 240)).save(root / "a.jpg")
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata")[0] == 0
    picture(1, (320, 240)).save(root / "b.jpg")
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    other = sqlite3.connect(catalog, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 4, err
    lines = [line for line in err.splitlines() if line.startswith("imgengine: ")]
    assert len(lines) == 1 and str(catalog) in lines[0] and "locked" in lines[0], err
    assert "Traceback" not in err
    assert count_rows(catalog, "SELECT COUNT(*) FROM photos") == 1
