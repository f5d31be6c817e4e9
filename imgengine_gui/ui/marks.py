"""A photo's rating and flag drawn over its thumbnail: stars at the bottom, a pick/reject mark at
the top left (rejected photos are also veiled, as in Lightroom)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from imgengine_gui.ui.palette import DANGER, FACE, KEEP

STAR = "★"


def is_rejected(rating: int | None, flag: str | None) -> bool:
    return flag == "reject" or rating == -1


def stars_text(rating: int | None) -> str:
    """'★★★☆☆' for 3; '' for none (or rejected)."""
    if not rating or rating < 0:
        return ""
    return STAR * rating + "☆" * (5 - rating)


def paint_marks(painter: QPainter, area: QRect, rating: int | None, flag: str | None) -> None:
    if is_rejected(rating, flag):
        painter.fillRect(area, QColor(0, 0, 0, 110))
        _paint_flag(painter, area, DANGER, reject=True)
    elif flag == "pick":
        _paint_flag(painter, area, KEEP, reject=False)
    if rating and rating > 0:
        _paint_stars(painter, area, rating)


def _paint_flag(painter: QPainter, area: QRect, colour: QColor, *, reject: bool) -> None:
    radius = 9.0
    circle = QRectF(area.left() + 4, area.top() + 4, 2 * radius, 2 * radius)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.setBrush(colour)
    painter.drawEllipse(circle)
    pen = QPen(QColor("white"), 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    c, d = circle.center(), radius * 0.45
    if reject:  # a cross
        painter.drawLine(QPointF(c.x() - d, c.y() - d), QPointF(c.x() + d, c.y() + d))
        painter.drawLine(QPointF(c.x() - d, c.y() + d), QPointF(c.x() + d, c.y() - d))
    else:  # a tick
        painter.drawPolyline(QPolygonF([QPointF(c.x() - d, c.y()), QPointF(c.x() - d / 3, c.y()
                                        + d * 0.7), QPointF(c.x() + d, c.y() - d * 0.6)]))
    painter.restore()


def _paint_stars(painter: QPainter, area: QRect, rating: int) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = painter.font()
    font.setPixelSize(max(10, min(14, area.width() // 10)))
    painter.setFont(font)
    text = STAR * min(rating, 5)
    width = painter.fontMetrics().horizontalAdvance(text) + 10
    height = painter.fontMetrics().height() + 2
    pill = QRectF(area.left() + 4, area.bottom() - height - 3, width, height)
    path = QPainterPath()
    path.addRoundedRect(pill, height / 2, height / 2)
    painter.fillPath(path, QColor(0, 0, 0, 150))
    painter.setPen(FACE)
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
