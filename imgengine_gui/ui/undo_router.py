"""One Edit › Undo (Ctrl+Z) over several undo histories (the trash, people edits).

Each source says whether it can undo and what; ``did(name)`` records that the user just did
something undoable there. Undo reverts the most recent such thing that can still be undone,
else whatever can be (e.g. an edit made in an earlier session or by the CLI).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction


@dataclass
class UndoSource:
    undo: Callable[[], None]
    label: str  # "Move to Trash", "Merge", ...
    available: bool = False


class UndoRouter(QObject):
    def __init__(self, action: QAction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._action = action
        self._sources: dict[str, UndoSource] = {}
        self._recent: list[str] = []  # source names, the latest last
        action.triggered.connect(self.undo)

    def add(self, name: str, undo: Callable[[], None], label: str) -> None:
        self._sources[name] = UndoSource(undo, label)
        self._refresh()

    def set_available(self, name: str, available: bool, label: str | None = None) -> None:
        source = self._sources[name]
        source.available = bool(available)
        if label:
            source.label = label
        self._refresh()

    def did(self, name: str) -> None:
        if name in self._recent:
            self._recent.remove(name)
        self._recent.append(name)
        self._refresh()

    def next_source(self) -> str | None:
        for name in reversed(self._recent):
            if self._sources[name].available:
                return name
        return next((name for name, s in self._sources.items() if s.available), None)

    def undo(self) -> None:
        name = self.next_source()
        if name is not None:
            self._sources[name].undo()

    def _refresh(self) -> None:
        name = self.next_source()
        self._action.setEnabled(name is not None)
        if name is not None:
            self._action.setText(f"Undo {self._sources[name].label}")
