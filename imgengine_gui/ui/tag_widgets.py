"""Small widgets of the personal-tag views: a photo card (thumbnail, caption, controls below)
and the grid model that captions each photo with its confidence."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFontMetrics, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from imgengine_gui.ui.formatting import tooltip
from imgengine_gui.ui.models import PhotoGridModel, RowSource
from imgengine_gui.ui.thumbnails import ImageLoader, image_key

CARD_THUMB = 128


def percent(confidence: float) -> str:
    # Floor, so that a "maybe" (below 0.5) never reads 50 %.
    return f"{int(confidence * 100)} %"


class PhotoCard(QFrame):
    """One photo: its thumbnail (loaded off the UI thread), a caption, then any controls."""

    def __init__(self, loader: ImageLoader, photo_id: int, path: str, thumb: str | None,
                 caption: str, side: int = CARD_THUMB, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.photo_id, self.path = photo_id, path
        self._loader, self._thumb, self._side = loader, thumb, side
        self.image = QLabel()
        self.image.setFixedSize(side, side)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setToolTip(tooltip(path))
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setText(
            QFontMetrics(self.caption.font()).elidedText(caption, Qt.TextElideMode.ElideMiddle, side)
        )
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.caption.setFixedWidth(side)
        self.caption.setToolTip(tooltip(path))
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(6, 6, 6, 6)
        self.box.setSpacing(4)
        self.box.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        if thumb:
            loader.ready.connect(self._ready)
            self._show(loader.pixmap(thumb, side))
        else:
            self.image.setText("No preview")

    def _ready(self, key: str) -> None:
        if self._thumb and key == image_key(self._thumb, self._side):
            self._show(self._loader.pixmap(self._thumb, self._side))

    def _show(self, pixmap: QPixmap | None) -> None:
        if pixmap is not None and not pixmap.isNull():
            self.image.setPixmap(pixmap)
        elif self._thumb and self._loader.failed(self._thumb, self._side):
            self.image.setText("No preview")

    @property
    def loaded(self) -> bool:
        return not self._thumb or self._loader.cached(self._thumb, self._side) or self._loader.failed(
            self._thumb, self._side
        )


class TagPhotosModel(PhotoGridModel):
    """The grid model, each photo captioned with its confidence ("example" for the examples)
    instead of its name."""

    def __init__(self, source: RowSource, parent: QObject | None = None) -> None:
        super().__init__(source, parent)
        self.captions: dict[int, str] = {}

    def set_photos(self, photos: list[Any]) -> None:
        """``photos``: engine ``TagPhoto``s, in the order shown."""
        self.captions = {
            p.photo_id: "example" if p.example else percent(p.confidence) for p in photos
        }
        self.set_ids([p.photo_id for p in photos])

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        value = super().data(index, role)
        if role == Qt.ItemDataRole.DisplayRole and value is not None:
            return self.captions.get(self.photo_id(index.row()), value)  # the name: its tooltip
        return value
