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
    long_name = "the flowers grandma grew in the garden behind the old house by the lake " * 2
    tag = _manual_tag(seeded.catalog, ids[:3], long_name)
    window = make_window(seeded.catalog, remember=False)
    qtbot.waitUntil(lambda: window.sidebar.select_entry("tag", tag, notify=False))
    window.sidebar.select_entry("folder", None, notify=False)
    widths = (window.sidebar_dock.width(), window.filters_dock.width())
    with wait_task(window, "tags-page"):
        window.sidebar.select_entry("tag", tag)
    qtbot.waitUntil(lambda: window.current_view() == "tag" and window.tag_page.settled)
    window.tag_page.back_requested.emit()
    qtbot.waitUntil(lambda: window.current_view() == "grid" and window.filters_dock.isVisible())
    assert (window.sidebar_dock.width(), window.filters_dock.width()) == widths


def _entries(sidebar):
    for group in (sidebar.library, sidebar.my_tags, sidebar.tools):
        yield group
        yield from (group.child(n) for n in range(group.childCount()))


def test_library_and_tools_show_whole_above_people_and_a_dragged_split_is_kept(
    qtbot, make_window, seeded
):
    ids = list(seeded.ids.values())
    for name in ("holiday", "garden"):  # My tags adds a group between Library and Tools
        _manual_tag(seeded.catalog, ids[:2], name)
    window = make_window(seeded.catalog)  # remembers its layout (none saved yet: the default)
    sidebar, pane = window.sidebar, window.left_pane
    qtbot.waitUntil(lambda: sidebar.my_tags.childCount() == 2)
    assert pane.widget(1) is window.people_panel and window.people_panel.isVisible()
    qtbot.waitUntil(lambda: all(
        sidebar.visualItemRect(item).bottom() < sidebar.viewport().height()
        for item in _entries(sidebar)), timeout=10000)
    assert not sidebar.verticalScrollBar().isVisible()
    assert window.people_panel.height() >= pane.height() / 3  # People keeps most of the rest

    pane.moveSplitter(120, 1)  # the user drags the handle: their split holds and is remembered
    top = pane.sizes()[0]
    sidebar.set_tags([("holiday", 2), ("garden", 2), ("more", 1)])
    assert pane.sizes()[0] == top
    window.close()
    again = make_window(seeded.catalog)
    qtbot.waitUntil(lambda: again.sidebar.my_tags.childCount() == 2)
    assert again.left_pane.user_sized and again.left_pane.sizes()[0] == top


def test_the_sort_box_says_similarity_during_find_similar_then_the_users_sort(
    settle, qtbot, make_window, seeded
):
    window = make_window(seeded.catalog, remember=False)
    sorting, combo = window.organize.sorting, window.organize.sorting.combo
    sorting.set_sort("name")
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(seeded.ids))
    ranked = [seeded.ids[n] for n in ("photo_03.jpg", "photo_01.jpg", "photo_02.jpg")]
    window._show_similar("photo_03.jpg", ranked)  # what the photo menu's Find Similar ends in
    settle(window)
    assert window.grid_model.ids() == ranked
    assert combo.currentText() == "Sort: Similarity" and not combo.isEnabled()
    assert not sorting.key_actions["name"].isEnabled() and sorting.key == "name"
    window.notice.action_button.click()  # "Show all"
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(seeded.ids))
    assert combo.currentText() == "Sort: Name" and combo.isEnabled()
    assert combo.findText("Sort: Similarity") == -1 and sorting.key_actions["name"].isChecked()
    assert window.library.sort_key == "name" and sorting.key_actions["size"].isEnabled()


def test_a_long_tag_name_keeps_its_count_in_the_sidebar_and_filter(qtbot):
    """A long personal tag's entry was cut at its end, count and all ("Grandma's garden flower…"):
    the middle of the name gives way, the count stays, and the tooltip names it whole."""
    from PySide6.QtCore import Qt

    from imgengine_gui.ui.filters import TagList
    from imgengine_gui.ui.sidebar import Sidebar

    name = "Grandma's garden flowers from the long summer holidays in Provence and Tuscany 2021"
    sidebar, tags = Sidebar(), TagList("none")
    for widget in (sidebar, tags):
        qtbot.addWidget(widget)
    sidebar.set_tags([(name, 4)])
    tags.set_counts([(name, 4)])
    entry = sidebar.my_tags.child(0)
    for widget, text, tip in ((sidebar, entry.text(0), entry.toolTip(0)),
                              (tags, tags.item(0).text(), tags.item(0).toolTip())):
        shown = widget.fontMetrics().elidedText(text, widget.textElideMode(), 170)
        assert shown.endswith("(4)") and "…" in shown
        assert tip == name
    assert tags.checked() == () and Qt.TextElideMode.ElideMiddle == tags.textElideMode()
