"""The grid's model: photo ids only, with a few display fields fetched a page at a time."""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from imgengine_gui.catalog.reader import GridRow
from imgengine_gui.ui.formatting import resolution, tooltip
from imgengine_gui.ui.sections import Sections

PhotoIdRole = Qt.ItemDataRole.UserRole + 1
ThumbRole = Qt.ItemDataRole.UserRole + 2
ErrorRole = Qt.ItemDataRole.UserRole + 3
PathRole = Qt.ItemDataRole.UserRole + 4
RatingRole = Qt.ItemDataRole.UserRole + 5  # (rating, flag)

PAGE_SIZE = 256
MAX_PAGES = 64

Index = QModelIndex | QPersistentModelIndex


class RowSource(Protocol):
    def rows(self, ids: Sequence[int]) -> dict[int, GridRow]: ...


class PhotoGridModel(QAbstractListModel):
    def __init__(self, source: RowSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._ids = array("q")
        self._pages: OrderedDict[int, dict[int, GridRow]] = OrderedDict()
        self.sections = Sections()  # months, when the photos are sorted by date

    # -- feeding ----------------------------------------------------------------------------
    def set_ids(self, ids: Sequence[int], months: Sequence[str | None] | None = None) -> bool:
        """Show these photos (grouped by month when ``months`` gives each one's); an unchanged
        list only refreshes the rows' fields (e.g. new thumbs). Returns whether the list changed
        (the model was reset: selections are gone)."""
        new = array("q", ids)
        sections = Sections.from_months(months) if months is not None else Sections()
        if new == self._ids and sections == self.sections:
            self.refresh()
            return False
        self.beginResetModel()
        self._ids = new
        self.sections = sections
        self._pages.clear()
        self.endResetModel()
        return True

    def merge_ids(self, ids: Sequence[int]) -> bool:
        """Like ``set_ids``, but nothing already shown moves: photos gone are dropped, new ones
        are appended in the given order (a live reload during a run: no reshuffle as photos
        get their dates; the next ``set_ids`` sorts again)."""
        wanted = set(ids)
        removed = [row for row, pid in enumerate(self._ids) if pid not in wanted]
        shown = set(self._ids)
        kept = array("q", (pid for pid in self._ids if pid in wanted))
        kept.extend(pid for pid in ids if pid not in shown)
        if kept == self._ids:
            self.refresh()
            return False
        sections = self.sections.kept(removed, len(kept) - (len(self._ids) - len(removed)))
        self.beginResetModel()
        self._ids = kept
        self.sections = sections
        self._pages.clear()
        self.endResetModel()
        return True

    def refresh(self) -> None:
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0), self.index(len(self._ids) - 1))

    # -- lookups ------------------------------------------------------------------------------
    def photo_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, photo_id: int) -> int | None:
        try:
            return self._ids.index(photo_id)
        except ValueError:
            return None

    def ids(self) -> list[int]:
        return self._ids.tolist()

    def grid_row(self, row: int) -> GridRow | None:
        if not 0 <= row < len(self._ids):
            return None
        page_number = row // PAGE_SIZE
        page = self._pages.get(page_number)
        if page is None:
            start = page_number * PAGE_SIZE
            page = self._source.rows(self._ids[start : start + PAGE_SIZE].tolist())
            self._pages[page_number] = page
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        return page.get(self._ids[row])

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == PhotoIdRole:
            return self._ids[row]
        item = self.grid_row(row)
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == ThumbRole:
            return item.thumb
        if role == ErrorRole:
            return item.error
        if role == PathRole:
            return item.path
        if role == RatingRole:
            return item.rating, item.flag
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [item.path, resolution(*item.size) if item.size else "", item.error or ""]
            return tooltip("\n".join(line for line in lines if line))
        return None
