"""Sorting, month headers, the timeline, ratings and flags, and a grid that keeps still during a run
(issue 15: Add 3, Add 4, bug 10)."""

from __future__ import annotations

import os
import sqlite3

import exiv2
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from imgengine_gui.catalog import queries
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.writer import CatalogWriter
from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.scan import scan_folder
from imgengine_gui.ui import month_header
from imgengine_gui.ui.sections import Section
from imgengine_gui.ui.timeline import MIN_YEAR_GAP, TimelineBar
from tests.gui.conftest import SEED


def _photos(catalog) -> dict[int, dict]:
    conn = connect(catalog, readonly=True)
    try:
        return {p["id"]: p for p in queries.list_photos(conn)}
    finally:
        conn.close()


def _select(qtbot, window, photo_ids) -> None:
    """Select these photos in the grid, focused in the active window (where its keys work)."""
    model, chooser = window.grid_model, window.grid.selectionModel()
    chooser.clearSelection()
    for pid in photo_ids:
        chooser.select(model.index(model.row_of(pid)), QItemSelectionModel.SelectionFlag.Select)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.grid.setFocus()


def test_sort_keys_order_the_grid_and_are_remembered(settle, make_window, seeded):
    window = make_window(seeded.catalog)
    photos = _photos(seeded.catalog)
    names = {pid: os.path.basename(p["path"]) for pid, p in photos.items()}
    by_date = sorted(photos, key=lambda pid: (photos[pid]["taken_at"] or "", photos[pid]["path"]))
    assert window.grid_model.ids() == by_date  # the default: date taken, oldest first

    window.organize.sorting.set_sort("name")
    settle(window)
    assert window.grid_model.ids() == sorted(photos, key=lambda pid: names[pid].casefold())
    assert not window.grid_model.sections and not window.timeline.isVisibleTo(window)
    window.organize.sorting.set_sort("size")
    settle(window)
    sizes = [photos[pid]["size_bytes"] for pid in window.grid_model.ids()]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) > 1
    window.organize.sorting.reverse.setChecked(True)  # smallest first
    settle(window)
    sizes = [photos[pid]["size_bytes"] for pid in window.grid_model.ids()]
    assert sizes == sorted(sizes)
    assert window.organize.sorting.combo.currentData() == "size"

    again = make_window(seeded.catalog)  # the choice is remembered
    assert again.organize.sorting.key == "size" and again.organize.sorting.reverse.isChecked()
    assert again.grid_model.ids() == window.grid_model.ids()


def test_month_headers_start_a_line_at_each_month(qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    model, grid = window.grid_model, window.grid
    dated = {name: facts["date"][:7] for name, facts in SEED.items() if facts["date"]}
    sections = model.sections.all()
    assert [s.title for s in sections] == [
        "No date", "June 2019", "July 2019", "January 2020", "March 2021", "December 2021"
    ]
    assert sum(s.end - s.start for s in sections) == model.rowCount() == len(seeded.ids)
    for section in sections[1:]:
        name = os.path.basename(model.grid_row(section.start).path)
        assert dated[name] == section.month
    window.zoom.setValue(len(window.zoom_sizes) - 1)  # big cells: fewer columns than "No date"
    columns = grid.delegate.columns
    assert 0 < columns.count < sections[0].end

    def laid_out() -> bool:
        first = grid.visualRect(model.index(0))
        last = grid.visualRect(model.index(model.rowCount() - 1))
        return last.isValid() and first.height() == columns.height + columns.band

    qtbot.waitUntil(laid_out, timeout=5000)
    first = grid.visualRect(model.index(0))
    for section in sections[1:]:
        start, before = grid.visualRect(model.index(section.start)), grid.visualRect(
            model.index(section.start - 1))
        assert start.x() == first.x()  # a month starts a new line...
        assert start.top() > before.bottom()  # ...below the previous month's last photo
        assert start.height() == first.height()  # with room for its header above the photo
    second_line = grid.visualRect(model.index(columns.count))  # still "No date": no header
    assert second_line.x() == first.x() and second_line.height() == columns.height


def test_a_month_is_headed_once_when_the_grid_does_not_scroll(qtbot, make_window, seeded):
    """Two "December 2026" headers one under the other: without a scroll bar the columns were
    fitted to the whole viewport, but Qt lays items out leaving the scroll bar's room, so the
    last photo of a month's first line wrapped and drew the month's header a second time."""
    conn = sqlite3.connect(seeded.catalog)
    with conn:  # one month, a few days, enough photos for two lines of small cells
        conn.execute("UPDATE metadata SET taken_at = printf('2026-12-%02dT10:00:00', photo_id)")
    conn.close()
    window = make_window(seeded.catalog)
    window.resize(1300, 900)
    window.zoom.setValue(0)
    model, grid = window.grid_model, window.grid
    [section] = model.sections.all()
    assert section.title == "December 2026" and section.end == len(seeded.ids)
    columns = grid.delegate.columns
    assert 0 < columns.count < section.end  # the month takes more than one line

    def laid_out() -> bool:  # everything fits: no scroll bar (the case), cells of this width
        last = grid.visualRect(model.index(model.rowCount() - 1))
        width = grid.delegate.columns.width
        return (not grid.verticalScrollBar().isVisible() and last.isValid()
                and grid.visualRect(model.index(0)).width() == width)

    qtbot.waitUntil(laid_out, timeout=5000)
    columns = grid.delegate.columns
    rects = [grid.visualRect(model.index(row)) for row in range(model.rowCount())]
    headed = [row for row in range(model.rowCount())
              if month_header.position(model.index(row), columns)[0] < columns.count]
    assert {rects[row].top() for row in headed} == {rects[0].top()}  # one header line
    assert rects[columns.count].x() == rects[0].x() and rects[columns.count].top() > rects[0].top()
    assert max(rect.right() for rect in rects) < grid.viewport().width()


def test_a_click_beside_a_month_or_on_its_header_is_on_no_photo(qtbot, make_window, seeded):
    """A month's last photo is laid out as wide as the rest of its line and its first line is
    taller by the header: a click (or hover, or right-click) in that empty room or on the
    month's title picked that photo, where a photo app clears the selection."""
    window = make_window(seeded.catalog)
    window.resize(1300, 900)
    window.zoom.setValue(0)  # small cells: every month leaves room on its last line
    model, grid = window.grid_model, window.grid
    columns = grid.delegate.columns
    section = next(s for s in model.sections.all() if (s.end - s.start) % columns.count)
    last = model.index(section.end - 1)
    qtbot.waitUntil(lambda: grid.visualRect(last).isValid()
                    and grid.visualRect(model.index(0)).width() == columns.width, timeout=5000)
    grid.scroll_to_row(section.start)
    qtbot.waitUntil(lambda: grid.viewport().rect().contains(grid.visualRect(last)), timeout=3000)
    item = grid.visualRect(last)
    assert item.width() > 2 * columns.width  # the filler the layout needs
    photo = QPoint(item.left() + columns.width // 2, item.bottom() - columns.height // 2)
    beside = QPoint(item.right() - 10, photo.y())
    header = grid.visualRect(model.index(section.start)).topLeft() + QPoint(20, columns.band // 2)
    assert grid.indexAt(photo) == last
    assert not grid.indexAt(beside).isValid() and not grid.indexAt(header).isValid()
    assert grid.item_at(beside) == last  # the layout's own item, for the timeline

    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=photo)
    assert grid.selected_ids() == [model.photo_id(section.end - 1)]
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=beside)
    assert grid.selected_ids() == []
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=header)
    assert grid.selected_ids() == []


def test_timeline_jumps_to_a_month(qtbot, make_window, seeded):
    window = make_window(seeded.catalog)
    window.zoom.setValue(len(window.zoom_sizes) - 1)  # big cells: the grid scrolls
    grid, model, timeline = window.grid, window.grid_model, window.timeline
    qtbot.waitUntil(lambda: grid.verticalScrollBar().maximum() > 0, timeout=5000)
    assert timeline.isVisible() and len(timeline.sections) == 6
    last = timeline.sections[-1]
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(5, timeline.y_of(last.start)))
    target = model.index(last.start)
    qtbot.waitUntil(lambda: grid.verticalScrollBar().value() > 0, timeout=3000)
    qtbot.waitUntil(lambda: grid.visualRect(target).top() <= 2 or
                    grid.verticalScrollBar().value() == grid.verticalScrollBar().maximum(),
                    timeout=3000)
    assert grid.viewport().rect().intersects(grid.visualRect(target))
    assert timeline.section_at(timeline.y_of(last.start)) == last


def test_timeline_labels_the_years_holding_the_most_photos(qtbot):
    """A library of one photo a year for twenty years, then 45 photos of this month: the year
    labels were given out top-down, so 2021's one photo, a few pixels above, hid "2026"."""
    bar = TimelineBar()
    qtbot.addWidget(bar)
    sections = [Section(row, row + 1, f"{2001 + row}-05") for row in range(21)]
    sections.append(Section(21, 66, "2026-12"))
    bar.set_sections(sections, 66)
    bar.resize(40, 400)
    labels = bar.year_labels()
    assert "2026" in labels.values() and "2001" in labels.values()
    ys = sorted(labels)
    assert all(b - a >= MIN_YEAR_GAP for a, b in zip(ys, ys[1:], strict=False))
    assert labels[bar.y_of(21)] == "2026"  # at its first month


def test_keys_set_ratings_and_flags_with_undo(settle, qtbot, make_window, seeded, wait_task):
    window = make_window(seeded.catalog)
    a, b = seeded.ids["photo_00.jpg"], seeded.ids["photo_03.jpg"]
    _select(qtbot, window, [a, b])
    with wait_task(window, "annotate"):
        QTest.keyClick(window.grid, Qt.Key.Key_4)
    photos = _photos(seeded.catalog)
    assert photos[a]["rating"] == photos[b]["rating"] == 4
    sidecar = exiv2.ImageFactory.open(photos[a]["path"] + ".xmp")  # the setting is on by default
    sidecar.readMetadata()
    assert sidecar.xmpData()["Xmp.xmp.Rating"].toString() == "4"  # as exiv2 itself reads it
    settle(window)
    assert window.grid_model.index(window.grid_model.row_of(a)).data(
        Qt.ItemDataRole.UserRole + 5) == (4, None)  # the cell shows it
    with wait_task(window, "annotate"):
        QTest.keyClick(window.grid, Qt.Key.Key_P)
    assert {_photos(seeded.catalog)[pid]["flag"] for pid in (a, b)} == {"pick"}
    with wait_task(window, "annotate"):
        QTest.keyClick(window.grid, Qt.Key.Key_X)
    assert {_photos(seeded.catalog)[pid]["flag"] for pid in (a, b)} == {"reject"}
    with wait_task(window, "annotate-undo"):
        window.notice.action_button.click()  # Undo: picked again
    assert {_photos(seeded.catalog)[pid]["flag"] for pid in (a, b)} == {"pick"}
    with wait_task(window, "annotate"):
        QTest.keyClick(window.grid, Qt.Key.Key_U)
    assert {_photos(seeded.catalog)[pid]["flag"] for pid in (a, b)} == {None}

    window.open_photo(a)  # the detail view rates the photo it shows
    settle(window)
    with wait_task(window, "annotate"):
        QTest.keyClick(window.detail, Qt.Key.Key_2)
    photos = _photos(seeded.catalog)
    assert photos[a]["rating"] == 2 and photos[b]["rating"] == 4

    window.view_photo(b)  # so does the viewer
    qtbot.waitUntil(lambda: window.viewing.viewer.photo is not None, timeout=20000)
    with wait_task(window, "annotate"):
        QTest.keyClick(window.viewing.viewer.canvas, Qt.Key.Key_5)
    photos = _photos(seeded.catalog)
    assert photos[a]["rating"] == 2 and photos[b]["rating"] == 5

    window.show_view("grid")
    window.search.setFocus()
    QTest.keyClick(window.search, Qt.Key.Key_5)  # typing in a field never rates
    assert window.search.text() == "5" and not window.tasks.busy("library")


def test_rating_and_flag_filters_narrow_the_grid(settle, qtbot, make_window, seeded, wait_task):
    window = make_window(seeded.catalog)
    ids = seeded.ids
    for names, key in ((["photo_00.jpg", "photo_01.jpg"], Qt.Key.Key_5),
                       (["photo_02.jpg"], Qt.Key.Key_3), (["photo_01.jpg"], Qt.Key.Key_P),
                       (["photo_03.jpg", "photo_04.jpg"], Qt.Key.Key_X)):
        _select(qtbot, window, [ids[n] for n in names])
        with wait_task(window, "annotate"):
            QTest.keyClick(window.grid, key)
    ratings = window.filters.ratings
    ratings.min_rating.setCurrentIndex(ratings.min_rating.findData(3))
    settle(window)
    assert sorted(window.grid_model.ids()) == sorted(ids[n] for n in ("photo_00.jpg",
                                                                      "photo_01.jpg", "photo_02.jpg"))
    assert window.filters.active_count() == 1
    ratings.min_rating.setCurrentIndex(ratings.min_rating.findData(5))
    ratings.flag.setCurrentIndex(ratings.flag.findData("pick"))
    settle(window)
    assert window.grid_model.ids() == [ids["photo_01.jpg"]]
    ratings.min_rating.setCurrentIndex(0)
    ratings.flag.setCurrentIndex(ratings.flag.findData("reject"))
    settle(window)
    assert sorted(window.grid_model.ids()) == sorted([ids["photo_03.jpg"], ids["photo_04.jpg"]])
    ratings.flag.setCurrentIndex(ratings.flag.findData("none"))
    settle(window)
    assert window.grid_model.rowCount() == len(ids) - 3
    window.filters.reset()
    settle(window)
    assert window.grid_model.rowCount() == len(ids) and window.filters.active_count() == 0


def test_grid_keeps_its_order_during_a_run_and_sorts_at_the_end(
    settle, qtbot, make_window, seeded, photo_maker, wait_task
):
    """Bug 10: photos getting their dates during an analysis must not move under the cursor."""
    window = make_window(seeded.catalog)
    model = window.grid_model
    before = model.ids()
    titles = [s.title for s in model.sections.all()]
    window.runs.started.emit()  # as when an analysis starts
    conn = sqlite3.connect(seeded.catalog)
    with conn:  # the last photo gets the earliest date: sorted, it would jump to the front
        conn.execute("UPDATE metadata SET taken_at = '1990-01-01T00:00:00' WHERE photo_id = ?",
                     (before[-1],))
    conn.close()
    photo_maker(seeded.folder / "zz_new.jpg", seed=99)
    with CatalogWriter(seeded.catalog) as writer:
        writer.call(lambda c: scan_folder(c, seeded.folder, c.execute(
            "SELECT id FROM folders").fetchone()[0]))
    with wait_task(window, "library:live"):  # read on the reads lane
        window.library.live_reload()
    after = model.ids()
    assert after[: len(before)] == before  # nothing shown moved
    assert len(after) == len(before) + 1  # the new photo is appended
    assert model.sections.total == len(after)
    *months, new = model.sections.all()  # under a header of its own, not December 2021's
    assert [s.title for s in months] == titles and (new.start, new.title) == (
        len(before), "New in this analysis")

    window.runs.finished.emit(RunSummary(folder=str(seeded.folder)))  # the run ends: sorted
    settle(window)
    conn = connect(seeded.catalog, readonly=True)
    expected = queries.photo_ids(conn, queries.PhotoFilter())
    conn.close()
    assert model.ids() == expected and model.ids() != after


def test_filter_panel_fits_its_dock_without_clipping(make_window, seeded):
    window = make_window(seeded.catalog)
    viewport = window.filters.parentWidget()  # the scroll area's viewport (no horizontal bar)
    assert window.filters.minimumSizeHint().width() <= viewport.width()
