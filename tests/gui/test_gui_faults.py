"""The window's half of the safety contract (tests/faults/ has the rest): one count of distinct
files from the header to the confirmation to the result, catalog problems in a dialog, and a
catalog of a newer version opened read-only under a visible warning."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time

from PIL import Image

from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.settings import Settings


def _analyzed_overlap(tmp_path, photo_maker):
    """A picture, its exact copy (newer, scanned first) and a half-size copy, plus others."""
    root = tmp_path / "photos"
    root.mkdir()
    photo_maker(root / "a_newer.jpg", seed=1, size=(640, 480))
    shutil.copyfile(root / "a_newer.jpg", root / "b_older.jpg")
    with Image.open(root / "a_newer.jpg") as image:
        image.resize((320, 240)).save(root / "c_small.jpg", quality=85)
    photo_maker(root / "other.jpg", seed=2, size=(640, 480))
    hour_ago = time.time() - 3600
    os.utime(root / "b_older.jpg", (hour_ago, hour_ago))
    catalog = tmp_path / "catalog.sqlite"
    analyze_folder(AnalyzeRequest(root, catalog, Settings(), ("metadata", "content")))
    return root, catalog


def test_header_confirmation_and_result_count_the_same_distinct_files(
    qtbot, make_window, wait_task, tmp_path, photo_maker
):
    """Fault: a picture with an exact and a near copy (groups that used to overlap).
    Does: the header, the confirmation and the result all count 2 extra copies; the keeper
    stays."""
    root, catalog = _analyzed_overlap(tmp_path, photo_maker)
    window = make_window(catalog)
    asked = []
    window.prompts.confirm = lambda title, text: asked.append(text) or True
    window.show_view("duplicates")
    view = window.duplicates
    qtbot.waitUntil(lambda: view.built, timeout=10000)
    assert view.summary.text().startswith("1 group · 2 extra copies")
    keeper = next(t.file["path"] for t in view.cards[0].tiles if t.file["keep"])
    with wait_task(window, "trash") as job:
        view.trash_button.click()
    assert asked and asked[0].startswith("Move 2 extra copies from 1 group")
    assert len(job.result.moved) == 2 and not job.result.failed
    assert os.path.exists(keeper) and (root / "other.jpg").exists()


def test_a_newer_catalog_opens_read_only_with_a_warning(qtbot, make_window, wait_task, tmp_path,
                                                        photo_maker):
    """Fault: the catalog was written by a newer Image Engine (schema v999).
    Does: the window shows its photos under a visible read-only warning; analyze and trash say
    why they cannot run, in a dialog; the catalog is left as it was."""
    root, catalog = _analyzed_overlap(tmp_path, photo_maker)
    raw = sqlite3.connect(catalog)
    raw.execute("PRAGMA user_version = 999")
    raw.commit()
    raw.close()
    before = catalog.read_bytes()
    window = make_window(catalog)
    assert window.guard.banner.isVisible()
    assert "v999" in window.guard.banner.label.text()
    assert "update Image Engine" in window.guard.banner.label.text()
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 4, timeout=5000)
    assert not window.actions.analyze.isEnabled()
    assert window.analyze_folder(root) is False
    assert window.guard.dialog.isVisible() and "v999" in window.guard.dialog.text()
    window.guard.dialog.close()
    window.show_view("duplicates")
    qtbot.waitUntil(lambda: window.duplicates.built, timeout=10000)
    window.duplicates.trash_button.click()
    assert window.guard.dialog.isVisible() and "v999" in window.guard.dialog.text()
    assert all((root / n).exists() for n in ("a_newer.jpg", "b_older.jpg", "c_small.jpg"))
    assert catalog.read_bytes() == before


def test_a_file_that_is_not_a_catalog_is_explained_in_a_dialog(qtbot, make_window, tmp_path):
    """Fault: the catalog setting points at another application's SQLite file.
    Does: the same one-line message as the CLI, in a dialog; the file is not changed."""
    foreign = tmp_path / "places.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    window = make_window(foreign)
    dialog = window.guard.dialog
    assert dialog is not None and dialog.isVisible()
    assert str(foreign) in dialog.text() and "not an Image Engine catalog" in dialog.text()
    assert foreign.read_bytes() == before and not foreign.with_name("places.sqlite-wal").exists()


def test_a_catalog_on_read_only_media_opens_read_only(qtbot, make_window, tmp_path, photo_maker):
    """Fault: the catalog sits on a read-only file system (a read-only tmpfs; root only).
    Does: its photos show under the read-only warning; analyzing says why it cannot, in a dialog."""
    import subprocess

    import pytest

    if os.geteuid() != 0:
        pytest.skip("a read-only file system needs root (mount -t tmpfs); not root here")
    place = tmp_path / "media"
    place.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(place)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        root, catalog = _analyzed_overlap(place, photo_maker)
        subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
        window = make_window(catalog)
        assert window.guard.banner.isVisible() and "read-only" in window.guard.banner.label.text()
        qtbot.waitUntil(lambda: window.grid_model.rowCount() == 4, timeout=5000)
        assert window.analyze_folder(root) is False and window.guard.dialog.isVisible()
        window.close()
        qtbot.waitUntil(lambda: window._shut_down, timeout=20000)
    finally:
        subprocess.run(["umount", "-l", str(place)])
