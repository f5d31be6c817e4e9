"""The grid's model, loader, delegate, the bridge and the task runner, without a catalog."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import qasync
from PySide6.QtCore import QObject, Qt
from PySide6.QtTest import QTest

from imgengine_gui.catalog.reader import GridRow
from imgengine_gui.engine.progress import ProgressEvent
from imgengine_gui.ui.bridge import EngineBridge, ProgressThrottle
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.models import PAGE_SIZE, PathRole, PhotoGridModel, ThumbRole
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.thumbnails import ImageLoader, image_key


@pytest.fixture
def tasks():
    runner = TaskRunner(EngineBridge())
    yield runner
    runner.shutdown()


class CountingSource:
    def __init__(self, thumbs: list[str]) -> None:
        self.thumbs = thumbs
        self.requested: list[int] = []

    def rows(self, ids):
        self.requested.extend(ids)
        return {i: GridRow(i, f"IMG_{i}.jpg", f"/p/IMG_{i}.jpg", self.thumbs[i % len(self.thumbs)], None)
                for i in ids}


def _thumbs(tmp_path, count=6):
    from PIL import Image

    paths = []
    for i in range(count):
        path = tmp_path / f"t{i}.jpg"
        Image.new("RGB", (64 + i, 48), (40 * i, 90, 200)).save(path)
        paths.append(str(path))
    return paths


def test_model_holds_100k_ids_and_fetches_only_pages_it_shows(qtbot, tmp_path):
    source = CountingSource(_thumbs(tmp_path))
    model = PhotoGridModel(source)
    model.set_ids(range(1, 100_001))
    assert model.rowCount() == 100_000
    assert source.requested == []  # nothing fetched until a row is asked for
    assert model.index(99_999).data(PathRole) == "/p/IMG_100000.jpg"
    assert len(source.requested) == 100_000 % PAGE_SIZE or len(source.requested) <= PAGE_SIZE
    assert model.row_of(5000) == 4999
    assert model.row_of(123_456_789) is None


def test_grid_paints_100k_rows_quickly_and_loads_visible_thumbnails(qtbot, tmp_path, tasks):
    source = CountingSource(_thumbs(tmp_path))
    loader = ImageLoader(tasks)
    model = PhotoGridModel(source)
    grid = PhotoGrid(model, loader)
    qtbot.addWidget(grid)
    grid.resize(900, 600)
    grid.show()
    qtbot.waitExposed(grid)
    model.set_ids(range(1, 100_001))  # how fast: python -m benchmarks.grid_scale
    qtbot.waitUntil(lambda: len(grid.visible_rows()) > 0, timeout=5000)
    grid.repaint()
    rows = grid.visible_rows()
    assert 4 <= len(rows) < 200
    cell = grid.delegate.cell

    def visible_loaded():
        return all(loader.pixmap(model.index(r).data(ThumbRole), cell) is not None for r in rows)

    qtbot.waitUntil(visible_loaded, timeout=10000)
    # Only the pages around the viewport were read, not 100k rows.
    assert len(source.requested) <= 2 * PAGE_SIZE
    loader.shutdown()


def test_loader_is_bounded_and_reports_unreadable_files(qtbot, tmp_path, tasks):
    paths = _thumbs(tmp_path, count=8)
    loader = ImageLoader(tasks, capacity=3)
    for path in paths:
        with qtbot.waitSignal(loader.ready, timeout=5000):
            assert loader.pixmap(path, 32) is None
    cached = [p for p in paths if loader.cached(p, 32)]
    assert cached == paths[-3:]  # least recently used ones went first
    assert max(loader.pixmap(paths[-1], 32).width(), loader.pixmap(paths[-1], 32).height()) <= 32
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    with qtbot.waitSignal(loader.ready, timeout=5000) as blocker:
        loader.pixmap(str(broken), 32)
    assert blocker.args == [image_key(str(broken), 32)]
    assert loader.failed(str(broken), 32)
    loader.shutdown()


def test_grid_keys_open_and_delete(qtbot, tmp_path, tasks):
    source = CountingSource(_thumbs(tmp_path))
    loader = ImageLoader(tasks)
    model = PhotoGridModel(source)
    grid = PhotoGrid(model, loader)
    qtbot.addWidget(grid)
    grid.show()
    model.set_ids([10, 20, 30])
    grid.setFocus()
    grid.select_photo(20)
    with qtbot.waitSignal(grid.open_requested) as opened:
        QTest.keyClick(grid, Qt.Key.Key_Return)
    assert opened.args == [20]
    QTest.keyClick(grid, Qt.Key.Key_Right)
    assert grid.current_id() == 30
    with qtbot.waitSignal(grid.open_requested) as opened:
        QTest.keyClick(grid, Qt.Key.Key_Space)
    assert opened.args == [30]
    with qtbot.waitSignal(grid.delete_requested) as deleted:
        QTest.keyClick(grid, Qt.Key.Key_Delete)
    assert deleted.args == [[30]]
    loader.shutdown()


def test_bridge_runs_posted_calls_on_the_ui_thread_and_progress_is_thinned(qtbot):
    bridge = EngineBridge()
    received: list[tuple[ProgressEvent, bool]] = []
    throttle = ProgressThrottle(
        bridge, lambda e: received.append((e, threading.current_thread() is threading.main_thread()))
    )

    def produce():
        for done in range(1, 501):
            throttle(ProgressEvent("analyze", done, 500))
            time.sleep(0.0005)

    thread = threading.Thread(target=produce)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(received) and received[-1][0].done == 500, timeout=5000)
    assert all(on_ui for _, on_ui in received)
    assert len(received) < 100  # ~10 per second, not 500
    bridge.close()
    bridge.post(received.append, "late")
    qtbot.wait(50)
    assert received[-1] != "late"  # a closed bridge delivers nothing


def test_tasks_call_back_on_the_ui_thread_in_lane_order(qtbot, tasks):
    order: list[str] = []
    on_ui: list[bool] = []
    release = threading.Event()
    done, failed = [], []

    def step(name):
        def run():
            order.append(name)  # runs on the lane's thread
            if name == "first":
                release.wait(10)
            return name
        return run

    for name in ("first", "second", "third"):
        tasks.submit("library", name, step(name),
                     lambda result: (done.append(result),
                                     on_ui.append(threading.current_thread() is threading.main_thread())))
    tasks.submit("models", "boom", lambda: 1 / 0, done.append, failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)  # another lane is not held up
    assert failed == ["division by zero"] and done == []
    assert tasks.busy("library") and not tasks.busy("models")
    release.set()
    qtbot.waitUntil(lambda: len(done) == 3, timeout=5000)
    assert order == done == ["first", "second", "third"] and all(on_ui)
    assert not tasks.busy()


def test_after_shutdown_nothing_runs_and_no_thread_is_left(qtbot):
    from imgengine_gui.ui.tasks import live_task_threads

    tasks = TaskRunner(EngineBridge())
    ran = []
    started, release = threading.Event(), threading.Event()

    def running_job():
        started.set()
        release.wait(10)
        ran.append("before")

    tasks.submit("library", "before", running_job)
    assert started.wait(10)
    threading.Timer(0.05, release.set).start()
    tasks.shutdown()  # waits for the running job
    assert ran == ["before"] and not live_task_threads()
    late = tasks.submit("library", "late", lambda: ran.append("late"), ran.append)
    qtbot.wait(50)
    assert late.future.cancelled() and ran == ["before"] and not live_task_threads()


def test_callbacks_of_a_deleted_qt_object_are_skipped(qtbot, tasks):
    class Receiver(QObject):
        got: list = []

        def take(self, result):
            self.got.append(result)

    receiver = Receiver()
    release = threading.Event()
    tasks.submit("library", "late", lambda: release.wait(10) and 7, receiver.take)
    settled = []
    tasks.settled.connect(settled.append)
    receiver.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(receiver), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: bool(settled), timeout=5000)
    assert settled[0].result == 7 and Receiver.got == []


def test_a_task_future_can_be_awaited_on_the_qasync_loop(qapp, tasks):
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    async def main():
        task = tasks.submit("models", "answer", lambda: 6 * 7)
        return await asyncio.wrap_future(task.future)

    try:
        assert loop.run_until_complete(asyncio.wait_for(main(), 10)) == 42
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def test_cutout_view_ignores_a_late_error_of_another_photo(qtbot):
    from imgengine_gui.ui.cutout_view import CutoutView

    view = CutoutView()
    qtbot.addWidget(view)
    asked = []
    view.compute_requested.connect(lambda photo_id, path: asked.append(photo_id))
    view.show_photo(1, "/p/a.jpg")
    view.show_photo(2, "/p/b.jpg")
    assert asked == [1, 2]
    view.set_error(1, "boom")  # the first photo's job failing after the second was asked for
    assert view.busy and view.original.message == "Working…"
    view.set_error(2, "unreadable")
    assert not view.busy and "unreadable" in view.original.message


def test_catalog_reader_hides_only_busy_errors(tmp_path, seeded, monkeypatch, caplog):
    import sqlite3

    from imgengine_gui.catalog import queries
    from imgengine_gui.catalog.reader import CatalogReader

    source = CatalogReader(seeded.catalog)
    assert len(source.rows(list(seeded.ids.values()))) == len(seeded.ids)

    def fail(message):
        def raising(*args, **kwargs):
            raise sqlite3.OperationalError(message)
        return raising

    monkeypatch.setattr(queries, "folders", fail("database is locked"))
    with caplog.at_level("WARNING"):
        assert source.folders() == []
    assert not caplog.records and source._conn is not None  # busy: quiet, connection kept
    monkeypatch.setattr(queries, "folders", fail("no such column: nonsense"))
    with caplog.at_level("WARNING"):
        assert source.folders() == []
    assert "no such column" in caplog.text and source._conn is None
    source.close()
