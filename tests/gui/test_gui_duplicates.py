"""The duplicates view on a planted cluster: keeper, export, trash and undo."""

from __future__ import annotations

import csv
import json
import sqlite3


def test_duplicates_view_keeper_export_trash_undo(qtbot, make_window, seeded, wait_task,
                                                  cluster_planter, tmp_path):
    original, copy = seeded.ids["photo_00.jpg"], seeded.ids["photo_00_copy.jpg"]
    cluster_id = cluster_planter(seeded.catalog, [original, copy], keeper=original)
    window = make_window(seeded.catalog)
    assert window.sidebar.tool_items["duplicates"].text(0) == "Duplicates  (1)"
    window.show_view("duplicates")
    view = window.duplicates
    qtbot.waitUntil(lambda: view.built, timeout=10000)
    assert len(view.cards) == 1
    card = view.cards[0]
    assert [t.file["photo_id"] for t in card.tiles] == [original, copy]  # keeper first
    assert card.tiles[0].keep_button is None and card.tiles[1].keep_button is not None
    assert card.tiles[0].file["reason"] == "keep: largest file"
    qtbot.waitUntil(lambda: view.loaded, timeout=5000)

    with wait_task(window, "keeper") as job:
        card.tiles[1].keep_button.click()
    assert job.result == (cluster_id, copy)
    conn = sqlite3.connect(seeded.catalog)
    rows = dict(conn.execute(
        "SELECT photo_id, keep FROM cluster_members WHERE cluster_id = ? AND user_override = 1",
        (cluster_id,),
    ).fetchall())
    conn.close()
    assert rows == {copy: 1}
    qtbot.waitUntil(lambda: view.built, timeout=10000)
    assert [t.file["photo_id"] for t in view.cards[0].tiles] == [copy, original]

    for name in ("dups.csv", "dups.json"):
        target = tmp_path / name
        window.prompts.choose_save_path = lambda title, filters, suggested, target=target: str(target)
        with wait_task(window, "export") as job:
            view.export_button.click()
        count, written = job.result
        assert count == 1 and written == target
    with (tmp_path / "dups.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["path"].rsplit("/", 1)[-1], r["keep"]) for r in rows] == [
        ("photo_00_copy.jpg", "True"), ("photo_00.jpg", "False")]
    exported = json.loads((tmp_path / "dups.json").read_text())
    assert len(exported["clusters"][0]["files"]) == 2

    loser = seeded.folder / "photo_00.jpg"
    with wait_task(window, "trash") as job:
        view.trash_button.click()
    report = job.result
    assert report.moved == [str(loser)] and not loser.exists()
    assert (seeded.folder / "photo_00_copy.jpg").exists()
    assert view.undo_button.isEnabled()
    with wait_task(window, "undo"):
        view.undo_button.click()
    assert loser.exists()


def test_keeper_change_keeps_unticked_groups_and_groups_shown(qtbot, make_window, seeded, wait_task,
                                                              cluster_planter, monkeypatch):
    from imgengine_gui.ui import duplicates_view

    monkeypatch.setattr(duplicates_view, "PAGE", 1)  # the second group needs "Show more"
    ids = seeded.ids
    first = cluster_planter(seeded.catalog, [ids["photo_00.jpg"], ids["photo_00_copy.jpg"]],
                            keeper=ids["photo_00.jpg"])
    second = cluster_planter(seeded.catalog, [ids["photo_01.jpg"], ids["photo_02.jpg"]],
                             keeper=ids["photo_01.jpg"])
    window = make_window(seeded.catalog)
    window.show_view("duplicates")
    view = window.duplicates
    qtbot.waitUntil(lambda: view.built, timeout=10000)
    assert [c.cluster["id"] for c in view.cards] == [first] and view.more_button.isVisible()
    view.cards[0].include.setChecked(False)
    view.more_button.click()
    assert [c.cluster["id"] for c in view.cards] == [first, second]

    with wait_task(window, "keeper"):
        view.cards[1].tiles[1].keep_button.click()  # keep photo_02 instead
    qtbot.waitUntil(lambda: view.built, timeout=10000)
    cards = {c.cluster["id"]: c for c in view.cards}
    assert set(cards) == {first, second}  # still both shown
    assert not cards[first].include.isChecked() and cards[second].include.isChecked()
    assert cards[second].tiles[0].file["photo_id"] == ids["photo_02.jpg"]
    assert view.selected_cluster_ids() == [second]

    with wait_task(window, "trash") as job:
        view.trash_button.click()
    assert job.result.moved == [str(seeded.folder / "photo_01.jpg")]  # the unticked group stays
    assert (seeded.folder / "photo_00_copy.jpg").exists()
