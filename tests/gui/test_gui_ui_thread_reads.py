"""The UI thread never reads the catalog while the user filters, searches, sorts, opens the
detail view or a run ends: every SQL statement run on the main thread is recorded (a trace
callback on every connection opened), with the window code that ran it."""

from __future__ import annotations

import os
import sqlite3
import threading
import traceback

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from imgengine_gui.engine.progress import RunSummary

# Left on the UI thread (see the README): the grid's model reads the display fields of a page of
# 256 cells when one is first painted; the catalog guard checks the file's header once while
# the window is built, before any input (it decides whether write actions are enabled).
ALLOWED = ("models.py:grid_row", "catalog_guard.py:check")


class MainThreadSql:
    """Statements run on the main thread, each as 'file:function <- caller ...' of ui/ code."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def trace(self, _statement: str) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        frames = [f for f in traceback.extract_stack() if "/imgengine_gui/ui/" in f.filename]
        if not frames:
            return  # the test's own setup, not the window
        where = [f"{os.path.basename(f.filename)}:{f.name}" for f in reversed(frames[-4:])]
        if where[0] not in ALLOWED:
            self.found.append(" <- ".join(where))

    def connect(self, real):
        def traced(*args, **kwargs):
            conn = real(*args, **kwargs)
            conn.set_trace_callback(self.trace)
            return conn

        return traced


def test_filters_search_sort_detail_and_a_run_end_never_read_on_the_ui_thread(
    qtbot, make_window, seeded, monkeypatch
):
    sql = MainThreadSql()
    monkeypatch.setattr(sqlite3, "connect", sql.connect(sqlite3.connect))
    window = make_window(seeded.catalog)

    def settled() -> bool:
        library = window.library
        return not window.tasks.busy("reads") and getattr(library, "settled", True)

    def act(action) -> None:
        action()
        qtbot.waitUntil(settled, timeout=30000)

    f = window.filters
    act(lambda: qtbot.waitUntil(lambda: f.scenes.count() > 0, timeout=30000))
    act(lambda: f.scenes.item(0).setCheckState(Qt.CheckState.Checked))
    act(lambda: f.objects.item(0).setCheckState(Qt.CheckState.Checked))
    act(lambda: f.camera.setCurrentIndex(1))
    act(lambda: f.ratings.flag.setCurrentIndex(f.ratings.flag.findData("none")))
    act(f.reset)
    for _ in range(3):  # quickly, several times: only the last read decides the grid
        f.people.setCurrentIndex(f.people.findData(True))
        f.people.setCurrentIndex(0)
    act(lambda: None)
    assert window.grid_model.rowCount() == len(seeded.ids)
    act(lambda: (window.search.setText("photo_0"), window.search.fire()))
    assert window.grid_model.rowCount() == len(seeded.ids)  # photo_00 … photo_09 and copies
    act(lambda: (window.search.setText("photo_01"), window.search.fire()))
    assert window.grid_model.rowCount() == 1
    act(lambda: (window.search.setText(""), window.search.fire()))
    act(lambda: window.organize.sorting.set_sort("name"))
    act(lambda: window.organize.sorting.reverse.setChecked(True))
    act(lambda: window.select_folder(str(seeded.folder)))
    photo_id = seeded.ids["photo_04.jpg"]
    window.grid.select_photo(photo_id)
    window.grid.setFocus()
    act(lambda: QTest.keyClick(window.grid, Qt.Key.Key_I))  # the detail view
    assert window.current_view() == "detail" and window.detail.photo["id"] == photo_id
    act(lambda: QTest.keyClick(window.detail, Qt.Key.Key_Left))
    assert window.detail.photo["id"] != photo_id
    act(lambda: QTest.keyClick(window.detail, Qt.Key.Key_Escape))
    act(window.problems.show)  # its rows are read when it shows
    act(lambda: window.runs.finished.emit(RunSummary(folder=str(seeded.folder))))  # a run ends
    assert window.grid_model.rowCount() == len(seeded.ids)
    assert sql.found == [], "catalog reads on the UI thread:\n" + "\n".join(
        sorted(set(sql.found))
    )
