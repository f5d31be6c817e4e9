"""Analysis driven through the window: the grid fills, cancel stops, the UI keeps responding."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextDocument

from imgengine_gui.catalog import queries
from imgengine_gui.catalog.db import connect
from imgengine_gui.ui import library_reads, ui_state
from imgengine_gui.ui.tasks import live_task_threads

PHOTOS = 12  # DISTINCT_PHOTOS + exact copy + resized copy


def test_analyze_action_fills_the_grid_with_thumbnails(qtbot, make_window, photo_folder):
    window = make_window()
    window.runs.phases = ("metadata", "content")
    window.prompts.choose_folder = lambda: str(photo_folder)
    assert window.grid_model.rowCount() == 0
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as done:
        window.actions.analyze.trigger()
        assert window.library.live_timer.isActive()
        assert window.actions.cancel.isEnabled() and not window.actions.analyze.isEnabled()
    summary = done.args[0]
    assert summary.analyzed == PHOTOS and not summary.cancelled and summary.failed == 0
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == PHOTOS, timeout=5000)
    assert str(photo_folder.resolve()) in window.sidebar.folder_paths()
    assert ui_state.last_folder() == str(photo_folder.resolve())
    assert window.progress.label.text().startswith(f"Analyzed {PHOTOS} photos")
    assert window.actions.analyze.isEnabled() and not window.actions.cancel.isEnabled()
    qtbot.waitUntil(window.is_settled, timeout=15000)
    cell = window.grid.delegate.cell
    visible = list(window.grid.visible_rows())
    assert visible
    for row in visible:
        thumb = window.grid_model.grid_row(row).thumb
        assert thumb and window.loader.cached(thumb, cell)


def test_cancel_right_after_start_stops_the_run(qtbot, make_window, tmp_path, folder_maker):

    folder = folder_maker(tmp_path / "many", count=30)
    window = make_window()
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as done:
        assert window.analyze_folder(folder, phases=("metadata", "content"))
        window.actions.cancel.trigger()
    summary = done.args[0]
    assert summary.cancelled
    assert summary.analyzed < 32
    qtbot.waitUntil(lambda: window.actions.analyze.isEnabled(), timeout=5000)
    assert window.progress.label.text().startswith("Stopped after")


class LagSampler:
    """How late the UI thread's event loop runs a timer: the lag is the time past each due tick.
    A UI thread busy with a decode or a catalog write shows that as lag."""

    def __init__(self, interval_s: float = 0.02) -> None:
        self.interval_s = interval_s
        self.lags: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(interval=int(interval_s * 1000))
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, now - self._last - self.interval_s))
        self._last = now

    def __enter__(self) -> LagSampler:
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.stop()


def test_ui_thread_stays_free_during_an_analysis(qtbot, make_window, tmp_path, folder_maker,
                                                 monkeypatch):
    """The rule, checked directly: decoding, content analysis and catalog writes of a run never
    happen on the UI thread; and its event loop keeps running (lag sampled, generous bound)."""
    from imgengine_gui.analysis import content, decode
    from imgengine_gui.catalog import records

    on_ui: list[str] = []

    def spied(name, original):
        def spy(*args, **kwargs):
            if threading.current_thread() is threading.main_thread():
                on_ui.append(name)
            return original(*args, **kwargs)

        return spy

    for module, name in ((decode, "decode_reduced"), (content, "analyze_content"),
                         (records, "store_metadata"), (records, "store_content")):
        monkeypatch.setattr(module, name, spied(name, getattr(module, name)))
    folder = folder_maker(tmp_path / "big", count=16, size=(1600, 1200))
    window = make_window()
    with LagSampler() as sampler, qtbot.waitSignal(window.runs.finished, timeout=90000) as done:
        window.analyze_folder(folder, phases=("metadata", "content"))
    assert done.args[0].analyzed == 18 and done.args[0].failed == 0
    assert on_ui == []
    assert len(sampler.lags) >= 3, "the event loop did not run during the analysis"
    # A run done on the UI thread would block it for the whole run (seconds); a loaded machine
    # delays a timer by well under this.
    assert max(sampler.lags) < 3.0, f"the UI thread stalled for {max(sampler.lags):.2f} s"


@pytest.mark.slow
def test_ml_phase_through_the_window_feeds_the_filters(settle, qtbot, make_window, photo_folder):
    # the generated gradients are no scene a model can be sure of: a cat is
    cat = pytest.importorskip("skimage.data").chelsea()
    Image.fromarray(cat).save(photo_folder / "chelsea.jpg", quality=90)
    window = make_window()
    with qtbot.waitSignal(window.runs.finished, timeout=120000) as done:
        window.analyze_folder(photo_folder, phases=("metadata", "content", "ml"))
    summary = done.args[0]
    assert summary.analyzed == PHOTOS + 1 and summary.failed == 0
    assert any("offline" in note or "model" in note.lower() for note in summary.notes)
    qtbot.waitUntil(lambda: window.filters.scenes.count() > 0, timeout=5000)
    item = window.filters.scenes.item(0)
    label = item.data(Qt.ItemDataRole.UserRole)
    listed = int(item.text().rsplit("(", 1)[1].rstrip(")"))
    item.setCheckState(Qt.CheckState.Checked)
    settle(window)
    assert window.grid_model.rowCount() == listed
    people = window.filters.people
    people.setCurrentIndex(people.findData(False))
    settle(window)
    conn = connect(window.catalog, readonly=True)
    expected = queries.photo_ids(conn, queries.PhotoFilter(scenes=(label,), people=False))
    conn.close()
    assert window.grid_model.ids() == expected


def test_dropped_folder_is_analyzed_and_problems_are_listed(qtbot, make_window, photo_folder,
                                                           settle):
    (photo_folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20)
    window = make_window()
    window.runs.phases = ("metadata", "content")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo_folder))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    enter.setAccepted(False)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as done:
        window.dropEvent(drop)
    assert done.args[0].failed == 1
    qtbot.waitUntil(lambda: window.problems.count() == 1, timeout=5000)
    assert window.problems.isVisible()
    assert window.problems.windowTitle() == "Problems (1)"
    row = window.problems.tree.topLevelItem(0)
    assert row.text(0) == "broken.jpg" and row.text(2)
    window.problems.photo_activated.emit(str(photo_folder.resolve() / "broken.jpg"))
    settle(window)
    assert window.grid_model.grid_row(window.grid.currentIndex().row()).name == "broken.jpg"


def test_live_reload_keeps_the_scroll_position(qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    window.zoom.setValue(len(window.zoom_sizes) - 1)  # big cells: the 12 photos need scrolling
    bar = window.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    bar.setValue(bar.maximum())
    kept = bar.value()
    window.grid_model.set_ids(list(reversed(window.grid_model.ids())))  # a reset, as in a reload
    qtbot.waitUntil(lambda: bar.value() == kept, timeout=3000)


def test_live_reload_keeps_a_multi_selection_and_skips_an_unchanged_catalog(
    qtbot, make_window, seeded, monkeypatch, wait_task
):
    window = make_window(seeded.catalog)
    window.zoom.setValue(len(window.zoom_sizes) - 1)
    grid, model = window.grid, window.grid_model
    bar = grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)
    qtbot.wait(200)  # the batched layout settles
    before = model.ids()
    chosen = before[:3]  # at the top: off screen once scrolled to the bottom
    flag = QItemSelectionModel.SelectionFlag
    for pid in chosen:
        grid.selectionModel().select(model.index(model.row_of(pid)), flag.Select)
    grid.selectionModel().setCurrentIndex(model.index(model.row_of(chosen[1])), flag.NoUpdate)
    assert "3 selected" in window.counts_label.text()
    bar.setValue(bar.maximum())
    kept = bar.value()
    reads = []
    read_live = library_reads.read_live

    def counted(*args):
        found = read_live(*args)
        reads.append(found is not None)
        return found

    monkeypatch.setattr(library_reads, "read_live", counted)
    with wait_task(window, "library:live"):  # nothing committed since the window loaded
        window.library.live_reload()
    assert reads == [False] and model.ids() == before  # the version checked, nothing read
    conn = sqlite3.connect(seeded.catalog)
    with conn:  # a commit that reorders the grid: the reload resets the model
        conn.execute("UPDATE metadata SET taken_at = '1990-01-01T00:00:00' WHERE photo_id = ?",
                     (before[-1],))
    conn.close()
    with wait_task(window, "library:live"):  # read on the reads lane, shown on the UI thread
        window.library.live_reload()
    assert reads == [False, True]
    assert model.ids() != before and sorted(model.ids()) == sorted(before)
    assert sorted(grid.selected_ids()) == sorted(chosen)
    assert grid.current_id() == chosen[1]
    assert "3 selected" in window.counts_label.text()
    qtbot.waitUntil(lambda: bar.value() == kept, timeout=3000)
    qtbot.wait(100)
    assert bar.value() == kept  # not scrolled back to the current photo


def _shows_literally(markup: str, text: str) -> bool:
    document = QTextDocument()
    document.setHtml(markup)
    return text in document.toPlainText()


def test_markup_in_file_names_is_shown_literally(qtbot, make_window, tmp_path, photo_maker):
    folder = tmp_path / "<b>bold"
    folder.mkdir()
    photo_maker(folder / "<i>x.jpg", seed=1)
    photo_maker(folder / "plain.jpg", seed=2)
    window = make_window()
    with qtbot.waitSignal(window.runs.finished, timeout=60000):
        window.analyze_folder(folder, phases=("metadata",))
        label = window.progress.label
        assert "<b>bold" in label.text() and label.textFormat() == Qt.TextFormat.PlainText
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 2, timeout=5000)
    row = next(r for r in range(2) if window.grid_model.grid_row(r).name == "<i>x.jpg")
    tip = window.grid_model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert "<i>" not in tip and _shows_literally(tip, "<b>bold/<i>x.jpg")
    item = window.sidebar.library.child(1)
    assert _shows_literally(item.toolTip(0), "<b>bold")


def test_closing_during_an_analysis_hides_at_once_and_closes_when_it_stops(
    qtbot, make_window, tmp_path, folder_maker
):
    folder = folder_maker(tmp_path / "many", count=30)
    window = make_window()
    summaries = []
    window.runs.finished.connect(summaries.append)
    assert window.analyze_folder(folder, phases=("metadata", "content"))
    window.close()  # returns at once: the run is still going (the UI does not wait for it)
    assert window.runs.running and window.runs.cancelling and not summaries
    assert not window.isVisible() and not window._shut_down
    with qtbot.waitSignal(window.closed, timeout=20000):
        pass
    assert window._shut_down
    qtbot.waitUntil(lambda: not live_task_threads(), timeout=60000)  # reads end on their own
    assert summaries and summaries[0].cancelled
    window._run_finished(summaries[0])  # a late result must not reopen the catalog
    window.library.live_reload()
    window.library.reload_all()
    assert window.source._conn is None and window.library.run_problems is None
