"""Sorting the grid: a toolbar combo and View › Sort by (one choice, shown in both), Reverse order,
and Sort now (re-sorts on request, e.g. during a run, whose live reloads keep the order).
The choice is remembered in the window's UI state. While Find Similar's results show, the combo
says "Similarity" and the sort cannot change; the choice comes back when they go."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QMenu, QWidget

from imgengine_gui.catalog.ordering import SORT_KEYS
from imgengine_gui.ui import ui_state

LABELS = {
    "taken": "Date taken",
    "added": "Date added",
    "name": "Name",
    "size": "File size",
    "rating": "Rating",
}
TIPS = {
    "taken": "Oldest first, grouped by month",
    "added": "Newest additions first, grouped by month",
    "name": "A to Z by file name",
    "size": "Largest files first",
    "rating": "Most stars first",
}


SIMILARITY = "similarity"  # not a sort key: Find Similar's order, shown while its results are


class SortControls(QObject):
    changed = Signal(str, bool)  # key, reverse
    resort = Signal()  # "Sort now"

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setObjectName("sortCombo")
        self.combo.setToolTip("Sort photos by")
        self.group = QActionGroup(self)
        self.key_actions: dict[str, QAction] = {}
        self._key = "taken"
        for key in SORT_KEYS:
            self.combo.addItem(f"Sort: {LABELS[key]}", key)
            self.combo.setItemData(self.combo.count() - 1, TIPS[key], Qt.ItemDataRole.ToolTipRole)
            action = QAction(LABELS[key], parent, checkable=True)
            action.setStatusTip(TIPS[key])
            action.setData(key)
            self.group.addAction(action)
            self.key_actions[key] = action
        self.reverse = QAction("Reverse order", parent, checkable=True)
        self.sort_now = QAction("Sort now", parent, shortcut="Ctrl+R")
        self.sort_now.setStatusTip("Sort again (during an analysis the order is kept still)")
        state = ui_state.ui_settings()
        key = str(state.value("sort_key", "taken"))
        self._apply(key if key in SORT_KEYS else "taken",
                    str(state.value("sort_reverse", "false")).lower() == "true")
        self.combo.currentIndexChanged.connect(lambda _i: self._choose(self.combo.currentData()))
        self.group.triggered.connect(lambda action: self._choose(action.data()))
        self.reverse.toggled.connect(lambda _on: self._choose(self.key))
        self.sort_now.triggered.connect(self.resort)

    @property
    def key(self) -> str:
        return self._key

    def show_similarity(self, on: bool) -> None:
        """Find Similar's results are ordered by likeness: the combo says so, and the sort is
        disabled, until they go; then the user's sort shows again."""
        self.combo.blockSignals(True)
        index = self.combo.findData(SIMILARITY)
        if on and index < 0:
            self.combo.addItem("Sort: Similarity", SIMILARITY)
            index = self.combo.count() - 1
        elif not on and index >= 0:
            self.combo.removeItem(index)
        self.combo.setCurrentIndex(index if on else self.combo.findData(self._key))
        self.combo.blockSignals(False)
        self.combo.setEnabled(not on)
        self.combo.setToolTip("Find Similar: the most similar first (Show all to sort again)"
                              if on else "Sort photos by")
        for action in (*self.key_actions.values(), self.reverse, self.sort_now):
            action.setEnabled(not on)

    def add_to_menu(self, menu: QMenu) -> None:
        sort_menu = menu.addMenu("Sort by")
        sort_menu.addActions(list(self.key_actions.values()))
        sort_menu.addSeparator()
        sort_menu.addActions([self.reverse, self.sort_now])

    def set_sort(self, key: str, reverse: bool = False) -> None:
        self._apply(key, reverse)
        self._choose(key)

    def _apply(self, key: str, reverse: bool) -> None:
        self._key = key
        for widget in (self.combo, self.reverse):
            widget.blockSignals(True)
        self.combo.setCurrentIndex(self.combo.findData(key))
        self.key_actions[key].setChecked(True)
        self.reverse.setChecked(reverse)
        for widget in (self.combo, self.reverse):
            widget.blockSignals(False)

    def _choose(self, key: str) -> None:
        self._apply(key, self.reverse.isChecked())
        state = ui_state.ui_settings()
        state.setValue("sort_key", key)
        state.setValue("sort_reverse", self.reverse.isChecked())
        state.sync()
        self.changed.emit(key, self.reverse.isChecked())
