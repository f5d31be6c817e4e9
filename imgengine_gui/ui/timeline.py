"""The timeline scrubber: a thin bar beside the grid listing its years and months, placed by
where they fall in the library; a click or a drag jumps to that month."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

from imgengine_gui.ui.palette import ACCENT, muted_text
from imgengine_gui.ui.sections import Section

MARGIN = 8  # above the first and below the last month
MIN_YEAR_GAP = 14  # pixels between two year labels; closer ones are left out


class TimelineBar(QWidget):
    jump = Signal(int)  # the row of a month's first photo

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Jump to a month")
        self.sections: list[Section] = []
        self.total = 0
        self.current: Section | None = None
        self.hide()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("2024") + 18, 200)

    def set_sections(self, sections: list[Section], total: int) -> None:
        """The grid's months (none: the bar hides, e.g. when sorted by name)."""
        self.sections, self.total = sections, total
        self.current = None
        self.setVisible(len(sections) > 1)
        self.update()

    def show_current(self, section: Section | None) -> None:
        if section is not None and section != self.current:
            self.current = section
            self.update()

    # -- geometry -----------------------------------------------------------------------------
    def y_of(self, row: int) -> int:
        height = max(1, self.height() - 2 * MARGIN)
        return MARGIN + round(height * row / max(1, self.total))

    def section_at(self, y: int) -> Section | None:
        """The last month that starts at or above ``y``."""
        found = None
        for section in self.sections:
            if self.y_of(section.start) > y and found is not None:
                break
            found = section
        return found

    def year_labels(self) -> dict[int, str]:
        """Where each year's label goes (its first month's y), by the years holding the most
        photos first: a year close under another keeps its label only if it holds more photos,
        so a year of one photo never hides the next year's thousands."""
        years: dict[str | None, list[int]] = {}  # year: [first row, photos]
        for section in self.sections:
            found = years.setdefault(section.year, [section.start, 0])
            found[1] += section.end - section.start
        placed: dict[int, str] = {}
        for year, (start, _count) in sorted(years.items(), key=lambda item: -item[1][1]):
            y = self.y_of(start)
            if all(abs(y - other) >= MIN_YEAR_GAP for other in placed):
                placed[y] = year or "—"
        return placed

    # -- events -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._jump_to(int(event.position().y()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        y = int(event.position().y())
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump_to(y)
        section = self.section_at(y)
        if section is not None:
            QToolTip.showText(event.globalPosition().toPoint(), section.title, self)

    def _jump_to(self, y: int) -> None:
        section = self.section_at(y)
        if section is not None and section != self.current:
            self.current = section
            self.update()
            self.jump.emit(section.start)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        palette = self.palette()
        painter.setPen(muted_text(palette))
        x = self.width() - 4
        year: str | None = "?"
        for section in self.sections:
            y = self.y_of(section.start)
            tick = 6 if section.year != year else 2  # a year's first month: a longer tick
            year = section.year
            painter.drawLine(x - tick, y, x, y)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        for y, text in self.year_labels().items():
            painter.drawText(QRect(0, y - 7, x - 8, 14),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        painter.setPen(muted_text(palette))
        if self.current is not None:
            painter.fillRect(QRect(x - 8, self.y_of(self.current.start) - 1, 9, 3), ACCENT)
