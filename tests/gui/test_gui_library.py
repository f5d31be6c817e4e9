"""Filters, search, detail and trash on a catalog seeded with known facts."""

from __future__ import annotations

import sqlite3

import numpy as np
from PIL import Image
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from imgengine_gui.settings import Settings
from imgengine_gui.ui import jobs
from imgengine_gui.ui.palette import ACCENT

ALL = 12


def _check_label(tag_list, label: str) -> None:
    for row in range(tag_list.count()):
        item = tag_list.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == label:
            item.setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"{label} not listed")


def test_each_filter_changes_the_visible_count(settle, make_window, seeded):
    window = make_window(seeded.catalog)
    f = window.filters
    shown = window.grid_model.rowCount
    assert shown() == ALL

    def check(setup, expected):
        setup()
        settle(window)
        assert shown() == expected
        f.reset()
        settle(window)
        assert shown() == ALL

    check(lambda: _check_label(f.scenes, "beach"), 2)
    check(lambda: (_check_label(f.scenes, "beach"), _check_label(f.scenes, "forest")), 4)
    check(lambda: _check_label(f.objects, "dog"), 2)
    check(lambda: _check_label(f.objects, "person"), 3)
    check(lambda: f.people.setCurrentIndex(f.people.findData(True)), 3)
    check(lambda: f.people.setCurrentIndex(f.people.findData(False)), ALL - 3)
    check(lambda: f.min_faces.setValue(2), 2)
    check(lambda: f.camera.setCurrentIndex(f.camera.findData("Canon EOS 40D")), 2)
    check(lambda: f.camera.setCurrentIndex(f.camera.findData("NIKON D70")), 2)
    check(lambda: f.has_gps.setCurrentIndex(f.has_gps.findData(True)), 2)
    check(lambda: f.has_gps.setCurrentIndex(f.has_gps.findData(False)), ALL - 2)
    check(lambda: f.has_errors.setCurrentIndex(f.has_errors.findData(True)), 1)
    check(lambda: f.has_errors.setCurrentIndex(f.has_errors.findData(False)), ALL - 1)

    def date_range():
        f.date_from.setDate(QDate(2020, 1, 1))
        f.date_to.setDate(QDate(2021, 6, 30))
        f.dates.setChecked(True)

    check(date_range, 2)
    # counts shown next to the labels come from the catalog
    texts = [f.scenes.item(r).text() for r in range(f.scenes.count())]
    assert "beach  (2)" in texts and "sky  (2)" in texts


def test_name_search_without_clip_filters_by_file_name_with_a_hint(qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    assert window.library.search_mode == "name"
    window.actions.find.trigger()
    assert window.focusWidget() is window.search
    QTest.keyClicks(window.search, "photo_00")
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 3, timeout=3000)
    assert window.hint.isVisible() and "CLIP" in window.hint.label.text()
    QTest.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == ALL, timeout=3000)
    assert not window.hint.isVisible()


def _add_clip_embedding(catalog, photo_id: int) -> None:
    conn = sqlite3.connect(catalog)
    with conn:
        conn.execute(
            "INSERT INTO embeddings(photo_id, model_id, dim, vector) VALUES (?, ?, 4, ?)",
            (photo_id, Settings().scenes_model, np.ones(4, np.float32).tobytes()),
        )
    conn.close()


def test_clip_search_ranks_hits_in_the_grid(settle, qtbot, make_window, seeded, monkeypatch, wait_task):
    _add_clip_embedding(seeded.catalog, seeded.ids["photo_01.jpg"])
    ranked = [seeded.ids["photo_07.jpg"], seeded.ids["photo_02.jpg"], seeded.ids["photo_05.jpg"]]
    asked = []
    monkeypatch.setattr(jobs, "search_text",
                        lambda catalog, text, settings: asked.append(text) or ranked)
    window = make_window(seeded.catalog)
    assert window.library.search_mode == "clip"
    with wait_task(window, "search"):
        window.search.setText("a dog on a beach")
        window.search.fire()
    assert asked == ["a dog on a beach"]
    settle(window)
    assert window.grid_model.ids() == ranked
    assert "CLIP" in window.hint.label.text()
    check = window.filters.has_errors
    check.setCurrentIndex(check.findData(False))  # filters still apply to the hits
    settle(window)
    assert window.grid_model.ids() == ranked[:2]


def test_clip_search_without_the_model_falls_back_to_names(settle, qtbot, make_window, seeded, wait_task):
    _add_clip_embedding(seeded.catalog, seeded.ids["photo_01.jpg"])
    window = make_window(seeded.catalog)
    assert window.library.search_mode == "clip"
    with wait_task(window, "search", timeout=60000, may_fail=True) as job:
        window.search.setText("photo_00")
        window.search.fire()
    assert job.error and "CLIP" in job.error
    assert window.library.search_mode == "name"
    settle(window)
    assert window.grid_model.rowCount() == 3
    assert "unavailable" in window.hint.label.text()


def test_folder_in_sidebar_limits_the_grid(settle, make_window, seeded, tmp_path):
    window = make_window(seeded.catalog)
    assert window.sidebar.folder_paths() == [str(seeded.folder)]
    assert window.sidebar.all_photos.text(0) == f"All photos  ({ALL})"
    assert window.select_folder_path(str(seeded.folder))
    settle(window)
    assert window.library.folder == str(seeded.folder) and window.grid_model.rowCount() == ALL
    assert not window.select_folder_path(str(tmp_path))


def test_detail_shows_metadata_as_plain_text_and_draws_boxes(settle, qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    photo_id = seeded.ids["photo_04.jpg"]
    window.grid.select_photo(photo_id)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_I)  # Info: the detail view (Return opens the viewer)
    settle(window)
    assert window.current_view() == "detail"
    detail = window.detail
    assert detail.value_of("Camera") == "<b>Evil</b> <i>Cam</i>"
    assert detail.value_of("Objects") == "person"
    assert detail.value_of("Faces") == "3"
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in detail.findChildren(QLabel))
    assert [kind for kind, _, _ in detail.canvas.boxes] == ["object", "face", "face", "face"]
    qtbot.waitUntil(lambda: detail.canvas.loaded, timeout=5000)
    image = detail.canvas.grab().toImage()
    accent = QColor(ACCENT).rgb()
    assert any(
        image.pixel(x, y) == accent
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )
    QTest.keyClick(detail, Qt.Key.Key_Left)
    settle(window)
    assert detail.photo["id"] == window.grid_model.photo_id(window.grid_model.row_of(photo_id) - 1)
    assert window.grid.current_id() == detail.photo["id"]
    QTest.keyClick(detail, Qt.Key.Key_Escape)
    assert window.current_view() == "grid"


def test_delete_moves_to_trash_after_confirm_and_undo_restores(settle, qtbot, make_window, seeded, wait_task):
    window = make_window(seeded.catalog)
    photo_id = seeded.ids["photo_03.jpg"]
    path = seeded.folder / "photo_03.jpg"
    asked = []
    window.prompts.confirm = lambda title, text: asked.append(text) or False
    window.grid.select_photo(photo_id)
    QTest.keyClick(window.grid, Qt.Key.Key_Delete)
    assert asked and "photo_03.jpg" in asked[0] and path.exists()  # declined: nothing moved

    window.prompts.confirm = lambda title, text: True
    with wait_task(window, "trash") as job:
        QTest.keyClick(window.grid, Qt.Key.Key_Delete)
    report = job.result
    assert report.moved == [str(path)] and not path.exists()
    settle(window)
    assert window.grid_model.rowCount() == ALL - 1
    assert window.notice.isVisible() and window.notice.action_button.text() == "Undo"
    assert window.actions.undo.isEnabled()
    with wait_task(window, "undo") as job:
        window.notice.action_button.click()
    assert job.result.moved == [str(path)], job.result
    assert path.exists()
    settle(window)
    assert window.grid_model.rowCount() == ALL


def test_cutout_runs_on_a_worker_and_saves_a_png(qtbot, make_window, seeded, wait_task, tmp_path):
    window = make_window(seeded.catalog)
    photo_id = seeded.ids["photo_02.jpg"]
    window.grid.select_photo(photo_id)
    with wait_task(window, f"cutout/{photo_id}", timeout=60000) as job:
        window.show_view("cutout")
        assert window.cutout.busy and window.cutout.original.message == "Working…"
    result = job.result
    assert result.photo_id == photo_id
    view = window.cutout
    assert view.method.text() == f"Served by: {result.method}"
    assert view.cutout.image.size() == view.original.image.size() == view.mask.image.size()
    assert view.save_button.isEnabled()
    target = tmp_path / "cut.png"
    window.prompts.choose_save_path = lambda title, filters, suggested: str(target)
    with wait_task(window, "cutout:save"):
        view.save_button.click()
    with Image.open(target) as saved:
        assert saved.mode == "RGBA"
        assert saved.size == (view.original.image.width(), view.original.image.height())


def test_filter_summary_follows_a_label_that_disappears(settle, make_window, seeded):
    window = make_window(seeded.catalog)
    f = window.filters
    _check_label(f.scenes, "beach")
    settle(window)
    assert f.summary.text() == "1 filter active" and window.grid_model.rowCount() == 2
    conn = sqlite3.connect(seeded.catalog)
    with conn:
        conn.execute("DELETE FROM tags WHERE kind = 'scene' AND label = 'beach'")
    conn.close()
    window.library.reload_all()
    settle(window)
    assert f.scenes.checked() == () and f.summary.text() == ""
    assert not f.reset_button.isEnabled() and window.grid_model.rowCount() == ALL


def test_a_failed_trash_keeps_an_earlier_trash_undoable(qtbot, make_window, seeded, wait_task):
    window = make_window(seeded.catalog)
    with wait_task(window, "trash"):
        window.trash.trash_photos([seeded.ids["photo_03.jpg"]])
    assert window.actions.undo.isEnabled()
    (seeded.folder / "photo_04.jpg").unlink()  # gone behind the catalog's back: the trash fails
    with wait_task(window, "trash") as job:
        window.trash.trash_photos([seeded.ids["photo_04.jpg"]])
    assert job.result.failed and not job.result.moved
    assert window.actions.undo.isEnabled() and window.duplicates.undo_button.isEnabled()
    with wait_task(window, "undo") as job:
        window.actions.undo.trigger()
    assert job.result.moved == [str(seeded.folder / "photo_03.jpg")]


def test_a_pending_clip_search_never_filters_by_name(settle, qtbot, make_window, seeded, monkeypatch,
                                                     wait_task):
    import threading

    _add_clip_embedding(seeded.catalog, seeded.ids["photo_01.jpg"])
    release = threading.Event()
    ranked = [seeded.ids["photo_07.jpg"], seeded.ids["photo_05.jpg"]]
    monkeypatch.setattr(jobs, "search_text",
                        lambda catalog, text, settings: release.wait(20) and ranked)
    window = make_window(seeded.catalog)
    try:
        with wait_task(window, "search"):
            window.search.setText("photo_00")  # also a file name: must not act as one
            window.search.fire()
            check = window.filters.has_errors
            check.setCurrentIndex(check.findData(False))  # a filter change while pending
            settle(window)
            assert window.grid_model.rowCount() == ALL - 1
            window.library.reload_all()  # as after a run or a trash
            settle(window)
            assert window.grid_model.rowCount() == ALL - 1
            release.set()
    finally:
        release.set()
    settle(window)
    assert window.grid_model.ids() == ranked[:1]
