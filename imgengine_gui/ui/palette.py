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


def wants_dark(app: QApplication) -> bool:
    forced = os.environ.get("IMGENGINE_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication) -> None:
    """Fusion, in the light or dark palette the system asks for (and again when it changes).

    The platform's own palette is kept when it matches the scheme; where the platform reports a
    dark scheme without a dark palette (or ``IMGENGINE_THEME=dark|light`` forces one), Fusion's
    standard palette or our dark one serves.
    """
    app.setStyle("Fusion")
    dark = wants_dark(app)
    palette = QPalette(app.palette())
    if is_dark(palette) != dark:
        palette = app.style().standardPalette()
    if is_dark(palette) != dark:
        palette = dark_palette() if dark else QPalette(QColor("#efefef"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    app.setPalette(palette)
    if not app.property("imgengineFollowsScheme"):
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
        app.setProperty("imgengineFollowsScheme", True)


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2e",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f1f22",
        QPalette.ColorRole.AlternateBase: "#333338",
        QPalette.ColorRole.ToolTipBase: "#3a3a40",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#8a8a8f",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#36363b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Light: "#4a4a50",
        QPalette.ColorRole.Midlight: "#3f3f45",
        QPalette.ColorRole.Mid: "#2a2a2e",
        QPalette.ColorRole.Dark: "#1a1a1d",
        QPalette.ColorRole.Shadow: "#0d0d0f",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7d7d82"))
    return palette


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
