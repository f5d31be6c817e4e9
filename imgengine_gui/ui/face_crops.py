"""Face crops for the People tiles: cut from the stored preview (or thumbnail) with the face box,
decoded on the ``thumbnails`` lane (QImage is safe off the UI thread; QPixmap is not)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter, QPainterPath, QPixmap

from imgengine_gui.ui.tasks import TaskRunner

CROP_MARGIN = 0.35  # of the face's longer side, on every side: hair and chin stay in the tile
CAPACITY = 1000


def crop_key(face: dict[str, Any], side: int) -> str | None:
    """The cache key of a ``best_face`` (engine.people.list_people) at ``side`` pixels."""
    source = face.get("preview") or face.get("thumbnail")
    if not source:
        return None
    return f"{side}:{source}:{','.join(f'{v:.4f}' for v in face['box'])}"


def read_crop(path: str, box: Sequence[float], side: int) -> QImage:
    """A rounded square ``side`` pixels wide around the face; a null image when unreadable."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # boxes are normalised to the oriented photo
    image = reader.read()
    if image.isNull():
        return image
    w, h = image.width(), image.height()
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    half = max(x1 - x0, y1 - y0) * (0.5 + CROP_MARGIN)
    half = max(4.0, min(half, w / 2, h / 2))
    cx = min(max((x0 + x1) / 2, half), w - half)
    cy = min(max((y0 + y1) / 2, half), h - half)
    square = QRect(int(cx - half), int(cy - half), int(2 * half), int(2 * half))
    scaled = image.copy(square).scaled(
        side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    tile = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    tile.fill(Qt.GlobalColor.transparent)
    painter = QPainter(tile)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path_ = QPainterPath()
    path_.addRoundedRect(QRectF(0, 0, side, side), side * 0.18, side * 0.18)
    painter.setClipPath(path_)
    painter.drawImage(0, 0, scaled)
    painter.end()
    return tile


class FaceCrops(QObject):
    ready = Signal(str)  # key: a crop is cached now (or could not be made)

    def __init__(self, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._in_flight: set[str] = set()
        self._failed: set[str] = set()

    def pixmap(self, face: dict[str, Any] | None, side: int) -> QPixmap | None:
        """The cached crop, or None after asking for it (``ready`` fires when it lands)."""
        key = crop_key(face, side) if face else None
        if key is None:
            return None
        found = self._pixmaps.get(key)
        if found is not None:
            self._pixmaps.move_to_end(key)
            return found
        if key not in self._in_flight and key not in self._failed:
            self._in_flight.add(key)
            path, box = face.get("preview") or face["thumbnail"], list(face["box"])
            self._tasks.submit("thumbnails", "face crop", lambda: read_crop(path, box, side),
                               lambda image: self._landed(key, image))
        return None

    def pending(self) -> bool:
        return bool(self._in_flight)

    def _landed(self, key: str, image: QImage) -> None:
        self._in_flight.discard(key)
        if image.isNull():
            self._failed.add(key)
        else:
            self._pixmaps[key] = QPixmap.fromImage(image)
            while len(self._pixmaps) > CAPACITY:
                self._pixmaps.popitem(last=False)
        self.ready.emit(key)

    def clear(self) -> None:
        self._pixmaps.clear()
        self._failed.clear()
