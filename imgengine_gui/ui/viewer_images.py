"""The viewer's decoded photos: decoded on the ``viewer`` task lane, kept in a small LRU.

A request names a photo and the box it must fill; the decode (``analysis.display``) runs off
the UI thread, its QImage comes back through the task runner, and ``ready`` tells the viewer.
Neighbours are requested the same way ahead of time (prefetch), so stepping shows them at once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from imgengine_gui.analysis.display import decode_for_display
from imgengine_gui.ui.cutout_view import pil_to_qimage
from imgengine_gui.ui.tasks import TaskRunner

CAPACITY = 6  # the photo shown, its neighbours and a full-resolution copy or two


@dataclass(frozen=True)
class ViewerPhoto:
    photo_id: int
    path: str
    size: tuple[int, int] | None  # as displayed (EXIF orientation applied), when known


@dataclass
class Decoded:
    image: QImage
    full_size: tuple[int, int]  # the photo's own size, upright

    @property
    def full(self) -> bool:
        """The photo at its own resolution: nothing more to gain by decoding again."""
        return max(self.image.width(), self.image.height()) >= max(self.full_size)


Key = tuple[str, int]  # path, long side asked for


def decode_job(photo: ViewerPhoto, box: tuple[int, int]) -> Decoded:
    """Runs on the viewer lane: the photo upright, reduced to fill ``box``."""
    decoded = decode_for_display(photo.path, box, photo.size)
    (width, height), (stored_w, stored_h) = decoded.image.size, decoded.stored_size
    turned = (width > height) != (stored_w > stored_h)
    return Decoded(pil_to_qimage(decoded.image), (stored_h, stored_w) if turned else (stored_w, stored_h))


class ViewerImages(QObject):
    ready = Signal(str)  # path: a decode of it landed (or failed)

    def __init__(self, tasks: TaskRunner, capacity: int = CAPACITY,
                 decode: Callable[[ViewerPhoto, tuple[int, int]], Decoded] = decode_job,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self.capacity, self.decode = tasks, capacity, decode
        self._images: OrderedDict[Key, Decoded] = OrderedDict()
        self._in_flight: set[Key] = set()
        self.errors: dict[str, str] = {}  # path -> why it could not be decoded

    def best(self, path: str) -> Decoded | None:
        """The largest decode of ``path`` held, marked as recently used."""
        found = [key for key in self._images if key[0] == path]
        if not found:
            return None
        key = max(found, key=lambda k: k[1])
        self._images.move_to_end(key)
        return self._images[key]

    def request(self, photo: ViewerPhoto, box: tuple[int, int]) -> None:
        """Decode ``photo`` to fill ``box`` unless a large enough decode is held or coming."""
        key = (photo.path, max(box))
        if photo.path in self.errors or key in self._in_flight:
            return
        held = [k for k in self._images if k[0] == photo.path]
        if any(k[1] >= key[1] or self._images[k].full for k in held):
            return
        self._in_flight.add(key)
        self._tasks.submit(
            "viewer", f"viewer/{photo.photo_id}", lambda: self.decode(photo, box),
            lambda decoded: self._landed(key, decoded), lambda error: self._failed(key, error),
        )  # fmt: skip

    def pending(self) -> int:
        return len(self._in_flight)

    def _landed(self, key: Key, decoded: Decoded) -> None:
        self._in_flight.discard(key)
        self._images[key] = decoded
        self._images.move_to_end(key)
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)
        self.ready.emit(key[0])

    def _failed(self, key: Key, error: str) -> None:
        self._in_flight.discard(key)
        self.errors[key[0]] = error
        self.ready.emit(key[0])

    def held(self) -> list[Key]:
        """What the cache holds, oldest first (tests check the prefetch and the eviction)."""
        return list(self._images)
