"""Runs are recorded in the catalog; an interrupted one is found (and only when it is)."""

from __future__ import annotations

import threading

from PIL import Image

from imgengine_gui.catalog import runs
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.lock import AnalysisLock
from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.engine.runs import dismiss, interrupted_run
from imgengine_gui.settings import Settings


def _folder(tmp_path, count=3):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(count):
        Image.new("RGB", (64 + i, 48), (40 * i, 90, 200)).save(folder / f"p{i}.jpg")
    return folder


def test_a_finished_run_is_done_and_not_offered(tmp_path):
    folder, catalog = _folder(tmp_path), tmp_path / "c.sqlite"
    analyze_folder(AnalyzeRequest(folder, catalog, Settings(), ("metadata",)))
    conn = connect(catalog, readonly=True)
    last = runs.last_run(conn)
    conn.close()
    assert last["status"] == runs.DONE and last["planned"] == 3 and last["analyzed"] == 3
    assert last["phases"] == ("metadata",) and last["folder"] == str(folder.resolve())
    assert interrupted_run(catalog) is None


def test_a_cancelled_run_is_offered_until_dismissed(tmp_path):
    folder, catalog = _folder(tmp_path), tmp_path / "c.sqlite"
    stop = threading.Event()
    stop.set()
    summary = analyze_folder(AnalyzeRequest(folder, catalog, Settings(), ("metadata",)), cancel=stop)
    assert summary.cancelled
    found = interrupted_run(catalog)
    assert found is not None and found.cancelled and found.folder == str(folder.resolve())
    dismiss(catalog, found.run_id)
    assert interrupted_run(catalog) is None


def test_a_run_left_running_is_interrupted_only_when_no_process_holds_the_lock(tmp_path):
    folder, catalog = _folder(tmp_path), tmp_path / "c.sqlite"
    analyze_folder(AnalyzeRequest(folder, catalog, Settings(), ("metadata",)))
    conn = connect(catalog)
    with conn:  # what a killed run leaves behind
        run_id = runs.start_run(conn, str(folder.resolve()), ("metadata", "content"))
    conn.close()
    found = interrupted_run(catalog)
    assert found is not None and found.run_id == run_id and not found.cancelled
    assert found.phases == ("metadata", "content")
    with AnalysisLock(catalog):  # another process is analyzing right now
        assert interrupted_run(catalog) is None
    (folder / "p0.jpg").unlink()
    for name in ("p1.jpg", "p2.jpg"):
        (folder / name).unlink()
    folder.rmdir()
    assert interrupted_run(catalog) is None  # its folder is gone
