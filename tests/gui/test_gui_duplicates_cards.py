"""Duplicate cards: steady tiles, honest texts, remembered choices, and no stall when opening."""

from __future__ import annotations

import threading

from imgengine_gui.catalog import queries
from imgengine_gui.ui import duplicates_view
from imgengine_gui.ui.duplicates_view import CARDS_PER_SLICE, CopyTile, DuplicatesView

LONG_REASON = ("lower image quality than the keeper (JPEG quality 71 vs 92); exact copy of the "
               "keeper in every other way, found in a backup folder with a much longer path")


def _file(photo_id: int, reason: str, keep: bool = False) -> dict:
    return {"photo_id": photo_id, "path": f"/p/{photo_id}.jpg", "keep": keep, "width": 600,
            "height": 450, "display_width": 450, "display_height": 600, "size_bytes": 141_312,
            "taken_at": None, "thumbnail": None, "reason": reason}


def test_a_long_reason_never_changes_a_tiles_height(qtbot, tasks_runner):
    from imgengine_gui.ui.thumbnails import ImageLoader

    loader = ImageLoader(tasks_runner)
    short = CopyTile(1, _file(1, "keep: oldest copy"), loader)
    long = CopyTile(1, _file(2, LONG_REASON), loader)
    for tile in (short, long):
        qtbot.addWidget(tile)
        tile.show()
    assert long.sizeHint().height() == short.sizeHint().height()
    assert long.reason.text().count("\n") <= 1 and long.reason.text().endswith("…")
    assert "backup folder" in long.reason.toolTip()
    # the displayed size (EXIF rotation applied), not the stored one
    assert any(label.text().startswith("450 × 600") for label in long.findChildren(type(long.reason)))


def test_summary_counts_in_words_and_frees_only_ticked_groups(qtbot, tasks_runner):
    from imgengine_gui.ui.thumbnails import ImageLoader

    view = DuplicatesView(ImageLoader(tasks_runner))
    qtbot.addWidget(view)
    one = {"id": 1, "kind": "exact", "files": [_file(1, "", True), _file(2, "")]}
    two = {"id": 2, "kind": "near", "files": [_file(3, "", True), _file(4, "")]}
    view.set_clusters([one])
    assert view.summary.text().startswith("1 group · 1 extra copy · 138.0 KB")
    view.set_clusters([one, two])
    qtbot.waitUntil(lambda: view.built)
    assert view.summary.text().startswith("2 groups · 2 extra copies · 276.0 KB")
    view.cards[0].include.setChecked(False)
    assert view.summary.text() == "2 groups · 1 extra copy · 138.0 KB could be freed (1 group unticked)"
    view.cards[1].include.setChecked(False)
    assert not view.trash_button.isEnabled()


def test_unticked_groups_are_remembered_across_a_restart(qtbot, make_window, seeded,
                                                         cluster_planter):
    ids = seeded.ids
    cluster_planter(seeded.catalog, [ids["photo_00.jpg"], ids["photo_00_copy.jpg"]],
                    keeper=ids["photo_00.jpg"])
    second = cluster_planter(seeded.catalog, [ids["photo_01.jpg"], ids["photo_02.jpg"]],
                             keeper=ids["photo_01.jpg"])
    window = make_window(seeded.catalog)
    window.show_view("duplicates")
    qtbot.waitUntil(lambda: window.duplicates.built, timeout=10000)
    window.duplicates.cards[0].include.setChecked(False)
    window.close()
    qtbot.waitUntil(lambda: window._shut_down, timeout=20000)

    again = make_window(seeded.catalog)
    again.show_view("duplicates")
    view = again.duplicates
    qtbot.waitUntil(lambda: view.built, timeout=10000)
    assert [c.include.isChecked() for c in view.cards] == [False, True]
    assert view.selected_cluster_ids() == [second]
    assert "(1 group unticked)" in view.summary.text()


def test_opening_many_groups_reads_off_the_ui_thread_and_builds_a_few_cards_a_turn(
    qtbot, make_window, tmp_path, folder_maker, cluster_planter, catalog_seeder, monkeypatch
):
    """Bug: 69 groups blocked the UI for 1.2 s. The groups are read on a worker, and each turn of
    the event loop builds at most CARDS_PER_SLICE cards (checked by instrumenting, not timing)."""
    folder = folder_maker(tmp_path / "many", count=40)
    catalog = tmp_path / "many.sqlite"
    ids = sorted(catalog_seeder(catalog, folder, tmp_path / "cache").values())
    for first in range(0, 40, 2):
        cluster_planter(catalog, ids[first:first + 2], keeper=ids[first])
    read_on: list[bool] = []
    original_clusters = queries.clusters
    monkeypatch.setattr(queries, "clusters", lambda conn: read_on.append(
        threading.current_thread() is threading.main_thread()) or original_clusters(conn))
    built_per_turn: list[int] = []
    original_slice = DuplicatesView._build_slice

    def counting_slice(self):
        before = len(self.cards)
        original_slice(self)
        built_per_turn.append(len(self.cards) - before)

    monkeypatch.setattr(DuplicatesView, "_build_slice", counting_slice)
    window = make_window(catalog)
    window.show_view("duplicates")
    assert window.duplicates.cards == []  # nothing read or built inside the click itself
    qtbot.waitUntil(lambda: window.duplicates.built, timeout=20000)
    assert len(window.duplicates.cards) == min(20, duplicates_view.PAGE)
    assert read_on and not any(read_on)
    assert max(built_per_turn) <= CARDS_PER_SLICE and len(built_per_turn) >= 20 // CARDS_PER_SLICE
