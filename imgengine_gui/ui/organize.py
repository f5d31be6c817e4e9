"""Organizing the library: sorting and month groups, the timeline, ratings and flags.

``Organizer`` composes ``SortControls``, ``TimelineBar`` and ``RatingController`` into the main
window (toolbar combo, View › Sort by, a Photo menu, rating keys on the grid and detail view),
and keeps the grid still while an analysis runs (bug 10: new photos are appended; the grid is
sorted again when the run ends, or on request with Sort now).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint
from PySide6.QtWidgets import QMenu, QToolBar

from imgengine_gui.ui.ratings import RatingController
from imgengine_gui.ui.sorting import SortControls

if TYPE_CHECKING:
    from imgengine_gui.ui.main_window import MainWindow


class Organizer(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        library, grid = window.library, window.grid
        self.sorting = SortControls(window)
        library.sort_key, library.sort_reverse = self.sorting.key, self.sorting.reverse.isChecked()
        self.ratings = RatingController(window.tasks, window.catalog, lambda: window.settings,
                                        self.rating_targets, window.notice, window.guard, window)
        self.ratings.attach(grid, window.detail, window.viewing.page)
        window.photo_menu.rating_actions = self.ratings.actions
        self._install_widgets()

        self.sorting.changed.connect(library.set_sort)
        self.sorting.resort.connect(library.reload_photos)
        library.similar_changed.connect(self.sorting.show_similarity)
        self.ratings.changed.connect(lambda: library.reload_photos(stable=library.keep_order))
        window.grid_model.modelReset.connect(self._sections_changed)
        window.timeline.jump.connect(grid.scroll_to_row)
        grid.verticalScrollBar().valueChanged.connect(self._scrolled)
        window.runs.started.connect(self._run_started)

    def _install_widgets(self) -> None:
        window = self._window
        toolbar = window.findChild(QToolBar, "mainToolbar")
        if toolbar is not None:  # the sort combo goes left of the zoom slider
            zoom = [a for a in toolbar.actions() if toolbar.widgetForAction(a) is window.zoom]
            if zoom:
                toolbar.insertWidget(zoom[0], self.sorting.combo)
            else:
                toolbar.addWidget(self.sorting.combo)
        menus = {a.text().replace("&", ""): a for a in window.menuBar().actions()}
        view = menus.get("View")
        if view is not None and view.menu() is not None:
            view.menu().addSeparator()
            self.sorting.add_to_menu(view.menu())
        photo = QMenu("&Photo", window)
        self.ratings.add_to_menu(photo)
        if "Help" in menus:
            window.menuBar().insertMenu(menus["Help"], photo)
        else:
            window.menuBar().addMenu(photo)

    def rating_targets(self) -> list[int]:
        window = self._window
        if window.current_view() == "detail" and window.detail.photo is not None:
            return [window.detail.photo["id"]]
        if window.current_view() == "viewer" and window.viewing.viewer.photo is not None:
            return [window.viewing.viewer.photo.photo_id]
        return window.grid.selected_ids()

    def _sections_changed(self) -> None:
        model = self._window.grid_model
        self._window.timeline.set_sections(model.sections.all(), model.rowCount())

    def _scrolled(self) -> None:
        """The timeline marks the month at the top of the grid."""
        window = self._window
        if not window.timeline.isVisible():
            return
        index = window.grid.item_at(QPoint(window.grid.delegate.columns.left + 4, 8))
        section = window.grid_model.sections.at(index.row()) if index.isValid() else None
        window.timeline.show_current(section)

    def _run_started(self) -> None:
        self._window.library.keep_order = True

    def run_ended(self) -> None:
        self._window.library.keep_order = False
