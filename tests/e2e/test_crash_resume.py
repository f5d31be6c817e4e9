"""Kill an analysis mid-run, restart it: the catalog is intact and finished work is kept."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
from PIL import Image


def _library(root, count):
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
        Image.fromarray(pixels).resize((800, 600), Image.BILINEAR).save(root / f"p{i:04d}.jpg", quality=85)


def _done(catalog):
    conn = sqlite3.connect(catalog)
    try:
        return dict(
            conn.execute(
                "SELECT photo_id, updated_at FROM phase_status WHERE phase = 'content' AND state = 'done'"
            ).fetchall()
        )
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def test_killed_run_resumes_without_redoing_committed_work(tmp_path):
    root, catalog = tmp_path / "photos", tmp_path / "catalog.sqlite"
    count = 400
    _library(root, count)
    command = [sys.executable, "-m", "imgengine_gui", "analyze", str(root), "--catalog", str(catalog),
               "--phases", "metadata,content", "--workers", "1", "--quiet"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(_done(catalog)) < 40 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed: make the library bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    conn = sqlite3.connect(catalog)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    committed = _done(catalog)
    assert 40 <= len(committed) < count

    subprocess.run(command, env=env, check=True, capture_output=True)
    final = _done(catalog)
    assert len(final) == count
    redone = [pid for pid, stamp in committed.items() if final[pid] != stamp]
    assert redone == []
