"""The left dock: the library sidebar (Library, My tags, Tools) above the People tiles.

The sidebar is as tall as its entries, so Library and Tools show without scrolling, and People
takes the rest (at least a third of the dock, and ``PEOPLE_MIN_HEIGHT``: with many folders the
sidebar scrolls); a taller window grows People. Once the user
drags the handle their split holds, and the window remembers it with its layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter

from imgengine_gui.ui.people_panel import PeoplePanel
from imgengine_gui.ui.sidebar import Sidebar

SIDEBAR_MIN_HEIGHT = 90  # a group title and a couple of entries: it scrolls below that
PEOPLE_MIN_HEIGHT = 150  # the People header and a row of tiles
PEOPLE_SHARE = 1 / 3  # of the dock's height, kept for People however many folders there are


class LeftPane(QSplitter):
    def __init__(self, sidebar: Sidebar, people: PeoplePanel) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.setObjectName("sidebarSplitter")
        self.sidebar, self.people = sidebar, people
        sidebar.setMinimumHeight(SIDEBAR_MIN_HEIGHT)
        people.setMinimumHeight(PEOPLE_MIN_HEIGHT)
        self.addWidget(sidebar)
        self.addWidget(people)
        self.setChildrenCollapsible(False)
        self.setStretchFactor(0, 0)
        self.setStretchFactor(1, 1)
        self.user_sized = False  # the user moved the handle: their split, not the fitted one
        self.splitterMoved.connect(self._moved)
        sidebar.contents_changed.connect(self.fit)

    def _moved(self, _pos: int, _index: int) -> None:
        self.user_sized = True

    def fit(self) -> None:
        """The sidebar as tall as its entries, as far as People keeps its minimum."""
        total = sum(self.sizes())
        if self.user_sized or total <= 0:
            return
        room = max(total - max(PEOPLE_MIN_HEIGHT, round(total * PEOPLE_SHARE)), SIDEBAR_MIN_HEIGHT)
        top = max(min(self.sidebar.content_height(), room), SIDEBAR_MIN_HEIGHT)
        if self.sizes()[0] != top:
            self.setSizes([top, total - top])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def saved_split(self) -> QByteArray | None:
        """The split to remember: only one the user chose (else it is fitted at next start)."""
        return self.saveState() if self.user_sized else None

    def restore_split(self, state: object) -> None:
        if isinstance(state, QByteArray) and not state.isEmpty() and self.restoreState(state):
            self.user_sized = True
