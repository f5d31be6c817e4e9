"""Light and dark appearance that follows the system; colours for custom painting come from here."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

ACCENT = QColor("#3b82f6")
KEEP = QColor("#16a34a")
DANGER = QColor("#dc2626")
FACE = QColor("#f59e0b")


def apply_theme(app: QApplication) -> None:
    """Fusion everywhere; Qt picks the light or dark palette from the system colour scheme.

    ``IMGENGINE_THEME=dark|light`` forces one (handy for screenshots and for platforms that do
    not report a scheme).
    """
    app.setStyle("Fusion")
    forced = os.environ.get("IMGENGINE_THEME", "").lower()
    hints = app.styleHints()
    if forced in ("dark", "light") and hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Dark if forced == "dark" else Qt.ColorScheme.Light)
    highlight = QColor(ACCENT)
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Highlight, highlight)
    palette.setColor(QPalette.ColorRole.Link, highlight)
    app.setPalette(palette)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def placeholder_color(palette: QPalette) -> QColor:
    base = palette.color(QPalette.ColorRole.Base)
    return base.lighter(135) if is_dark(palette) else base.darker(108)


def muted_text(palette: QPalette) -> QColor:
    return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)


def checkerboard(palette: QPalette, cell: int = 10) -> QBrush:
    """The usual transparency checkerboard, in tones that suit the current palette."""
    light, dark = (QColor("#5a5a5a"), QColor("#404040")) if is_dark(palette) else (
        QColor("#ffffff"),
        QColor("#d9d9d9"),
    )
    tile = QPixmap(cell * 2, cell * 2)
    tile.fill(light)
    painter = QPainter(tile)
    painter.fillRect(0, 0, cell, cell, dark)
    painter.fillRect(cell, cell, cell, cell, dark)
    painter.end()
    return QBrush(tile)
