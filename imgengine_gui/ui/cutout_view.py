"""Background removal preview: original, mask and cutout over a checkerboard; save as PNG."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from imgengine_gui.settings import Settings
from imgengine_gui.ui.detail import plain_label
from imgengine_gui.ui.formatting import tooltip
from imgengine_gui.ui.icons import icon
from imgengine_gui.ui.palette import checkerboard, muted_text


@dataclass
class CutoutImages:
    photo_id: int
    path: str
    original: QImage
    mask: QImage
    cutout: QImage
    method: str
    rgba: Any  # the PIL RGBA image, kept for "Save PNG…"


def pil_to_qimage(image) -> QImage:
    if image.mode == "L":
        data = image.tobytes()
        return QImage(data, image.width, image.height, image.width, QImage.Format.Format_Grayscale8).copy()
    rgba = image.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    return QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888).copy()


def compute_cutout(photo_id: int, path: str, settings: Settings, catalog: Path) -> CutoutImages:
    """Runs on a worker thread: decode, segment on the device thread (or GrabCut), convert."""
    from imgengine_gui.catalog.reader import opened_if_present
    from imgengine_gui.engine.cutout import cut_out

    with opened_if_present(catalog) as conn:
        result = cut_out(Path(path), settings, conn)
    return CutoutImages(
        photo_id=photo_id,
        path=path,
        original=pil_to_qimage(result.rgba.convert("RGB")),
        mask=pil_to_qimage(result.mask),
        cutout=pil_to_qimage(result.rgba),
        method=result.method,
        rgba=result.rgba,
    )


def save_png(images: CutoutImages, target: str) -> str:
    """Runs on a worker thread."""
    images.rgba.save(target, format="PNG")
    return target


class ImagePane(QWidget):
    def __init__(self, title: str, *, checkered: bool = False) -> None:
        super().__init__()
        self.title = title
        self.checkered = checkered
        self.image: QImage | None = None
        self.message = ""
        self.setMinimumSize(120, 120)

    def set_image(self, image: QImage | None, message: str = "") -> None:
        self.image = image
        self.message = message
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        palette = self.palette()
        header = painter.fontMetrics().height() + 8
        area = self.rect().adjusted(6, header, -6, -6)
        if self.image is None or self.image.isNull():
            target = area
        else:
            size = self.image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(area.center())
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(QRect(target.x(), target.y() - header, target.width(), header),
                         Qt.AlignmentFlag.AlignCenter, self.title)
        if self.image is None or self.image.isNull():
            painter.fillRect(area, palette.color(QPalette.ColorRole.Base).darker(104))
            painter.setPen(muted_text(palette))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        if self.checkered:
            painter.fillRect(target, checkerboard(palette))
        painter.drawImage(target, self.image)


class CutoutView(QWidget):
    compute_requested = Signal(int, str)  # photo id, path
    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cutoutView")
        self.photo_id: int | None = None
        self.path: str | None = None
        self.result: CutoutImages | None = None
        self.busy = False
        title = QLabel("Background removal")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.subtitle = plain_label("Select a photo in the grid, then open this view.")
        self.method = plain_label()
        self.method.setWordWrap(True)
        self.save_button = QPushButton(icon("save"), "Save PNG…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_requested.emit)
        self.original = ImagePane("Original")
        self.mask = ImagePane("Mask")
        self.cutout = ImagePane("Cutout", checkered=True)

        header = QHBoxLayout()
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(self.subtitle)
        header.addLayout(heading, 1)
        header.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        panes = QHBoxLayout()
        for pane in (self.original, self.mask, self.cutout):
            panes.addWidget(pane, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.addLayout(header)
        layout.addLayout(panes, 1)
        layout.addWidget(self.method)

    def show_photo(self, photo_id: int | None, path: str | None) -> None:
        """Ask for a cutout of this photo unless it is the one already shown."""
        if photo_id is None or path is None:
            self._clear("Select a photo in the grid, then open this view.")
            return
        if photo_id == self.photo_id and (self.result is not None or self.busy):
            return
        self.photo_id, self.path, self.result, self.busy = photo_id, path, None, True
        self.subtitle.setText(os.path.basename(path))
        self.subtitle.setToolTip(tooltip(path))
        for pane in (self.original, self.mask, self.cutout):
            pane.set_image(None, "Working…")
        self.method.setText("")
        self.save_button.setEnabled(False)
        self.compute_requested.emit(photo_id, path)

    def _clear(self, message: str) -> None:
        self.photo_id = self.path = self.result = None
        self.busy = False
        self.subtitle.setText(message)
        for pane in (self.original, self.mask, self.cutout):
            pane.set_image(None, "")
        self.method.setText("")
        self.save_button.setEnabled(False)

    def set_result(self, result: CutoutImages) -> None:
        if result.photo_id != self.photo_id:
            return
        self.result, self.busy = result, False
        self.original.set_image(result.original)
        self.mask.set_image(result.mask)
        self.cutout.set_image(result.cutout)
        self.method.setText(f"Served by: {result.method}")
        self.save_button.setEnabled(True)

    def set_error(self, photo_id: int, message: str) -> None:
        if photo_id != self.photo_id:
            return
        self.busy = False
        for pane in (self.original, self.mask, self.cutout):
            pane.set_image(None, "")
        self.original.set_image(None, f"Could not cut out this photo:\n{message}")
        self.method.setText("")

    @property
    def settled(self) -> bool:
        return not self.busy
