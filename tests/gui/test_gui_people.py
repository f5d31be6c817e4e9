"""People in the window: tiles, the person filter, rename, merge (drag and button) with undo,
"not this person" and naming from the detail view, hide, and Forget faces in the settings.

People are planted through the engine on the seeded catalog: faces with descriptors around
three well-separated centres (dlib's 0.6 operating point splits them), grouped by
``engine.people.update_people`` exactly as after an analysis.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from imgengine_gui.catalog import records
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.writer import CatalogWriter
from imgengine_gui.engine import people as engine

LEFT, RIGHT = [0.1, 0.1, 0.3, 0.4], [0.6, 0.1, 0.8, 0.4]
# photo -> the people on it, left then right: A on 3 photos, B and C on 2 each
FACES = {"photo_06.jpg": "A", "photo_07.jpg": "AC", "photo_08.jpg": "AB", "photo_09.jpg": "BC"}


def _plant_people(catalog, ids) -> dict[str, str]:
    """Faces planted and grouped; returns letter -> person id."""
    rng = np.random.default_rng(7)
    centres = {k: rng.normal(size=128).astype(np.float32) for k in "ABC"}
    for k in centres:
        centres[k] *= 0.8 / np.linalg.norm(centres[k])  # pairwise distances ~1.1, far over 0.6

    def plant(conn):
        for name, letters in FACES.items():
            faces = [
                {"score": 0.99, "box": box,
                 "descriptor": centres[k] + rng.normal(scale=0.005, size=128).astype(np.float32)}
                for k, box in zip(letters, (LEFT, RIGHT), strict=False)
            ]
            result = {"scenes": [], "objects": [], "faces": faces, "people": len(faces),
                      "identity": "test"}
            records.store_ml(conn, ids[name], result, {"faces": "test"})
        engine.update_people(conn)

    with CatalogWriter(catalog) as writer:
        writer.call(plant)
    conn = connect(catalog)
    try:
        found = {}
        for name, letters in FACES.items():
            for face in engine.photo_faces(conn, ids[name]):
                letter = letters[0] if face["box"] == LEFT else letters[1]
                found.setdefault(letter, face["person"])
        return found
    finally:
        conn.close()


@pytest.fixture
def people(seeded):
    seeded.people = _plant_people(seeded.catalog, seeded.ids)
    return seeded


def _open(make_window, qtbot, people, count=3):
    window = make_window(people.catalog)
    qtbot.waitUntil(lambda: window.people_panel.tiles.count() == count)
    return window


def _tile(window, person_id):
    return window.people_panel.item_of(person_id)


def _tile_centre(window, person_id) -> QPoint:
    tiles = window.people_panel.tiles
    return tiles.visualItemRect(_tile(window, person_id)).center()


def _labels(window) -> list[str]:
    tiles = window.people_panel.tiles
    return [tiles.item(row).text().split("\n")[0] for row in range(tiles.count())]


def _listed(people) -> list[tuple[str | None, int]]:
    conn = connect(people.catalog)
    try:
        return [(p["name"], p["photos"]) for p in engine.list_people(conn, include_hidden=True)]
    finally:
        conn.close()


def test_tiles_show_each_person_with_a_face_crop_and_filter_the_grid(settle, qtbot, make_window, people):
    window = _open(make_window, qtbot, people)
    a, b, c = (people.people[k] for k in "ABC")
    assert _labels(window)[0] == f"Unnamed {a}"  # most photos first
    assert sorted(_labels(window)[1:]) == sorted([f"Unnamed {b}", f"Unnamed {c}"])
    assert _tile(window, a).text() == f"Unnamed {a}\n3 photos"
    best = window.people_panel.person(a)["best_face"]
    qtbot.waitUntil(lambda: window.face_crops.pixmap(best, 56) is not None)
    crop = window.face_crops.pixmap(best, 56)
    assert (crop.width(), crop.height()) == (56, 56)

    tiles = window.people_panel.tiles
    QTest.mouseClick(tiles.viewport(), Qt.MouseButton.LeftButton, pos=_tile_centre(window, a))
    assert window.library.persons == (int(a),)
    settle(window)
    names = {window.grid_model.grid_row(r).name for r in range(window.grid_model.rowCount())}
    assert names == {"photo_06.jpg", "photo_07.jpg", "photo_08.jpg"}
    window.library.run_search("photo_07")  # combined with the other filters
    settle(window)
    assert window.grid_model.rowCount() == 1
    window.library.run_search("")
    QTest.mouseClick(tiles.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, _tile_centre(window, b))
    settle(window)
    assert window.grid_model.rowCount() == 4  # photos of A or B
    window.people_panel.clear_button.click()
    settle(window)
    assert window.library.persons == () and window.grid_model.rowCount() == len(people.ids)


def test_a_person_filter_counts_in_the_filters_and_clear_filters_clears_it(
    settle, qtbot, make_window, people, wait_task
):
    window = _open(make_window, qtbot, people)
    filters, panel, tiles = window.filters, window.people_panel, window.people_panel.tiles
    a, b = people.people["A"], people.people["B"]
    assert filters.active_count() == 0 and not filters.reset_button.isEnabled()
    QTest.mouseClick(tiles.viewport(), Qt.MouseButton.LeftButton, pos=_tile_centre(window, a))
    settle(window)
    assert window.library.persons == (int(a),) and window.grid_model.rowCount() == 3
    assert filters.active_count() == 1 and filters.reset_button.isEnabled()
    assert filters.summary.text() == f"1 filter active\nPeople: Unnamed {a}"
    QTest.mouseClick(tiles.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, _tile_centre(window, b))
    filters.min_faces.setValue(1)  # with another filter: two in all
    assert filters.summary.text().splitlines() == [
        "2 filters active", f"People: any of Unnamed {a}, Unnamed {b}"]
    with wait_task(window, "people:rename"):
        window.people.ask_name = lambda title, current, names: "Anna"
        window.people.rename(a)
    qtbot.waitUntil(lambda: "Anna" in filters.summary.text())  # the names follow the tiles

    filters.reset_button.click()
    settle(window)
    assert window.library.persons == () and panel.selected_ids() == ()
    assert not panel.clear_button.isEnabled()
    assert window.grid_model.rowCount() == len(people.ids)
    assert filters.active_count() == 0 and filters.summary.text() == ""
    assert not filters.reset_button.isEnabled()


def test_rename_by_double_click_then_undo(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    a = people.people["A"]
    asked = []
    window.people.ask_name = lambda title, current, names: asked.append(current) or "Anna"
    viewport, centre = window.people_panel.tiles.viewport(), _tile_centre(window, a)
    with wait_task(window, "people:rename"):
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
        QTest.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.waitUntil(lambda: _labels(window)[0] == "Anna")
    assert asked == [""] and ("Anna", 3) in _listed(people)
    assert window.actions.undo.isEnabled() and window.actions.undo.text() == "Undo Rename"
    with wait_task(window, "people:undo"):
        window.actions.undo.trigger()
    qtbot.waitUntil(lambda: _labels(window)[0] == f"Unnamed {a}")


def test_renaming_to_a_name_taken_offers_to_merge(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    a, b = people.people["A"], people.people["B"]
    window.people.ask_name = lambda title, current, names: "Anna"
    with wait_task(window, "people:rename"):
        window.people.rename(a)
    qtbot.waitUntil(lambda: "Anna" in _labels(window))
    asked = []
    window.people.ask_merge = lambda name: asked.append(name) or True
    window.people.ask_name = lambda title, current, names: "anna"
    with wait_task(window, "people:merge"):
        window.people.rename(b)
    qtbot.waitUntil(lambda: window.people_panel.tiles.count() == 2)
    assert asked == ["Anna"] and ("Anna", 4) in _listed(people)


def test_merging_the_person_shown_keeps_showing_them_merged(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    b, c = people.people["B"], people.people["C"]
    window.people_panel.select([c])
    qtbot.waitUntil(lambda: window.people.persons == (int(c),))
    with wait_task(window, "people:merge"):
        window.people.merge(b, [c])
    qtbot.waitUntil(lambda: window.people_panel.tiles.count() == 2)
    qtbot.waitUntil(lambda: window.people.persons == (int(b),))
    assert window.people_panel.selected_ids() == (int(b),)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 3)  # B's and C's: 07, 08, 09


def test_merge_by_dragging_a_tile_onto_another_and_undo(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    b, c = people.people["B"], people.people["C"]
    tiles = window.people_panel.tiles
    start, end = _tile_centre(window, c), _tile_centre(window, b)
    QTest.mousePress(tiles.viewport(), Qt.MouseButton.LeftButton, pos=start)
    with wait_task(window, "people:merge"):
        for step in range(1, 6):  # a drag in a few moves, the button held
            point = start + (end - start) * (step / 5)
            tiles.mouseMoveEvent(_move(point))
        assert tiles.drop_target is _tile(window, b)
        QTest.mouseRelease(tiles.viewport(), Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: tiles.count() == 2)
    assert _tile(window, c) is None and _tile(window, b).text().endswith("3 photos")
    assert window.notice.isVisible() and window.notice.action_button.text() == "Undo"
    assert window.actions.undo.text() == "Undo Merge"
    with wait_task(window, "people:undo"):
        QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tiles.count() == 3)
    assert sorted(photos for _, photos in _listed(people)) == [2, 2, 3]


def _move(point: QPoint):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QMouseEvent

    return QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(point), QPointF(point),
                       Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)


def test_merge_the_selected_people_with_the_button(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    panel = window.people_panel
    a, b, c = (people.people[k] for k in "ABC")
    panel.select([b, c])
    assert panel.merge_button.isEnabled()
    assert window.library.persons == tuple(sorted((int(b), int(c))))
    with wait_task(window, "people:merge"):
        panel.merge_button.click()
    qtbot.waitUntil(lambda: panel.tiles.count() == 2)
    assert sorted(photos for _, photos in _listed(people)) == [3, 3]
    assert _tile(window, a) is not None
    # the merged-away person left the filter: the grid shows the target's photos
    survivor = next(p for p in (b, c) if _tile(window, p) is not None)
    assert window.library.persons == (int(survivor),)


def test_detail_face_boxes_name_and_not_this_person(settle, qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    a, b = people.people["A"], people.people["B"]
    photo_id = people.ids["photo_08.jpg"]
    window.open_photo(photo_id)
    settle(window)
    captions = sorted(caption for kind, caption, _ in window.detail.canvas.boxes if kind == "face")
    assert captions == sorted([f"Unnamed {a}", f"Unnamed {b}"])

    clicked = []
    window.people.show_face_menu = lambda pid, face, where: clicked.append((pid, face))
    window.detail.face_clicked.disconnect()
    window.detail.face_clicked.connect(window.people.show_face_menu)
    canvas = window.detail.canvas
    qtbot.waitUntil(lambda: canvas.loaded and canvas.pixmap() is not None)
    rect = canvas.image_rect(canvas.pixmap())
    inside = QPoint(int(rect.x() + 0.2 * rect.width()), int(rect.y() + 0.25 * rect.height()))
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=inside)
    assert clicked and clicked[0][0] == photo_id and clicked[0][1]["box"] == LEFT

    face = clicked[0][1]
    menu = window.people.face_menu(photo_id, face)
    texts = [action.text() for action in menu.actions()]
    assert f"Not Unnamed {a}" in texts
    with wait_task(window, "people:name-face"):
        menu.line_edit.setText("Anna")
        menu.line_edit.returnPressed.emit()
    qtbot.waitUntil(lambda: "Anna" in [c for _, c, _ in window.detail.canvas.boxes])
    qtbot.waitUntil(lambda: "Anna" in window.people_panel.names())  # the tiles are read again
    # A was unnamed: the whole person is named (3 photos), no new person is split off
    assert ("Anna", 3) in _listed(people) and window.people_panel.tiles.count() == 3
    assert _labels(window)[0] == "Anna" and window.notice.label.text() == f"Unnamed {a} is now Anna"

    face = next(f for f in window.detail.photo["faces"] if f["box"] == RIGHT)
    menu = window.people.face_menu(photo_id, face)
    assert "This is Anna" in [action.text() for action in menu.actions()]
    not_b = next(action for action in menu.actions() if action.text() == f"Not Unnamed {b}")
    with wait_task(window, "people:not"):
        not_b.trigger()
    qtbot.waitUntil(lambda: not any(c == f"Unnamed {b}" for _, c, _ in window.detail.canvas.boxes))
    right = next(f for f in window.detail.photo["faces"] if f["box"] == RIGHT)
    assert right["person"] is None
    qtbot.waitUntil(lambda: window.actions.undo.text() == "Undo “Not this person”")
    with wait_task(window, "people:undo"):
        window.actions.undo.trigger()
    qtbot.waitUntil(lambda: f"Unnamed {b}" in [c for _, c, _ in window.detail.canvas.boxes])


def test_this_is_a_named_person_merges_the_unnamed_one_and_undoes(
    settle, qtbot, make_window, people, wait_task
):
    window = _open(make_window, qtbot, people)
    a, b, c = (people.people[k] for k in "ABC")
    with wait_task(window, "people:rename"):
        window.people.ask_name = lambda title, current, names: "Anna"
        window.people.rename(a)
    qtbot.waitUntil(lambda: "Anna" in window.people_panel.names())
    photo_id = people.ids["photo_09.jpg"]  # B left, C right
    window.open_photo(photo_id)
    settle(window)
    face = next(f for f in window.detail.photo["faces"] if f["box"] == LEFT)
    menu = window.people.face_menu(photo_id, face)
    assert menu.line_edit.placeholderText() == "Name this person…"
    this_is = next(action for action in menu.actions() if action.text() == "This is Anna")
    with wait_task(window, "people:name-face"):
        this_is.trigger()
    qtbot.waitUntil(lambda: window.people_panel.tiles.count() == 2)
    assert _tile(window, b) is None and _tile(window, a).text() == "Anna\n4 photos"
    assert _listed(people) == [("Anna", 4), (None, 2)]
    assert window.notice.label.text() == f"Unnamed {b} merged into Anna"
    qtbot.waitUntil(lambda: "Anna" in [c for _, c, _ in window.detail.canvas.boxes])
    qtbot.waitUntil(lambda: window.actions.undo.text() == "Undo Name Person")
    with wait_task(window, "people:undo"):
        window.actions.undo.trigger()
    qtbot.waitUntil(lambda: window.people_panel.tiles.count() == 3)
    assert _listed(people) == [("Anna", 3), (None, 2), (None, 2)]
    assert _tile(window, b) is not None and _tile(window, c) is not None


def test_hide_a_person_and_show_hidden_people(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    panel = window.people_panel
    c = people.people["C"]
    menu = panel.context_menu(_tile(window, c))
    hide = next(action for action in menu.actions() if action.text() == "Hide")
    with wait_task(window, "people:hide"):
        hide.trigger()
    qtbot.waitUntil(lambda: panel.tiles.count() == 2 and _tile(window, c) is None)
    with wait_task(window, "people"):
        panel.hidden_button.click()
    assert panel.tiles.count() == 3 and "hidden" in _tile(window, c).toolTip()
    menu = panel.context_menu(_tile(window, c))
    show = next(action for action in menu.actions() if action.text() == "Show again")
    with wait_task(window, "people:hide"):
        show.trigger()
    with wait_task(window, "people"):
        panel.hidden_button.click()
    assert panel.tiles.count() == 3


def test_forget_faces_in_settings_asks_first(qtbot, make_window, people, wait_task):
    window = _open(make_window, qtbot, people)
    dialog = window.open_settings()
    asked = []
    dialog.confirm = lambda title, text: asked.append(text) or False
    dialog.forget_button.click()
    assert asked and "cannot be undone" in asked[0]
    assert window.people_panel.tiles.count() == 3 and len(_listed(people)) == 3
    dialog.confirm = lambda title, text: True
    with wait_task(window, "people:forget"):
        dialog.forget_button.click()
    qtbot.waitUntil(lambda: window.people_panel.tiles.count() == 0)
    assert _listed(people) == [] and window.people_panel.empty.isVisible()
    assert "Forgot 7 face descriptors and 3 people" in window.notice.label.text()
