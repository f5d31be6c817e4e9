"""Photo detail: a large preview with object and face boxes, and the photo's fields as plain text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.ui.formatting import photo_fields, tooltip
from imgengine_gui.ui.icons import icon
from imgengine_gui.ui.palette import ACCENT, FACE, muted_text
from imgengine_gui.ui.thumbnails import ImageLoader, image_key

ON_DEMAND_SIDE = 1600  # a photo not analyzed yet is decoded to this long side for the detail

SCENES_TIP = tooltip(
    "Each tag with the score it reached. Only tags whose score passed their calibrated "
    "threshold are kept; portrait comes from the face boxes (score: the largest face's)."
)


def plain_label(text: str = "") -> QLabel:
    """A label that never interprets markup (camera strings and paths come from files)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class PreviewCanvas(QWidget):
    double_clicked = Signal()
    face_clicked = Signal(object, QPoint)  # the face's box, where (global) it was clicked

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.setMinimumSize(200, 150)
        self.preview_path: str | None = None
        self.side = 0  # 0: a cached preview as stored; else an original decoded to this size
        self.on_demand = False
        self.fallback: QPixmap | None = None
        self.boxes: list[tuple[str, str, list[float]]] = []  # kind, caption, box
        self.show_boxes = True
        self.message = ""
        self.setMouseTracking(True)
        loader.ready.connect(self._on_ready)

    def set_photo(self, preview: str | None, fallback: QPixmap | None, boxes,
                  original: str | None = None) -> None:
        """``original``: a photo not analyzed yet, decoded from its file on demand (off the UI
        thread, at preview size) where no cached preview exists."""
        self.preview_path, self.side = (preview, 0) if preview or not original else (
            original, ON_DEMAND_SIDE
        )
        self.on_demand = not preview and bool(original)
        self.fallback = fallback
        self.boxes = boxes
        self.message = "" if self.preview_path else "No preview: this photo could not be decoded"
        self.update()

    def pixmap(self) -> QPixmap | None:
        if self.preview_path:
            found = self.loader.pixmap(self.preview_path, self.side)
            if found is not None:
                return found
            if self.loader.failed(self.preview_path, self.side):
                self.message = (
                    "Not analyzed yet: this format is previewed once the folder is analyzed"
                    if self.on_demand else "The preview file is missing (the cache was cleared?)"
                )
            elif self.on_demand:
                self.message = "Not analyzed yet: decoding a preview…"
        return self.fallback

    @property
    def loaded(self) -> bool:
        path, side = self.preview_path, self.side
        return not path or self.loader.pixmap(path, side) is not None or (
            self.loader.failed(path, side)
        )

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        self.double_clicked.emit()

    def _on_ready(self, key: str) -> None:
        if self.preview_path and key == image_key(self.preview_path, self.side):
            self.update()

    def image_rect(self, pixmap: QPixmap) -> QRect:
        size = pixmap.size().scaled(self.rect().adjusted(12, 12, -12, -12).size(),
                                    Qt.AspectRatioMode.KeepAspectRatio)
        rect = QRect(0, 0, size.width(), size.height())
        rect.moveCenter(self.rect().center())
        return rect

    def face_at(self, pos: QPoint) -> list[float] | None:
        """The box of the face drawn under ``pos`` (widget coordinates), the smallest first."""
        pixmap = self.pixmap()
        if not self.show_boxes or pixmap is None or pixmap.isNull():
            return None
        target = self.image_rect(pixmap)
        x = (pos.x() - target.x()) / max(1, target.width())
        y = (pos.y() - target.y()) / max(1, target.height())
        hits = [b for kind, _, b in self.boxes if kind == "face" and b[0] <= x <= b[2] and b[1] <= y <= b[3]]
        return min(hits, key=lambda b: (b[2] - b[0]) * (b[3] - b[1])) if hits else None

    def mousePressEvent(self, event) -> None:  # noqa: N802
        box = self.face_at(event.position().toPoint())
        if box is not None and event.button() == Qt.MouseButton.LeftButton:
            self.face_clicked.emit(box, event.globalPosition().toPoint())
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        over = self.face_at(event.position().toPoint()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base).darker(104))
        pixmap = self.pixmap()
        if pixmap is None or pixmap.isNull():
            painter.setPen(muted_text(self.palette()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "Loading…")
            return
        target = self.image_rect(pixmap)
        painter.drawPixmap(target, pixmap)
        if self.show_boxes:
            for kind, caption, box in self.boxes:
                self._paint_box(painter, target, kind, caption, box)

    def _paint_box(self, painter: QPainter, target: QRect, kind: str, caption: str, box) -> None:
        x0, y0, x1, y1 = box
        rect = QRectF(
            target.x() + x0 * target.width(), target.y() + y0 * target.height(),
            (x1 - x0) * target.width(), (y1 - y0) * target.height(),
        )
        colour = QColor(FACE if kind == "face" else ACCENT)
        painter.setPen(QPen(colour, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, 3, 3)
        metrics = QFontMetrics(painter.font())
        chip = QRectF(rect.x(), rect.y() - metrics.height() - 2, metrics.horizontalAdvance(caption) + 10,
                      metrics.height() + 2)
        if chip.y() < target.y():
            chip.moveTop(rect.y())
        painter.fillRect(chip, colour)
        painter.setPen(QColor("white"))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, caption)


def photo_boxes(photo: dict[str, Any]) -> list[tuple[str, str, list[float]]]:
    boxes = []
    for item in photo.get("objects") or []:
        if item.get("box"):
            boxes.append(("object", f"{item['label']} {item['score'] * 100:.0f}%", item["box"]))
    for item in photo.get("faces") or []:
        if item.get("box"):
            who = item.get("name") or (f"Unnamed {item['person']}" if item.get("person") else None)
            boxes.append(("face", who or f"face {item['score'] * 100:.0f}%", item["box"]))
    return boxes


class PhotoDetail(QWidget):
    back_requested = Signal()
    step_requested = Signal(int)  # -1 previous, +1 next
    view_requested = Signal()  # the viewer, on this photo
    face_clicked = Signal(int, object, QPoint)  # photo id, its face (from photo["faces"]), where

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoDetail")
        self.photo: dict[str, Any] | None = None
        self.canvas = PreviewCanvas(loader)
        self.canvas.double_clicked.connect(self.view_requested.emit)
        self.canvas.face_clicked.connect(self._face_clicked)
        self.title = plain_label()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.boxes_toggle = QCheckBox("Show boxes")
        self.boxes_toggle.setChecked(True)
        self.boxes_toggle.toggled.connect(self._toggle_boxes)

        bar = QHBoxLayout()
        bar.addWidget(self._tool("back", "Back to the grid (Esc)", self.back_requested.emit))
        bar.addWidget(self._tool("back", "Previous photo (Left)", lambda: self.step_requested.emit(-1),
                                 arrow=Qt.ArrowType.LeftArrow))
        bar.addWidget(self._tool("forward", "Next photo (Right)", lambda: self.step_requested.emit(1),
                                 arrow=Qt.ArrowType.RightArrow))
        bar.addWidget(self.title, 1)
        view = QToolButton()
        view.setText("View")
        view.setToolTip("Open in the viewer: zoom, full screen, slideshow (F, double-click)")
        view.clicked.connect(self.view_requested.emit)
        bar.addWidget(view)
        bar.addWidget(self.boxes_toggle)

        self.fields = QFormLayout()
        self.fields.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        info = QWidget()
        info.setLayout(self.fields)
        scroll = QScrollArea()
        scroll.setWidget(info)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(200)
        splitter = QSplitter()
        splitter.addWidget(self.canvas)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([700, 300])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    def _tool(self, icon_name: str, tip: str, slot, arrow=None) -> QToolButton:
        button = QToolButton()
        if arrow is None:
            button.setIcon(icon(icon_name))
        else:
            button.setArrowType(arrow)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _toggle_boxes(self, on: bool) -> None:
        self.canvas.show_boxes = on
        self.canvas.update()

    def show_photo(self, photo: dict[str, Any], fallback: QPixmap | None) -> None:
        self.photo = photo
        self.title.setText(photo["path"].rsplit("/", 1)[-1])
        self.title.setToolTip(tooltip(photo["path"]))
        pending = not (photo.get("preview") or photo.get("error") or photo.get("missing"))
        self.canvas.set_photo(photo.get("preview"), fallback, photo_boxes(photo),
                              photo["path"] if pending else None)
        while self.fields.rowCount():
            self.fields.removeRow(0)
        for name, value in photo_fields(photo):
            label = plain_label(value)
            label.setWordWrap(True)
            label.setMinimumWidth(120)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if name == "Scenes":
                label.setToolTip(SCENES_TIP)
            self.fields.addRow(plain_label(name), label)

    def _face_clicked(self, box: list[float], where: QPoint) -> None:
        faces = (self.photo or {}).get("faces") or []
        face = next((f for f in faces if f.get("box") == box), None)
        if face is not None and self.photo is not None:
            self.face_clicked.emit(self.photo["id"], face, where)

    def value_of(self, name: str) -> str | None:
        """The text shown for a field (tests read it back)."""
        for row in range(self.fields.rowCount()):
            label = self.fields.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
            if label.text() == name:
                return self.fields.itemAt(row, QFormLayout.ItemRole.FieldRole).widget().text()
        return None

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Backspace):
            self.back_requested.emit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.step_requested.emit(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Space):
            self.step_requested.emit(1)
        elif key == Qt.Key.Key_F:
            self.view_requested.emit()
        else:
            super().keyPressEvent(event)
