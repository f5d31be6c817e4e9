"""The thumbnail grid: a QListView laid out as a wrapping grid of uniform cells."""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyleOptionViewItem

from imgengine_gui.ui.delegates import ThumbnailDelegate
from imgengine_gui.ui.empty_state import NO_PHOTOS
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.month_header import Columns, band_height, photo_area
from imgengine_gui.ui.palette import muted_text
from imgengine_gui.ui.thumbnails import ImageLoader

EMPTY_TEXT = NO_PHOTOS


class PhotoGrid(QListView):
    open_requested = Signal(int)  # photo id
    delete_requested = Signal(list)  # photo ids

    def __init__(self, model: PhotoGridModel, loader: ImageLoader, parent=None) -> None:
        super().__init__(parent)
        self._scroll_to: int | None = None
        self.setObjectName("photoGrid")
        self.grid_model = model
        self.loader = loader
        self.delegate = ThumbnailDelegate(loader, parent=self)
        self.empty_text = EMPTY_TEXT
        self.setModel(model)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(512)
        self.setWrapping(True)
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setMouseTracking(True)
        self.setDragEnabled(False)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.doubleClicked.connect(lambda index: self.open_requested.emit(model.photo_id(index.row())))
        self._repaint = QTimer(self, singleShot=True, interval=30)
        self._repaint.timeout.connect(self.viewport().update)
        loader.ready.connect(self._repaint.start)
        # A reload (e.g. live during an analysis) resets the model: keep the user's place.
        self._forget_scroll = QTimer(self, singleShot=True, interval=3000)
        self._forget_scroll.timeout.connect(self._clear_scroll)
        model.modelAboutToBeReset.connect(self._remember_scroll)
        model.modelReset.connect(self._fit_columns)  # grouped by month or not

    def set_cell(self, cell: int) -> None:
        self.delegate.set_cell(cell)
        self._fit_columns()
        self.viewport().update()

    def _fit_columns(self) -> None:
        """Share the row's leftover width among the columns, so the grid fills the view. Photos
        grouped by month are laid out by their own sizes (see ``month_header``), others on a
        uniform grid."""
        option = self.viewOptions_()
        hint = self.delegate.base_size(option)
        spacing = self.spacing()
        width = self._layout_width() - 2 * spacing
        columns = max(1, width // (hint.width() + 2 * spacing))
        if self.grid_model.sections:
            column = (self._layout_width() - spacing - 2) // columns - spacing
            self.delegate.columns = Columns(column, columns, spacing, spacing, hint.height(),
                                            band_height(option))
            self.setUniformItemSizes(False)
            if self.gridSize().isValid():
                self.setGridSize(QSize())
            else:
                self.scheduleDelayedItemsLayout()
        else:
            self.delegate.columns = Columns()
            self.setUniformItemSizes(True)
            self.setGridSize(QSize(width // columns, hint.height() + 2 * spacing))

    def _layout_width(self) -> int:
        """The width QListView lays its items out in: it keeps the vertical scroll bar's room
        whether the bar shows or not (QListViewPrivate::prepareItemsLayout), so a line fitted to
        a viewport without the bar would wrap its last photo (and a month's header show twice)."""
        width = self.maximumViewportSize().width()
        style, bar = self.style(), self.verticalScrollBar()
        if (self.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAsNeeded
                and not style.pixelMetric(QStyle.PixelMetric.PM_ScrollView_ScrollBarOverlap,
                                          None, bar)):
            width -= style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, bar)
            if style.styleHint(QStyle.StyleHint.SH_ScrollView_FrameOnlyAroundContents, None, self):
                width -= 2 * style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, self)
        return width

    def scroll_to_row(self, row: int) -> None:
        """Bring this row (a month's first photo, with its header) to the top of the view."""
        if 0 <= row < self.grid_model.rowCount():
            self.scrollTo(self.grid_model.index(row), QAbstractItemView.ScrollHint.PositionAtTop)

    def viewOptions_(self) -> QStyleOptionViewItem:
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        return option

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_columns()

    def _remember_scroll(self) -> None:
        value = self.verticalScrollBar().value()
        self._scroll_to = value if value > 0 else None
        self._forget_scroll.start()

    def _clear_scroll(self) -> None:
        self._scroll_to = None

    def updateGeometries(self) -> None:  # noqa: N802
        super().updateGeometries()
        bar = self.verticalScrollBar()
        if self._scroll_to is not None and bar.maximum() >= self._scroll_to:
            bar.setValue(self._scroll_to)  # once the (batched) layout has grown that far
            self._scroll_to = None

    def indexAt(self, point: QPoint) -> QModelIndex:  # noqa: N802
        """The photo whose cell is under ``point``: a month's header and the empty rest of its
        last line are no photo's (to a click, a hover, a double-click or the context menu)."""
        index = super().indexAt(point)
        if index.isValid() and not photo_area(
                self.visualRect(index), index, self.delegate.columns).contains(point):
            return QModelIndex()
        return index

    def item_at(self, point: QPoint) -> QModelIndex:
        """The item laid out under ``point``, header band and filler included."""
        return super().indexAt(point)

    def selected_rows(self) -> list[int]:
        """From the selection's ranges: no QModelIndex per selected photo (Ctrl+A on 100k)."""
        ranges = self.selectionModel().selection()
        return sorted(row for part in ranges for row in range(part.top(), part.bottom() + 1))

    def selected_count(self) -> int:
        return sum(part.height() for part in self.selectionModel().selection())

    def selected_ids(self) -> list[int]:
        return [self.grid_model.photo_id(row) for row in self.selected_rows()]

    def restore_selection(self, selected: Collection[int], current: int | None) -> None:
        """Select these photos again after a reload, where they still are, without scrolling."""
        model = self.grid_model
        wanted = set(selected)
        if len(wanted) > 1:
            rows = [row for row, pid in enumerate(model.ids()) if pid in wanted]
        else:
            rows = [row for row in map(model.row_of, wanted) if row is not None]
        selection = QItemSelection()
        for first, last in _runs(rows):
            selection.select(model.index(first), model.index(last))
        chooser = self.selectionModel()
        chooser.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        row = model.row_of(current) if current is not None else None
        if row is not None:
            auto = self.hasAutoScroll()
            self.setAutoScroll(False)  # a new current index would scroll to it
            chooser.setCurrentIndex(model.index(row), QItemSelectionModel.SelectionFlag.NoUpdate)
            self.setAutoScroll(auto)

    def current_id(self) -> int | None:
        index = self.currentIndex()
        return self.grid_model.photo_id(index.row()) if index.isValid() else None

    def select_photo(self, photo_id: int) -> bool:
        row = self.grid_model.row_of(photo_id)
        if row is None:
            return False
        index = self.grid_model.index(row)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index)
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            photo_id = self.current_id()
            if photo_id is not None:
                self.open_requested.emit(photo_id)
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            ids = self.selected_ids()
            if ids:
                self.delete_requested.emit(ids)
            return
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        if self.grid_model.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(muted_text(self.palette()))
            painter.drawText(
                self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text
            )
            return
        super().paintEvent(event)

    def visible_rows(self) -> range:
        """Rows that intersect the viewport (rows are laid out in order, so binary search)."""
        count = self.grid_model.rowCount()
        area = self.viewport().rect()
        low, high = 0, count
        while low < high:  # first row whose cell ends below the viewport's top
            middle = (low + high) // 2
            rect = self.visualRect(self.grid_model.index(middle))  # invalid: not laid out yet
            if rect.isValid() and rect.bottom() < area.top():
                low = middle + 1
            else:
                high = middle
        end = low
        while end < count:
            rect = self.visualRect(self.grid_model.index(end))
            if not rect.isValid() or rect.top() > area.bottom():
                break
            end += 1
        return range(low, end)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
