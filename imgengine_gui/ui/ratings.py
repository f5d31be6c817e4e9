"""Ratings (0-5 stars) and pick/reject flags set from the keyboard (0-5, P, X, U: the
Lightroom/digiKam habits) on the selected photos of the grid or the photo in the detail view.

The write goes through ``engine.annotations`` on the library lane (catalog, then the XMP
sidecars when that setting is on); each change can be undone from the notice it shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from imgengine_gui.catalog import annotations as stored
from imgengine_gui.catalog.reader import opened
from imgengine_gui.engine import annotations
from imgengine_gui.settings import Settings
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.marks import stars_text
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import NoticeBar

FLAG_TEXT = {"pick": "Picked", "reject": "Rejected", None: "Unflagged"}


@dataclass
class Change:
    field: str  # "rating" or "flag"
    value: int | str | None
    ids: list[int]
    before: dict[int, int | str | None] | None = None  # each photo's value before, once written


# -- jobs (worker thread, no Qt) ----------------------------------------------------------------
def apply_change(catalog: Path, change: Change, settings: Settings) -> Change:
    with opened(catalog) as conn:
        current = stored.for_photos(conn, change.ids)
        before = {pid: current[pid][change.field] for pid in change.ids}
        _write(conn, change.field, change.ids, change.value, settings)
    return Change(change.field, change.value, change.ids, before)


def undo_change(catalog: Path, change: Change, settings: Settings) -> Change:
    """Give each photo its value from before (grouped by value: one write each)."""
    by_value: dict[int | str | None, list[int]] = defaultdict(list)
    for pid, value in (change.before or {}).items():
        by_value[value].append(pid)
    with opened(catalog) as conn:
        for value, ids in by_value.items():
            _write(conn, change.field, ids, value, settings)
    return change


def _write(conn, field: str, ids: list[int], value, settings: Settings) -> None:
    if field == "rating":
        annotations.set_rating(conn, ids, value, settings)
    else:
        annotations.set_flag(conn, ids, value, settings)


# -- the controller (UI thread) -----------------------------------------------------------------
class RatingController(QObject):
    changed = Signal()  # a write landed: the grid reads ratings and flags again

    def __init__(self, tasks: TaskRunner, catalog: Path, settings: Callable[[], Settings],
                 targets: Callable[[], list[int]], notice: NoticeBar, guard: CatalogGuard,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._tasks, self._catalog, self._settings = tasks, catalog, settings
        self._targets, self._notice, self._guard = targets, notice, guard
        self.actions: list[QAction] = []
        for stars in range(6):
            label = f"{stars_text(stars)}  ({stars} stars)" if stars else "No stars"
            self._add(parent, label, str(stars), lambda _checked=False, s=stars: self.rate(s))
        self._add(parent, "Pick", "P", lambda: self.flag("pick"))
        self._add(parent, "Reject", "X", lambda: self.flag("reject"))
        self._add(parent, "Unflag", "U", lambda: self.flag(None))

    def _add(self, parent: QWidget, text: str, key: str, slot) -> None:
        action = QAction(text, parent, shortcut=key)
        # only while the grid or the photo has the focus: typing in a field never rates
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.actions.append(action)

    def attach(self, *widgets: QWidget) -> None:
        """The views whose keys rate and flag (the grid, the detail view)."""
        for widget in widgets:
            widget.addActions(self.actions)

    def add_to_menu(self, menu: QMenu) -> None:
        menu.addActions(self.actions[:6])
        menu.addSeparator()
        menu.addActions(self.actions[6:])

    def rate(self, stars: int) -> None:
        self._submit(Change("rating", stars, self._targets()))

    def flag(self, flag: str | None) -> None:
        self._submit(Change("flag", flag, self._targets()))

    def _submit(self, change: Change) -> None:
        if not change.ids or self._guard.refuse_write():
            return
        catalog, settings = self._catalog, self._settings()
        self._tasks.submit("library", "annotate", lambda: apply_change(catalog, change, settings),
                           self._done, self._failed)

    def undo(self, change: Change) -> None:
        if self._guard.refuse_write():
            return
        catalog, settings = self._catalog, self._settings()
        self._tasks.submit("library", "annotate-undo",
                           lambda: undo_change(catalog, change, settings),
                           lambda _c: self._undone(change), self._failed)

    def _done(self, change: Change) -> None:
        self.changed.emit()
        count = len(change.ids)
        what = f"{count} photos" if count > 1 else "1 photo"
        if change.field == "rating":
            text = f"Rated {what} {stars_text(change.value) or 'with no stars'}"  # type: ignore[arg-type]
        else:
            text = f"{FLAG_TEXT[change.value]} {what}"  # type: ignore[index]
        self._notice.show_message(text, "Undo", lambda: self.undo(change))

    def _undone(self, change: Change) -> None:
        self.changed.emit()
        self._notice.show_message(f"Undone: {change.field} of {len(change.ids)} photo(s)")

    def _failed(self, message: str) -> None:
        self._notice.show_message(f"Rating failed: {message}")
