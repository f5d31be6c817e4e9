"""The GUI shows photos at their displayed size, with what the user or a sidecar set on them."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from imgengine_gui.catalog import annotations
from imgengine_gui.catalog.pairs import replace_pairs


def _portrait(catalog, photo_id: int, partner_id: int) -> None:
    """A phone photo stored 4032 x 3024 with orientation 6, rated, keyworded, paired."""
    conn = sqlite3.connect(catalog)
    with conn:
        conn.execute(
            "UPDATE metadata SET width = 4032, height = 3024, orientation = 6,"
            " display_width = 3024, display_height = 4032 WHERE photo_id = ?",
            (photo_id,),
        )
        annotations.set_user_field(conn, [photo_id], "rating", 4)
        annotations.add_user_keywords(conn, [photo_id], ["Places|Spain|Cadiz"])
        replace_pairs(conn, [(photo_id, partner_id)], "raw+jpeg")
    conn.close()


def test_detail_and_tooltip_show_the_displayed_size(settle, make_window, seeded):
    photo_id, partner = seeded.ids["photo_03.jpg"], seeded.ids["photo_05.jpg"]
    _portrait(seeded.catalog, photo_id, partner)
    window = make_window(seeded.catalog)
    row = window.grid_model.row_of(photo_id)
    tip = window.grid_model.data(window.grid_model.index(row), Qt.ItemDataRole.ToolTipRole)
    assert "3024 × 4032" in tip
    window.grid.select_photo(photo_id)
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_I)  # Info: the detail view
    settle(window)
    detail = window.detail
    assert detail.value_of("Dimensions") == "3024 × 4032  (stored 4032 × 3024, turned)"
    assert detail.value_of("Rating") == "★★★★☆"
    assert detail.value_of("Keywords") == "Places › Spain › Cadiz"
    assert detail.value_of("Pair").replace("\u200b", "") == "photo_05.jpg"
    QTest.keyClick(detail, Qt.Key.Key_Right)  # an upright photo shows one size only
    settle(window)
    assert detail.value_of("Dimensions") == "320 × 240"
