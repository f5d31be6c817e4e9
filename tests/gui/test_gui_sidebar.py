"""The left dock and the toolbar as a tester saw them at the default window size: Library and
Tools fully shown above People, the sidebar's width kept across a tag's page, and the sort box
during Find Similar."""

from __future__ import annotations

from imgengine_gui.catalog.db import connect
from imgengine_gui.engine.personal_tags import PersonalTags


def _manual_tag(catalog, photo_ids, name="holiday") -> str:
    conn = connect(catalog)
    try:
        return PersonalTags(conn).teach(name, photo_ids, learn=False).name
    finally:
        conn.close()


def test_the_sidebar_keeps_its_width_after_a_tags_page(qtbot, make_window, seeded, wait_task):
    ids = list(seeded.ids.values())
    tag = _manual_tag(seeded.catalog, ids[:3], "a tag whose page has a wide header")
    window = make_window(seeded.catalog, remember=False)
    qtbot.waitUntil(lambda: window.sidebar.select_entry("tag", tag, notify=False))
    window.sidebar.select_entry("folder", None, notify=False)
    widths = (window.sidebar_dock.width(), window.filters_dock.width())
    with wait_task(window, "tags-page"):
        window.sidebar.select_entry("tag", tag)
    qtbot.waitUntil(lambda: window.current_view() == "tag" and window.tag_page.settled)
    assert window.tag_page.minimumSizeHint().width() > window.grid.width()  # wide enough to bite
    window.tag_page.back_requested.emit()
    qtbot.waitUntil(lambda: window.current_view() == "grid" and window.filters_dock.isVisible())
    assert (window.sidebar_dock.width(), window.filters_dock.width()) == widths
