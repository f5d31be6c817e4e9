"""Rough edges a real-window run found (issue 15): each test failed before its fix."""

from __future__ import annotations

from PySide6.QtCore import Qt

from imgengine_gui.ui.empty_state import NO_MATCH, NO_PHOTOS


def _check_label(tag_list, label: str) -> None:
    for row in range(tag_list.count()):
        item = tag_list.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == label:
            item.setCheckState(Qt.CheckState.Checked)
            return
    raise AssertionError(f"{label} not listed")


def test_problems_of_an_earlier_folder_stay_listed_after_analyzing_another(
    qtbot, make_window, seeded, tmp_path, folder_maker
):
    """Bug 1: the panel emptied after a second folder's clean run while the status bar still
    counted the first folder's problem."""
    window = make_window(seeded.catalog)
    window.problems.show()
    qtbot.waitUntil(lambda: window.problems.count() == 1, timeout=5000)
    clean = folder_maker(tmp_path / "clean", count=3)
    with qtbot.waitSignal(window.runs.finished, timeout=60000) as done:
        window.analyze_folder(clean, phases=("metadata", "content"))
    assert done.args[0].failed == 0
    assert "1 with problems" in window.counts_label.text()
    assert window.problems.count() == 1
    assert window.problems.tree.topLevelItem(0).text(0) == "photo_05.jpg"


def test_filters_panel_comes_back_after_closing_on_the_duplicates_view(qtbot, make_window):
    """Bug 2: closed on Duplicates (where the panel is hidden), the next start had no filters."""
    window = make_window()
    assert window.filters_dock.isVisible()
    window.show_view("duplicates")
    assert not window.filters_dock.isVisible()
    window.close()
    qtbot.waitUntil(lambda: window._shut_down, timeout=20000)
    again = make_window()
    assert again.current_view() == "grid"
    assert again.filters_dock.isVisible()
    assert again.filters_dock.toggleViewAction().isChecked()


def test_filters_matching_nothing_say_so_and_offer_to_clear_them(qtbot, make_window, seeded):
    """Bug 3: filters that matched nothing said "No photos here yet. Choose 'Analyze folder…'"."""
    window = make_window(seeded.catalog)
    f = window.filters
    _check_label(f.scenes, "beach")
    f.camera.setCurrentIndex(f.camera.findData("NIKON D70"))  # no NIKON photo is a beach
    assert window.grid_model.rowCount() == 0
    assert window.grid.empty_text == NO_MATCH
    button = window.library.clear_action.button
    assert button.isVisible() and button.text() == "Clear filters"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.grid_model.rowCount() == 12 and f.active_count() == 0
    assert not button.isVisible()
    window.search.setText("no-such-name")
    window.search.fire()
    assert "no-such-name" in window.grid.empty_text and button.isVisible()
    button.click()
    assert window.search.text() == "" and window.grid_model.rowCount() == 12


def test_an_empty_library_still_asks_for_a_folder(make_window):
    window = make_window()
    assert window.grid.empty_text == NO_PHOTOS
    assert not window.library.clear_action.button.isVisible()
