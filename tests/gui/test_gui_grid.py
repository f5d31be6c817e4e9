"""The grid's model, loader, delegate and the bridge, without a catalog."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from imgengine_gui.catalog.reader import GridRow
from imgengine_gui.engine.progress import ProgressEvent
from imgengine_gui.ui.bridge import EngineBridge, connect_queued
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.models import PAGE_SIZE, PathRole, PhotoGridModel, ThumbRole
from imgengine_gui.ui.thumbnails import ImageLoader, image_key


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


def test_grid_paints_100k_rows_quickly_and_loads_visible_thumbnails(qtbot, tmp_path):
    source = CountingSource(_thumbs(tmp_path))
    bridge = EngineBridge()
    loader = ImageLoader(bridge)
    model = PhotoGridModel(source)
    grid = PhotoGrid(model, loader)
    qtbot.addWidget(grid)
    grid.resize(900, 600)
    grid.show()
    qtbot.waitExposed(grid)
    started = time.perf_counter()
    model.set_ids(range(1, 100_001))
    qtbot.waitUntil(lambda: len(grid.visible_rows()) > 0, timeout=5000)
    grid.repaint()
    first_paint = time.perf_counter() - started
    assert first_paint < 2.0
    rows = grid.visible_rows()
    assert 4 <= len(rows) < 200
    cell = grid.delegate.cell

    def visible_loaded():
        return all(loader.pixmap(model.index(r).data(ThumbRole), cell) is not None for r in rows)

    qtbot.waitUntil(visible_loaded, timeout=10000)
    # Only the pages around the viewport were read, not 100k rows.
    assert len(source.requested) <= 2 * PAGE_SIZE
    loader.shutdown()


def test_loader_is_bounded_and_reports_unreadable_files(qtbot, tmp_path):
    paths = _thumbs(tmp_path, count=8)
    bridge = EngineBridge()
    loader = ImageLoader(bridge, capacity=3)
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


def test_grid_keys_open_and_delete(qtbot, tmp_path):
    source = CountingSource(_thumbs(tmp_path))
    loader = ImageLoader(EngineBridge())
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


def test_bridge_delivers_worker_callbacks_on_the_ui_thread_and_thins_progress(qtbot):
    bridge = EngineBridge()
    received: list[tuple[ProgressEvent, bool]] = []
    connect_queued(
        bridge.progressed,
        lambda e: received.append((e, threading.current_thread() is threading.main_thread())),
    )

    def produce():
        for done in range(1, 501):
            bridge.report_progress(ProgressEvent("analyze", done, 500))
            time.sleep(0.0005)

    thread = threading.Thread(target=produce)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(received) and received[-1][0].done == 500, timeout=5000)
    assert all(on_ui for _, on_ui in received)
    assert len(received) < 100  # ~10 per second, not 500


def test_run_async_awaits_jobs_on_the_qasync_loop(qapp):
    import asyncio

    import qasync

    bridge = EngineBridge()
    got = []
    bridge.task_finished.connect(
        lambda tag, result: got.append((tag, result, threading.current_thread() is threading.main_thread()))
    )
    assert not bridge.run_async("none", lambda: 1)  # no asyncio loop: the caller uses a worker
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    async def main():
        assert bridge.run_async("answer", lambda: 6 * 7)
        while not got:
            await asyncio.sleep(0.01)

    try:
        loop.run_until_complete(asyncio.wait_for(main(), 10))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        bridge.shutdown()
    assert got == [("answer", 42, True)]


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
