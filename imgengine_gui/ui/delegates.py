"""Painting one grid cell: the cached thumbnail (or a placeholder), the name, a problem badge,
the rating and flag; and, over the first line of each month, the month's header."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from imgengine_gui.ui import month_header
from imgengine_gui.ui.marks import paint_marks
from imgengine_gui.ui.models import ErrorRole, RatingRole, ThumbRole
from imgengine_gui.ui.palette import DANGER, muted_text, placeholder_color
from imgengine_gui.ui.thumbnails import ImageLoader

PADDING = 6
RADIUS = 6.0


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, loader: ImageLoader, cell: int = 150, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.cell = cell
        self.columns = month_header.Columns()  # set by the grid when its photos are grouped

    def set_cell(self, cell: int) -> None:
        self.cell = cell

    def base_size(self, option: QStyleOptionViewItem) -> QSize:
        text_height = QFontMetrics(option.font).height()
        return QSize(self.cell + 2 * PADDING, self.cell + text_height + 3 * PADDING)

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802
        sections = getattr(index.model(), "sections", None)
        if self.columns.count and sections:
            return self.columns.size_of(index.row(), sections)
        return self.base_size(option)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        palette: QPalette = option.palette
        cell_rect = month_header.paint_header(painter, option, index, self.columns)
        rect: QRect = self._content_rect(cell_rect).adjusted(2, 2, -2, -2)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_background(painter, rect, palette, selected, hovered)

        image_rect = QRect(rect.x() + PADDING - 2, rect.y() + PADDING - 2, self.cell, self.cell)
        thumb = index.data(ThumbRole)
        error = index.data(ErrorRole)
        pixmap = self.loader.pixmap(thumb, self._pixels(painter)) if thumb else None
        if pixmap is not None and not pixmap.isNull():
            self._paint_pixmap(painter, image_rect, pixmap)
        else:  # still loading or not analyzed yet: a quiet placeholder; failed: say so
            unreadable = bool(error) or (thumb and self.loader.failed(thumb, self._pixels(painter)))
            self._paint_placeholder(painter, image_rect, palette, loading=not unreadable)
        if error:
            self._paint_badge(painter, image_rect)
        paint_marks(painter, image_rect, *(index.data(RatingRole) or (None, None)))

        text_rect = QRect(
            rect.x() + PADDING, image_rect.bottom() + PADDING // 2, rect.width() - 2 * PADDING,
            rect.bottom() - image_rect.bottom() - PADDING // 2,
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        elided = QFontMetrics(option.font).elidedText(
            name, Qt.TextElideMode.ElideMiddle, text_rect.width()
        )
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, elided)
        painter.restore()

    def _content_rect(self, cell_rect: QRect) -> QRect:
        """The cell's content, centred in the column (a grouped grid's items fill the line)."""
        width = self.cell + 2 * PADDING
        column = min(cell_rect.width(), self.columns.width or cell_rect.width())
        left = cell_rect.x() + max(0, (column - width) // 2)
        return QRect(left, cell_rect.y(), width, cell_rect.height())

    def _pixels(self, painter: QPainter) -> int:
        # The loader scales to the device pixels of a cell, so painting never upscales.
        return round(self.cell * painter.device().devicePixelRatioF())

    def _paint_background(self, painter, rect, palette, selected, hovered) -> None:
        if not (selected or hovered):
            return
        colour = QColor(palette.color(QPalette.ColorRole.Highlight))
        colour.setAlpha(255 if selected else 40)
        path = QPainterPath()
        path.addRoundedRect(QRectF(rect), RADIUS, RADIUS)
        painter.fillPath(path, colour)

    def _paint_pixmap(self, painter: QPainter, area: QRect, pixmap) -> None:
        size = pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(area.center())
        clip = QPainterPath()
        clip.addRoundedRect(QRectF(target), 3, 3)
        painter.save()
        painter.setClipPath(clip)
        painter.drawPixmap(target, pixmap)
        painter.restore()

    def _paint_placeholder(self, painter, area: QRect, palette, *, loading: bool) -> None:
        inner = area.adjusted(area.width() // 10, area.height() // 6, -area.width() // 10, -area.height() // 6)
        path = QPainterPath()
        path.addRoundedRect(QRectF(inner), 4, 4)
        painter.fillPath(path, placeholder_color(palette))
        if not loading:
            painter.setPen(muted_text(palette))
            painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, "No preview")

    def _paint_badge(self, painter: QPainter, area: QRect) -> None:
        radius = 9
        centre = area.topRight()
        circle = QRectF(centre.x() - 2 * radius - 2, centre.y() + 2, 2 * radius, 2 * radius)
        painter.setPen(QPen(QColor("white"), 1.5))
        painter.setBrush(DANGER)
        painter.drawEllipse(circle)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(circle, Qt.AlignmentFlag.AlignCenter, "!")
