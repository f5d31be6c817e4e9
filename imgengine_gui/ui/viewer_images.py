"""The viewer's decoded photos: decoded on the ``viewer`` task lane, kept in a small LRU.

A request names a photo and the box it must fill; the decode (``analysis.display``) runs off
the UI thread, its QImage comes back through the task runner, and ``ready`` tells the viewer.
Neighbours are requested the same way ahead of time (prefetch), so stepping shows them at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from imgengine_gui.analysis.display import decode_for_display, long_side_to_fill
from imgengine_gui.common.text import one_line
from imgengine_gui.ui.cutout_view import pil_to_qimage
from imgengine_gui.ui.tasks import TaskRunner

CAPACITY = 6  # the photo shown, its neighbours and a full-resolution copy or two
BUDGET_BYTES = 512 * 1024 * 1024  # full-size decodes are large: fewer of them are kept
MAX_QUEUED = 8  # requests waiting for the viewer lane; older ones are dropped


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
    def long_side(self) -> int:
        return max(self.image.width(), self.image.height())

    @property
    def full(self) -> bool:
        """The photo at its own resolution: nothing more to gain by decoding again."""
        return self.long_side >= max(self.full_size)


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
                 budget_bytes: int = BUDGET_BYTES, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self.capacity, self.decode = tasks, capacity, decode
        self.budget_bytes = budget_bytes
        self._images: OrderedDict[Key, Decoded] = OrderedDict()
        self._in_flight: set[Key] = set()
        self._queue: deque[tuple[Key, ViewerPhoto, tuple[int, int]]] = deque()
        self._lock = threading.Lock()
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
        """Decode ``photo`` to fill ``box`` unless a large enough decode is held or coming.
        The newest request runs first: stepping quickly never waits for photos skipped past."""
        key = (photo.path, long_side_to_fill(box, photo.size))
        if photo.path in self.errors or key in self._in_flight:
            return
        for held_key, held in self._images.items():
            if held_key[0] == photo.path and (held.full or held.long_side >= key[1]):
                return
        with self._lock:
            self._in_flight.add(key)
            self._queue.append((key, photo, box))
            while len(self._queue) > MAX_QUEUED:
                self._in_flight.discard(self._queue.popleft()[0])
        self._tasks.submit("viewer", f"viewer/{photo.photo_id}", self._decode_newest,
                           self._landed)

    def pending(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def _decode_newest(self) -> tuple[Key, Decoded | None, str | None] | None:
        """On the viewer lane."""
        with self._lock:
            if not self._queue:
                return None  # dropped as too old
            key, photo, box = self._queue.pop()
        try:
            return key, self.decode(photo, box), None
        except Exception as exc:  # one unreadable photo: said in the viewer, nothing else stops
            return key, None, one_line(exc) or type(exc).__name__

    def _landed(self, result: tuple[Key, Decoded | None, str | None] | None) -> None:
        if result is None:
            return
        key, decoded, error = result
        with self._lock:
            self._in_flight.discard(key)
        if decoded is None:
            self.errors[key[0]] = error or "cannot decode"
        else:
            self._images[key] = decoded
            self._images.move_to_end(key)
            while len(self._images) > 1 and (
                len(self._images) > self.capacity or self._bytes() > self.budget_bytes
            ):
                self._images.popitem(last=False)
        self.ready.emit(key[0])

    def _bytes(self) -> int:
        return sum(held.image.sizeInBytes() for held in self._images.values())

    def held(self) -> list[Key]:
        """What the cache holds, oldest first (tests check the prefetch and the eviction)."""
        return list(self._images)
