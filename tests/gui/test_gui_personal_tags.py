"""Personal tags in the window: teach from the dialog, review the tag's page, filter the grid.

The catalog holds real (tiny) photo files whose stored embeddings sit in groups
(tests/personal_tags_library.py): two "flowers" photos teach a tag that finds the other flowers,
and the "meadow" photos (flowers among other things) are the "maybe"s.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QPushButton

from imgengine_gui.catalog import records
from imgengine_gui.catalog.db import connect
from imgengine_gui.engine.personal_tags import refresh_after_run
from imgengine_gui.engine.progress import RunSummary
from tests.personal_tags_library import MODEL, build, embeddings, one_person


@pytest.fixture
def tagged(tmp_path):
    catalog = tmp_path / "tags.sqlite"
    groups = build(tmp_path / "photos", catalog)
    return SimpleNamespace(catalog=catalog, groups=groups)


def _ids_by_name(window) -> dict[str, int]:
    model = window.grid_model
    return {Path(model.grid_row(r).path).name: model.photo_id(r) for r in range(model.rowCount())}


def _select(window, names: list[str]) -> list[int]:
    ids = _ids_by_name(window)
    chosen = [ids[name] for name in names]
    selection = window.grid.selectionModel()
    selection.clearSelection()
    for pid in chosen:
        index = window.grid_model.index(window.grid_model.row_of(pid))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select)
    return chosen


def _teach(qtbot, window, wait_task, names: list[str], tag: str, not_this: tuple[str, ...] = ()):
    _select(window, names)
    with wait_task(window, "tags-context"):
        dialog = window.tags.teach_selected()
    dialog.name.setText(tag)
    for card, box in dialog.cards:
        box.setChecked(Path(card.path).name in not_this)
    with wait_task(window, "tags-teach"):
        qtbot.mouseClick(dialog.teach_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.library.settled and not window.tasks.busy("reads"),
                    timeout=20000)  # the library is read again (off the UI thread)
    return dialog


def _flowers_page(qtbot, window, wait_task):
    """The window showing the page of "my flowers", taught from two flowers."""
    dialog = _teach(qtbot, window, wait_task, ["flowers_00.jpg", "flowers_01.jpg"], "my flowers")
    with wait_task(window, "tags-page"):
        dialog.review_button.click()
    return window


def _carriers(catalog: Path, tag: str) -> set[str]:
    conn = sqlite3.connect(catalog)
    rows = conn.execute(
        "SELECT p.path FROM personal_tag_photos c JOIN personal_tags t ON t.id = c.tag_id"
        " JOIN photos p ON p.id = c.photo_id WHERE t.name = ?", (tag,)
    ).fetchall()
    conn.close()
    return {Path(path).name for (path,) in rows}


def test_teach_from_the_dialog_creates_the_tag(qtbot, make_window, tagged, wait_task):
    window = make_window(tagged.catalog)
    dialog = _teach(qtbot, window, wait_task, ["flowers_00.jpg", "flowers_01.jpg",
                                               "other_00.jpg"], "my flowers",
                    not_this=("other_00.jpg",))
    carriers = _carriers(tagged.catalog, "my flowers")
    flowers = {p.name for p in tagged.groups["flowers"]}
    assert {"flowers_00.jpg", "flowers_01.jpg"} <= carriers
    assert len(carriers & flowers) >= 6 and "other_00.jpg" not in carriers
    assert not carriers & {p.name for p in tagged.groups["grandpa"]}
    assert f"{len(carriers)} photos now carry “my flowers”" in dialog.status.text()
    assert "1 not this" in dialog.status.text() and dialog.review_button.isVisible()
    assert window.filters.my_tags.checked() == ()
    assert window.filters.my_tags.item(0).text() == f"my flowers  ({len(carriers)})"
    assert window.sidebar.my_tags.child(0).data(0, Qt.ItemDataRole.UserRole + 1) == "my flowers"

    # Teaching again completes the name, and a built-in scene's name is namespaced, shown first.
    with wait_task(window, "tags-context"):
        dialog = window.tags.teach_selected()
    assert dialog.name.completer().model().data(dialog.name.completer().model().index(0, 0)) \
        == "my flowers"
    dialog.name.setText("My Flowers")
    assert "Adds these photos to your tag “my flowers”" in dialog.name_note.text()
    dialog.name.setText("beach")
    assert "will be called “beach (personal)”" in dialog.name_note.text()
    with wait_task(window, "tags-teach"):
        dialog.teach_button.click()
    assert "“beach (personal)”" in dialog.status.text()


def test_review_accept_and_reject_retrain_and_move_the_photo(
    settle, qtbot, make_window, tagged, wait_task
):
    window = _flowers_page(qtbot, make_window(tagged.catalog), wait_task)
    page = window.tag_page
    assert window.current_view() == "tag" and page.page.name == "my flowers"
    applied_before = {p.photo_id for p in page.page.applied}
    assert page.model.rowCount() == len(applied_before)
    captions = [page.model.index(r).data() for r in range(page.model.rowCount())]
    assert captions[:2] == ["example", "example"] and all(c.endswith(" %") for c in captions[2:])
    maybes = [p.photo_id for p in page.page.suggestions]
    assert maybes and not set(maybes) & applied_before and len(page.cards) == len(maybes)

    accepted = maybes[0]
    with wait_task(window, "tags-decide"):
        qtbot.mouseClick(page.cards[0].findChild(QPushButton, "accept"), Qt.MouseButton.LeftButton)
    applied = {p.photo_id: p for p in page.page.applied}
    assert applied[accepted].example and page.page.examples == 3
    assert accepted not in {p.photo_id for p in page.page.suggestions}
    assert page.model.row_of(accepted) is not None

    # "Not this" on a photo the tag applied: rejected, off the tag.
    learned = next(p.photo_id for p in page.page.applied if not p.example)
    page.grid.select_photo(learned)
    with wait_task(window, "tags-decide"):
        page.not_this.click()
    assert page.page.rejected == 1 and page.model.row_of(learned) is None
    assert learned not in {p.photo_id for p in page.page.applied}

    # Reject a "maybe" of another tag, opened from the sidebar's My tags.
    _teach(qtbot, window, wait_task, ["flowers_02.jpg", "flowers_03.jpg"], "flower field")
    window.tags.dialog.reject()
    with wait_task(window, "tags-page"):
        window.sidebar.select_entry("tag", "flower field")
    rejected = page.page.suggestions[0].photo_id
    with wait_task(window, "tags-decide"):
        qtbot.mouseClick(page.cards[0].findChild(QPushButton, "reject"), Qt.MouseButton.LeftButton)
    assert page.page.name == "flower field" and page.page.rejected == 1
    assert rejected not in {p.photo_id for p in page.page.suggestions + page.page.applied}
    assert len(page.cards) == len(page.page.suggestions)

    # Rename and Forget from the page.
    window.tags.ask_name = lambda name: "our flowers"
    with wait_task(window, "tags-page"):
        page.buttons["rename"].click()
    assert page.page.name == "our flowers" and window.sidebar.my_tags.childCount() == 2
    with wait_task(window, "tags-forget"):
        page.buttons["forget"].click()
    settle(window)
    assert window.current_view() == "grid" and window.filters.my_tags.count() == 1
    assert window.sidebar.my_tags.child(0).text(0).startswith("my flowers")


def test_my_tags_filter_narrows_the_grid_with_other_filters(
    settle, qtbot, make_window, tagged, wait_task
):
    window = make_window(tagged.catalog)
    total = window.grid_model.rowCount()
    _teach(qtbot, window, wait_task, ["flowers_00.jpg", "flowers_01.jpg"], "my flowers")
    window.tags.dialog.reject()
    carriers = _carriers(tagged.catalog, "my flowers")
    window.filters.my_tags.item(0).setCheckState(Qt.CheckState.Checked)
    settle(window)
    assert window.grid_model.rowCount() == len(carriers) < total
    assert set(_ids_by_name(window)) == carriers
    assert window.filters.active_count() == 1
    window.library.run_search("flowers_0")  # no CLIP here: the file-name filter, combined
    settle(window)
    assert set(_ids_by_name(window)) == {n for n in carriers if n.startswith("flowers_0")}
    window.library.run_search("")
    window.filters.reset()
    settle(window)
    assert window.grid_model.rowCount() == total

    # A manual tag (nothing learned) filters the same way: only the photos it was given.
    _select(window, ["other_03.jpg", "other_04.jpg"])
    with wait_task(window, "tags-context"):
        dialog = window.tags.teach_selected()
    dialog.name.setText("printed")
    dialog.manual.setChecked(True)
    with wait_task(window, "tags-teach"):
        dialog.teach_button.click()
    settle(window)
    assert "2 photos now carry “printed”" in dialog.status.text()
    names = [window.filters.my_tags.item(r).text() for r in range(2)]
    assert names == [f"my flowers  ({len(carriers)})", "printed  (2)"]
    window.filters.my_tags.item(1).setCheckState(Qt.CheckState.Checked)
    settle(window)
    assert set(_ids_by_name(window)) == {"other_03.jpg", "other_04.jpg"}


def test_people_hint_and_unanalyzed_photos_are_explained(qtbot, make_window, tagged, wait_task):
    conn = sqlite3.connect(tagged.catalog)
    path = tagged.groups["other"][0].with_name("new.jpg")
    path.write_bytes(tagged.groups["other"][0].read_bytes())
    now = time.time()
    conn.execute("INSERT INTO photos(path, size, mtime_ns, first_seen, last_seen)"
                 " VALUES (?, 1, 1, ?, ?)", (str(path), now, now))
    conn.commit()
    conn.close()
    window = make_window(tagged.catalog)
    dialog = _teach(qtbot, window, wait_task, ["grandpa_00.jpg", "grandpa_01.jpg"], "grandpa")
    assert "People: every example shows a face" in dialog.status.text()
    dialog.reject()

    dialog = _teach(qtbot, window, wait_task, ["flowers_00.jpg", "new.jpg"], "my flowers")
    assert "not analyzed yet" in dialog.status.text() and "new.jpg" in dialog.status.text()
    assert dialog.analyze_button.isVisible() and dialog.taught is None
    assert _carriers(tagged.catalog, "my flowers") == set()

    # "Analyze first": the run is started for their folder, then the tag is taught and shown.
    started = []
    window.runs.start = lambda folder, phases=None: started.append(folder) or True
    dialog.analyze_button.click()
    assert started == [str(path.parent)] and window.tags.dialog is None
    conn = connect(tagged.catalog)
    new_id = conn.execute("SELECT id FROM photos WHERE path = ?", (str(path),)).fetchone()[0]
    vector = embeddings(1, np.random.default_rng(5))[0]
    records.store_ml(conn, new_id, {"embedding": vector, "faces": []}, {"embedding": MODEL})
    conn.commit()
    conn.close()
    with wait_task(window, "tags-page"):
        window.runs.finished.emit(RunSummary(str(path.parent), analyzed=1))
    assert window.current_view() == "tag" and window.tag_page.page.name == "my flowers"
    assert {"flowers_00.jpg", "new.jpg"} <= _carriers(tagged.catalog, "my flowers")


def test_closing_the_dialog_while_teaching_reports_in_the_status_bar(
    make_window, tagged, wait_task
):
    window = make_window(tagged.catalog)
    _select(window, ["flowers_00.jpg", "flowers_01.jpg"])
    with wait_task(window, "tags-context"):
        dialog = window.tags.teach_selected()
    dialog.name.setText("my flowers")
    with wait_task(window, "tags-teach"):
        dialog.teach_button.click()
        dialog.reject()
    assert window.tags.dialog is None
    assert "photos now carry “my flowers”" in window.statusBar().currentMessage()
    assert window.current_view() == "grid"  # the page opens only when asked for


def _analyzed_later(catalog: Path, folder: Path, like: Path, copies: int, others: int) -> set[str]:
    """What a run of a second folder leaves: new photos, ``copies`` of them near ``like``, then
    the run's end-of-run step (the tags retrain). Returns the near copies' names."""
    folder.mkdir()
    conn = connect(catalog)
    [(model, vector)] = conn.execute(
        "SELECT e.model_id, e.vector FROM embeddings e JOIN photos p ON p.id = e.photo_id"
        " WHERE p.path = ?", (str(like),)
    ).fetchall()
    rng, now = np.random.default_rng(7), time.time()
    base = np.frombuffer(vector, dtype=np.float32)
    for n in range(copies + others):
        if n < copies:  # a near copy: re-encoded, resized
            vector = np.maximum(base + rng.normal(scale=0.005, size=base.size), 0)
            vector = (vector / np.linalg.norm(vector)).astype(np.float32)
        else:
            vector = embeddings(1, rng)[0]
        path = folder / f"{'copy' if n < copies else 'other'}_{n:02d}.jpg"
        path.write_bytes(like.read_bytes())
        pid = conn.execute("INSERT INTO photos(path, size, mtime_ns, first_seen, last_seen)"
                           " VALUES (?, 1, 1, ?, ?)", (str(path), now, now)).lastrowid
        records.store_ml(conn, pid, {"embedding": vector, "faces": []}, {"embedding": model})
    assert refresh_after_run(conn) == []
    conn.commit()
    conn.close()
    return {f"copy_{n:02d}.jpg" for n in range(copies)}


def test_a_finished_run_shows_its_new_photos_on_the_page_filter_and_sidebar(
    settle, qtbot, make_window, tagged, wait_task
):
    window = _flowers_page(qtbot, make_window(tagged.catalog), wait_task)
    before = len(window.tag_page.page.applied)
    assert window.statusBar().isVisible() and window.tag_page.status_line.isVisible()
    assert not window.counts_label.isVisible() and window.tag_page.status_line.text() == ""
    window.tag_page.grid.select_photo(window.tag_page.page.applied[0].photo_id)
    assert window.tag_page.status_line.text() == f"1 of {before} selected"

    new = _analyzed_later(tagged.catalog, tagged.catalog.parent / "second",
                          tagged.groups["flowers"][2], copies=3, others=4)  # fmt: skip
    with wait_task(window, "tags-page"):
        window.runs.finished.emit(RunSummary(str(tagged.catalog.parent / "second"), analyzed=7))
    page = window.tag_page
    settle(window)
    assert new <= {Path(p.path).name for p in page.page.applied}
    assert len(page.page.applied) == before + 3 and page.model.rowCount() == before + 3
    qtbot.waitUntil(lambda: window.sidebar.my_tags.child(0).text(0)
                    == f"my flowers  ({before + 3})", timeout=10000)  # fmt: skip
    window.show_view("grid")
    assert window.counts_label.isVisible() and not page.status_line.isVisible()
    assert window.filters.my_tags.item(0).text() == f"my flowers  ({before + 3})"
    window.filters.my_tags.item(0).setCheckState(Qt.CheckState.Checked)
    settle(window)
    assert new <= set(_ids_by_name(window)) and window.grid_model.rowCount() == before + 3


def test_examples_of_one_known_person_hand_over_to_people(qtbot, make_window, tagged, wait_task):
    conn = connect(tagged.catalog)
    ids = {Path(p).name: i for i, p in conn.execute("SELECT id, path FROM photos")}
    person = one_person(conn, [ids[p.name] for p in tagged.groups["grandpa"]], "Grandpa Joe")
    conn.close()
    window = make_window(tagged.catalog)
    qtbot.waitUntil(lambda: window.people_panel.item_of(str(person)) is not None, timeout=10000)
    dialog = _teach(qtbot, window, wait_task, ["grandpa_00.jpg", "grandpa_01.jpg"], "grandpa")
    assert "Grandpa Joe" in dialog.status.text() and dialog.person_button.isVisible()
    dialog.person_button.click()
    grandpa = {p.name for p in tagged.groups["grandpa"]}
    qtbot.waitUntil(lambda: set(_ids_by_name(window)) == grandpa, timeout=10000)
    assert window.current_view() == "grid" and window.people_panel.selected_ids() == (person,)


def test_a_long_tag_name_is_elided_not_widening_the_page(qtbot, make_window, tagged, wait_task):
    window = make_window(tagged.catalog)
    name = "the flowers grandma grew in the garden behind the old house by the lake " * 2
    dialog = _teach(qtbot, window, wait_task, ["flowers_00.jpg", "flowers_01.jpg"], name)
    with wait_task(window, "tags-page"):
        dialog.review_button.click()
    page = window.tag_page
    assert page.title.toolTip() == " ".join(name.split())
    assert page.minimumSizeHint().width() < 900


def test_renaming_a_ticked_tag_keeps_the_grid_filtered_by_it(qtbot, make_window, tagged, wait_task):
    window = make_window(tagged.catalog)
    _flowers_page(qtbot, window, wait_task)
    carriers = _carriers(tagged.catalog, "my flowers")
    window.tag_page.back_requested.emit()
    qtbot.waitUntil(lambda: window.filters.my_tags.count() == 1)
    window.filters.my_tags.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: set(_ids_by_name(window)) == carriers)
    window.tags.open_tag("my flowers")
    qtbot.waitUntil(lambda: window.current_view() == "tag")
    window.tags.ask_name = lambda name: "garden"
    with wait_task(window, "tags-rename"):
        window.tags.rename()
    window.tag_page.back_requested.emit()
    qtbot.waitUntil(lambda: window.filters.my_tags.checked() == ("garden",))
    qtbot.waitUntil(lambda: set(_ids_by_name(window)) == carriers)
    assert window.filters.active_count() == 1


def test_the_detail_view_lists_a_photos_personal_tags_and_keywords(
    qtbot, make_window, tagged, wait_task
):
    window = make_window(tagged.catalog)
    dialog = _teach(qtbot, window, wait_task, ["flowers_00.jpg", "flowers_01.jpg"], "my flowers")
    dialog.reject()
    window.open_photo(_ids_by_name(window)["flowers_00.jpg"])
    form = window.detail.fields

    def rows() -> dict[str, str]:
        return {form.itemAt(r, form.ItemRole.LabelRole).widget().text():
                form.itemAt(r, form.ItemRole.FieldRole).widget().text()
                for r in range(form.rowCount())}  # fmt: skip

    qtbot.waitUntil(lambda: "My tags" in rows(), timeout=10000)
    assert rows()["My tags"] == "my flowers 100%" and rows()["Keywords"] == "my flowers"


def test_a_sidecar_that_cannot_take_the_keyword_is_said_in_the_status_bar(
    qtbot, make_window, tagged, wait_task
):
    folder = tagged.groups["flowers"][0].parent
    (folder / "flowers_00.jpg.xmp").write_text("not xmp at all")  # a sidecar we must not replace
    window = make_window(tagged.catalog)
    _teach(qtbot, window, wait_task, ["flowers_00.jpg", "flowers_01.jpg"], "my flowers")
    qtbot.waitUntil(lambda: "Sidecar not written for flowers_00.jpg" in
                    window.statusBar().currentMessage())  # fmt: skip
    assert (folder / "flowers_00.jpg.xmp").read_text() == "not xmp at all"
    assert "my flowers" in (folder / "flowers_01.jpg.xmp").read_text()
