"""SVG icons from imgengine_gui/resources/icons, tinted with the palette's text colour so both
themes work. The resources ship inside the package (wheel, editable install, PyInstaller bundle)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 20, 24, 32, 48)


def resources_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "resources"


def app_icon() -> QIcon:
    icon = QIcon()
    for name in ("imgengine.svg", "imgengine.png"):
        path = resources_dir() / name
        if path.is_file():
            icon.addFile(str(path))
    return icon


def icon(name: str) -> QIcon:
    palette = QGuiApplication.palette()
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    return _icon(name, normal.name(), disabled.name())


@cache
def _icon(name: str, normal: str, disabled: str) -> QIcon:
    path = resources_dir() / "icons" / f"{name}.svg"
    result = QIcon()
    if not path.is_file():
        return result
    svg = path.read_text(encoding="utf-8")
    for colour, mode in ((normal, QIcon.Mode.Normal), (disabled, QIcon.Mode.Disabled)):
        renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", colour).encode()))
        for side in SIZES:
            result.addPixmap(_render(renderer, side), mode)
    return result


def _render(renderer: QSvgRenderer, side: int) -> QPixmap:
    image = QImage(QSize(side, side), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    return QPixmap.fromImage(image)
