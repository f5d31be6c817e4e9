"""Month headers in the grid without header rows: the model keeps photos only (row = photo).

When the photos are grouped by month, the grid lays its items out by their own sizes. Every
photo on the first line of a month is taller by a header band, and the first of them draws the
month's title across the line (each of them draws its own slice of it, so a repaint of one cell
never cuts the title). The last photo of a month is as wide as the rest of its line, so the
next month starts on a new line. A 100k-photo library keeps one row per photo and a uniform
height per line, so the view's batched layout and first paint stay as fast as without groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyleOptionViewItem

from imgengine_gui.ui.palette import muted_text
from imgengine_gui.ui.sections import Sections

Index = QModelIndex | QPersistentModelIndex


@dataclass
class Columns:
    """How the grid lays out a grouped grid (``count`` 0: not grouped, uniform grid cells)."""

    width: int = 0  # of one column
    count: int = 0
    spacing: int = 0
    left: int = 0  # where a line starts in the viewport
    height: int = 0  # of a photo's cell
    band: int = 0  # the header's height

    def size_of(self, row: int, sections: Sections) -> QSize:
        """The item size of a grouped photo (cheap: the layout asks for every photo)."""
        start, end = sections.span(row)
        k = row - start
        width = self.width
        if row == end - 1:  # the last of its month fills its line
            width += (self.count - 1 - k % self.count) * (self.width + self.spacing)
        return QSize(width, self.height + (self.band if k < self.count else 0))


def band_height(option: QStyleOptionViewItem) -> int:
    return round(QFontMetrics(header_font(option.font)).height() * 2.2)


def header_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    font.setPointSizeF(base.pointSizeF() * 1.25 if base.pointSizeF() > 0 else 12)
    return font


def position(index: Index, columns: Columns) -> tuple[int, int, int] | None:
    """(place in its month, photos in the month, the month's row) when grouped."""
    if columns.count <= 0:
        return None
    sections = getattr(index.model(), "sections", None)
    section = sections.at(index.row()) if sections else None
    if section is None:
        return None
    return index.row() - section.start, section.end - section.start, section.start


def photo_area(rect: QRect, index: Index, columns: Columns) -> QRect:
    """The part of a grouped item that is its photo's cell: without the header band above it
    and the rest of the line a month's last photo holds."""
    place = position(index, columns)
    if place is None:
        return QRect(rect)
    top = rect.top() + (columns.band if place[0] < columns.count else 0)
    return QRect(rect.left(), top, min(rect.width(), columns.width), rect.bottom() - top + 1)


def paint_header(
    painter: QPainter, option: QStyleOptionViewItem, index: Index, columns: Columns
) -> QRect:
    """Paint this item's slice of its month's header; returns the rest of the item's rect."""
    rect = QRect(option.rect)
    place = position(index, columns)
    if place is None or place[0] >= columns.count:
        return rect
    band = columns.band
    slice_ = QRect(rect.x(), rect.y(), rect.width() + columns.spacing, band)
    line = QRect(columns.left + 8, rect.y(), columns.count * (columns.width + columns.spacing), band)
    sections = index.model().sections  # type: ignore[union-attr]
    title = sections.at(place[2]).title
    painter.save()
    painter.setClipRect(slice_)
    painter.setFont(header_font(option.font))
    painter.setPen(option.palette.color(QPalette.ColorRole.Text))
    painter.drawText(line.adjusted(0, 0, 0, -band // 6), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignBottom, title)
    painter.setPen(muted_text(option.palette))
    painter.drawLine(slice_.left(), slice_.bottom() - 2, slice_.right(), slice_.bottom() - 2)
    painter.restore()
    return rect.adjusted(0, band, 0, 0)
