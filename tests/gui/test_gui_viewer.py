"""The viewer (zoom, pan, steps, slideshow, full screen, off-thread decode, prefetch) and the
photo context menu, in a real window where it matters."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QNativeGestureEvent, QPointingDevice, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from imgengine_gui.catalog import annotations
from imgengine_gui.catalog.db import connect
from imgengine_gui.settings import Settings
from imgengine_gui.ui import cutout_controller
from imgengine_gui.ui.bridge import EngineBridge
from imgengine_gui.ui.photo_menu import reveal_in_file_manager
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.viewer import PhotoViewer
from imgengine_gui.ui.viewer_images import ViewerImages, ViewerPhoto, decode_job

BIG = (1200, 900)


@pytest.fixture
def tasks():
    runner = TaskRunner(EngineBridge())
    yield runner
    runner.shutdown()


@pytest.fixture
def photos(tmp_path, photo_maker) -> list[ViewerPhoto]:
    made = []
    for i in range(4):
        path = tmp_path / f"big_{i}.jpg"
        photo_maker(path, seed=i, size=BIG)
        made.append(ViewerPhoto(100 + i, str(path), BIG))
    return made


def _viewer(qtbot, tasks, photos, decode=decode_job, seconds=7):
    by_id = {p.photo_id: n for n, p in enumerate(photos)}

    def locate(photo_id: int, step: int):
        target = by_id[photo_id] + step
        return photos[target] if 0 <= target < len(photos) else None

    images = ViewerImages(tasks, decode=decode)
    viewer = PhotoViewer(images, locate, lambda: seconds)
    page = QWidget()  # the viewer's home, as in the window
    QVBoxLayout(page).addWidget(viewer)
    qtbot.addWidget(page)
    page.resize(640, 480)
    page.show()
    qtbot.waitExposed(page)
    viewer.test_page = page  # keeps the page (and so the viewer) alive
    return viewer


def _settle(qtbot, viewer) -> None:
    qtbot.waitUntil(lambda: viewer.settled and viewer.images.pending() == 0, timeout=20000)


def test_decode_runs_off_the_ui_thread_at_screen_size_and_prefetches(qtbot, tasks, photos):
    threads, decoded = [], []

    def recording(photo, box):
        threads.append(threading.current_thread().name)
        decoded.append(photo.photo_id)
        return decode_job(photo, box)

    viewer = _viewer(qtbot, tasks, photos, recording)
    viewer.show_photo(photos[1])
    _settle(qtbot, viewer)
    assert threads and all(name.startswith("ui-task-viewer") for name in threads)
    assert threading.main_thread().name not in threads
    held = {path for path, _ in viewer.images.held()}
    assert held == {photos[0].path, photos[1].path, photos[2].path}  # the neighbours, ahead
    shown = viewer.images.best(photos[1].path).image
    box = viewer.screen_box()
    assert shown.width() <= max(box[0], BIG[0] // 2 + 1) and shown.width() < BIG[0]
    assert not viewer.images.best(photos[1].path).full

    assert viewer.step(1)  # prefetched: on screen at once, without a decode of its own
    assert viewer.photo == photos[2] and viewer.canvas.pixmap is not None
    _settle(qtbot, viewer)
    assert decoded.count(photos[2].photo_id) == 1
    assert photos[3].path in {path for path, _ in viewer.images.held()}


def test_the_newest_request_is_decoded_first(qtbot, tasks, photos):
    started, gate, order = threading.Event(), threading.Event(), []

    def slow(photo, box):
        started.set()
        gate.wait(20)
        order.append(photo.photo_id)
        return decode_job(photo, box)

    images = ViewerImages(tasks, decode=slow)
    images.request(photos[0], (400, 300))
    assert started.wait(20)  # the lane is busy with the first photo
    for photo in photos[1:]:
        images.request(photo, (400, 300))
    gate.set()
    qtbot.waitUntil(lambda: images.pending() == 0, timeout=20000)
    assert order == [photos[0].photo_id] + [p.photo_id for p in reversed(photos[1:])]
    assert max(images.best(photos[2].path).image.size().toTuple()) == 400


def test_zoom_fit_100_wheel_pinch_and_pan(qtbot, tasks, photos):
    viewer = _viewer(qtbot, tasks, photos)
    canvas = viewer.canvas
    viewer.show_photo(photos[0])
    _settle(qtbot, viewer)
    assert canvas.fit and canvas.zoom == pytest.approx(canvas.fit_zoom()) and canvas.zoom < 1
    assert not canvas.can_pan()

    QTest.keyClick(canvas, Qt.Key.Key_Z)  # 100 %: the photo at its own size is decoded
    assert canvas.zoom == pytest.approx(1.0) and not canvas.fit
    qtbot.waitUntil(lambda: viewer.images.best(photos[0].path).full, timeout=20000)
    qtbot.waitUntil(lambda: canvas.pixmap.width() == BIG[0], timeout=5000)
    assert viewer.zoom_label.text() == "100 %"

    assert canvas.can_pan()
    before = QPointF(canvas.center)
    start = QPoint(300, 200)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(canvas, start + QPoint(50, 30))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(50, 30))
    dpr = canvas.devicePixelRatioF()
    assert canvas.center.x() == pytest.approx(before.x() - 50 * dpr)
    assert canvas.center.y() == pytest.approx(before.y() - 30 * dpr)
    canvas.pan_by(-10_000, -10_000)  # never past the photo's edge
    half_w = canvas.width() * dpr / 2
    assert canvas.center.x() == pytest.approx(BIG[0] - half_w)

    canvas.show_fit()
    anchor = QPointF(200, 150)
    rect = canvas.image_rect()
    under = (anchor - rect.topLeft()) / canvas.zoom  # the photo's point under the cursor
    zoom = canvas.zoom
    wheel = QWheelEvent(anchor, canvas.mapToGlobal(anchor), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, wheel)
    assert canvas.zoom == pytest.approx(zoom * 1.25)
    rect = canvas.image_rect()
    assert rect.topLeft() + under * canvas.zoom == pytest.approx(anchor) or (
        (rect.topLeft() + under * canvas.zoom - anchor).manhattanLength() < 1
    )

    zoom = canvas.zoom
    pinch = QNativeGestureEvent(Qt.NativeGestureType.ZoomNativeGesture,
                                QPointingDevice.primaryPointingDevice(), 2, anchor, anchor,
                                canvas.mapToGlobal(anchor), 0.5, QPointF(0, 0))
    QApplication.sendEvent(canvas, pinch)
    assert canvas.zoom == pytest.approx(zoom * 1.5)

    QTest.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert canvas.fit
    canvas.zoom_by(0.2)  # never smaller than fitted
    assert canvas.fit and canvas.zoom == pytest.approx(canvas.fit_zoom())


def test_arrows_step_and_the_slideshow_advances_to_the_end(qtbot, tasks, photos):
    viewer = _viewer(qtbot, tasks, photos, seconds=7)
    viewer.show_photo(photos[0])
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Right)
    assert viewer.photo == photos[1]
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Left)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Left)  # the first photo: stays
    assert viewer.photo == photos[0]

    QTest.keyClick(viewer.canvas, Qt.Key.Key_Space)
    assert viewer.slideshow.isActive() and viewer.slideshow.interval() == 7000
    assert viewer.play_button.isChecked()
    for expected in photos[1:]:
        viewer.slideshow.timeout.emit()  # a fake tick: no waiting on the clock
        assert viewer.photo == expected
    viewer.slideshow.timeout.emit()  # past the last photo: the slideshow ends on it
    assert viewer.photo == photos[-1] and not viewer.slideshow.isActive()
    assert not viewer.play_button.isChecked()
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Space)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Space)
    assert not viewer.slideshow.isActive()
    _settle(qtbot, viewer)


def test_full_screen_and_escape(qtbot, tasks, photos):
    viewer = _viewer(qtbot, tasks, photos)
    home = viewer.parentWidget()
    viewer.show_photo(photos[0])
    QTest.keyClick(viewer.canvas, Qt.Key.Key_F)
    assert viewer.is_full_screen() and viewer.window().isFullScreen()
    assert not viewer.bar.isVisible()
    with qtbot.assertNotEmitted(viewer.closed):
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Escape)  # first Esc: out of full screen
    assert not viewer.is_full_screen() and viewer.parentWidget() is home
    with qtbot.waitSignal(viewer.closed, timeout=1000):
        QTest.keyClick(viewer.canvas, Qt.Key.Key_Escape)
    _settle(qtbot, viewer)


def test_unreadable_photo_says_why(qtbot, tasks, photos, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    viewer = _viewer(qtbot, tasks, [ViewerPhoto(1, str(broken), None)])
    viewer.show_photo(ViewerPhoto(1, str(broken), None))
    _settle(qtbot, viewer)
    assert viewer.canvas.pixmap is None and "Cannot show this photo" in viewer.canvas.message


# -- in the window ---------------------------------------------------------------------------------

def test_grid_opens_the_viewer_and_info_and_back(settle, qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    first = seeded.ids["photo_01.jpg"]
    window.grid.select_photo(first)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_Return)
    viewer = window.viewing.viewer
    assert window.current_view() == "viewer" and viewer.photo.photo_id == first
    assert not window.filters_dock.isVisible()
    qtbot.waitUntil(lambda: viewer.settled, timeout=20000)
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Right)
    assert window.grid.current_id() == viewer.photo.photo_id != first  # the grid follows
    QTest.keyClick(viewer.canvas, Qt.Key.Key_I)
    settle(window)
    assert window.current_view() == "detail" and window.detail.photo["id"] == viewer.photo.photo_id
    QTest.keyClick(window.detail, Qt.Key.Key_F)  # back into the viewer from the info
    assert window.current_view() == "viewer"
    QTest.keyClick(viewer.canvas, Qt.Key.Key_Escape)
    assert window.current_view() == "grid" and window.filters_dock.isVisible()
    QTest.keyClick(window.grid, Qt.Key.Key_I)
    settle(window)
    assert window.current_view() == "detail"
    window.view_photo(first)
    window.select_folder(str(seeded.folder))  # a folder picked in the sidebar from the viewer
    assert window.current_view() == "grid"
    assert window.sidebar.selected_entry() == ("folder", str(seeded.folder))


def _menu_action(window, photo_ids, text):
    menu = window.photo_menu.build(photo_ids, window)
    actions = {action.text().split("\t")[0]: action for action in menu.actions() if action.text()}
    return actions[text], sorted(actions)


def test_context_menu_open_reveal_copy_and_cutout(qtbot, make_window, seeded, monkeypatch):
    window = make_window(seeded.catalog)
    photo_id = seeded.ids["photo_02.jpg"]
    path = str(seeded.folder / "photo_02.jpg")
    opened: list[QUrl] = []
    window.photo_menu.open_url = lambda url: opened.append(url) or True
    action, texts = _menu_action(window, [photo_id], "Open with Default App")
    assert {"Teach tag…", "Re-analyze…", "Move to Trash…"} <= set(texts)
    action.trigger()
    assert opened == [QUrl.fromLocalFile(path)]

    revealed = []
    window.photo_menu.reveal = lambda p, open_url: revealed.append(p)
    _menu_action(window, [photo_id], "Show in File Manager")[0].trigger()
    assert revealed == [path]

    _menu_action(window, [photo_id, seeded.ids["photo_03.jpg"]], "Copy 2 Paths")[0].trigger()
    assert QGuiApplication.clipboard().text() == f"{path}\n{seeded.folder / 'photo_03.jpg'}"

    def no_model(photo_id, path, settings, catalog):
        raise RuntimeError("no model in this test")

    monkeypatch.setattr(cutout_controller, "compute_cutout", no_model)
    _menu_action(window, [photo_id], "Remove Background…")[0].trigger()
    assert window.current_view() == "cutout" and window.cutout.photo_id == photo_id
    qtbot.waitUntil(window.is_settled, timeout=20000)


def test_context_menu_rates_and_flags_the_photos_it_was_opened_on(
    qtbot, make_window, seeded, wait_task
):
    window = make_window(seeded.catalog)
    chosen = [seeded.ids["photo_02.jpg"], seeded.ids["photo_03.jpg"]]
    selection = window.grid.selectionModel()
    for pid in chosen:  # both selected, as a right-click on one of them keeps them
        index = window.grid_model.index(window.grid_model.row_of(pid))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select)
    menu = window.photo_menu.build(chosen, window)
    submenus = {a.text(): a.menu() for a in menu.actions() if a.menu() is not None}
    assert set(submenus) >= {"Rating", "Flag"}
    four = next(a for a in submenus["Rating"].actions() if a.text().endswith("(4 stars)"))
    with wait_task(window, "annotate"):
        four.trigger()
    pick = next(a for a in submenus["Flag"].actions() if a.text() == "Pick")
    with wait_task(window, "annotate"):
        pick.trigger()
    conn = connect(seeded.catalog)
    try:
        notes = annotations.for_photos(conn, chosen)
    finally:
        conn.close()
    assert [(notes[p]["rating"], notes[p]["flag"]) for p in chosen] == [(4, "pick")] * 2


def test_reveal_selects_the_file_where_the_platform_can(tmp_path):
    target = str(tmp_path / "a.jpg")
    started, opened = [], []
    start = lambda program, args: started.append([program, *args]) or True  # noqa: E731
    assert reveal_in_file_manager(target, opened.append, "darwin", start) == "open -R"
    assert started == [["open", "-R", target]]
    assert reveal_in_file_manager(target, opened.append, "win32", start) == "explorer /select"
    # no file manager on D-Bus (none in a test): the folder opens, nothing selected
    assert reveal_in_file_manager(target, opened.append, "sunos", start) == "folder"
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]


def test_context_menu_trash_is_journaled_and_undone(settle, qtbot, make_window, seeded, wait_task,
                                                     private_trash):
    window = make_window(seeded.catalog)
    photo_id = seeded.ids["photo_03.jpg"]
    path = seeded.folder / "photo_03.jpg"
    window.view_photo(photo_id)  # trashed from the viewer: it shows the next photo
    row = window.grid_model.row_of(photo_id)
    following = window.grid_model.photo_id(row + 1)
    with wait_task(window, "trash") as job:
        _menu_action(window, [photo_id], "Move to Trash…")[0].trigger()
    assert job.result.action_id is not None and job.result.moved == [str(path)]
    settle(window)  # the library is read again: the viewer follows
    assert window.current_view() == "viewer" and window.viewing.viewer.photo.photo_id == following
    assert not path.exists() and (private_trash / "files" / "photo_03.jpg").exists()
    assert photo_id not in window.grid_model.ids()
    conn = sqlite3.connect(seeded.catalog)
    states = conn.execute("SELECT state FROM action_items WHERE photo_id = ?", (photo_id,)).fetchall()
    conn.close()
    assert states == [("trashed",)]
    assert window.notice.action_button.text() == "Undo"
    with wait_task(window, "undo"):
        window.notice.action_button.click()
    settle(window)
    assert path.exists() and not (private_trash / "files" / "photo_03.jpg").exists()
    assert photo_id in window.grid_model.ids()


def test_context_menu_find_similar_ranks_the_grid(settle, qtbot, make_window, seeded, wait_task):
    model_id = Settings().scenes_model
    vectors = {"photo_01.jpg": [1, 0, 0, 0], "photo_04.jpg": [0.9, 0.1, 0, 0],
               "photo_02.jpg": [0.5, 0.5, 0, 0], "photo_03.jpg": [0, 0, 1, 0]}
    conn = sqlite3.connect(seeded.catalog)
    with conn:
        for name, vector in vectors.items():
            unit = np.asarray(vector, np.float32) / np.linalg.norm(vector)
            conn.execute("INSERT INTO embeddings(photo_id, model_id, dim, vector) VALUES (?,?,4,?)",
                         (seeded.ids[name], model_id, unit.tobytes()))
    conn.close()
    window = make_window(seeded.catalog)
    with wait_task(window, "similar"):
        _menu_action(window, [seeded.ids["photo_01.jpg"]], "Find Similar Photos")[0].trigger()
    settle(window)
    names = ["photo_01.jpg", "photo_04.jpg", "photo_02.jpg", "photo_03.jpg"]
    assert window.grid_model.ids() == [seeded.ids[n] for n in names]
    assert "photo_01.jpg" in window.hint.label.text()
    window.notice.action_button.click()  # "Show all": the folder is read again on the reads lane
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(seeded.ids), timeout=20000)

