"""Asynchronous image loading for the grid, the duplicates view and the detail preview.

Files are decoded into QImages on the ``thumbnails`` task lane (QImage is safe off the UI
thread; QPixmap is not), handed back like every task result, and kept as QPixmaps in a bounded
LRU. The newest request is served first, so the rows on screen load before the ones scrolled past.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

from imgengine_gui.ui.tasks import TaskRunner

DEFAULT_CAPACITY = 2000
DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024
MAX_QUEUED = 600


def image_key(path: str, side: int) -> str:
    """Cache key of ``path`` scaled to fit ``side`` pixels (0 = as stored)."""
    return f"{side}:{path}"


def _read_image(path: str, side: int) -> QImage:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    if side > 0:
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > side:
            size.scale(side, side, Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(size)
    return reader.read()


class ImageLoader(QObject):
    ready = Signal(str)  # key: a pixmap is in the cache now (or the file could not be read)

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        capacity: int = DEFAULT_CAPACITY,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self.capacity = capacity
        self.budget_bytes = budget_bytes
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._bytes = 0
        self._failed: set[str] = set()
        self._queued: deque[tuple[str, str, int]] = deque()
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    # -- UI thread --------------------------------------------------------------------------
    def pixmap(self, path: str, side: int) -> QPixmap | None:
        """The cached pixmap, or None after queueing a load (``ready`` fires when it lands)."""
        key = image_key(path, side)
        found = self._pixmaps.get(key)
        if found is not None:
            self._pixmaps.move_to_end(key)
            return found
        if key in self._failed:
            return None
        with self._lock:
            if key in self._in_flight:
                return None
            self._in_flight.add(key)
            self._queued.append((key, path, side))
            while len(self._queued) > MAX_QUEUED:
                dropped = self._queued.popleft()
                self._in_flight.discard(dropped[0])
        self._tasks.submit("thumbnails", "thumbnail", self._load_newest, self._on_loaded)
        return None

    def cached(self, path: str, side: int) -> bool:
        """Whether a pixmap is cached (without queueing a load)."""
        return image_key(path, side) in self._pixmaps

    def failed(self, path: str, side: int) -> bool:
        return image_key(path, side) in self._failed

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def clear(self) -> None:
        self._pixmaps.clear()
        self._failed.clear()
        self._bytes = 0

    def shutdown(self) -> None:
        """Forget queued loads (the task runner's shutdown waits for the running ones)."""
        with self._lock:
            self._queued.clear()
            self._in_flight.clear()

    def _on_loaded(self, loaded: tuple[str, QImage] | None) -> None:
        if loaded is None:
            return
        key, image = loaded
        with self._lock:
            self._in_flight.discard(key)
        if image.isNull():
            self._failed.add(key)
        else:
            pixmap = QPixmap.fromImage(image)
            self._pixmaps[key] = pixmap
            self._bytes += _cost(pixmap)
            self._evict()
        self.ready.emit(key)

    def _evict(self) -> None:
        while self._pixmaps and (
            len(self._pixmaps) > self.capacity or self._bytes > self.budget_bytes
        ):
            _, oldest = self._pixmaps.popitem(last=False)
            self._bytes -= _cost(oldest)

    # -- the thumbnails lane ------------------------------------------------------------------
    def _load_newest(self) -> tuple[str, QImage] | None:
        with self._lock:
            if not self._queued:
                return None  # dropped (too many queued) or shut down
            key, path, side = self._queued.pop()
        return key, _read_image(path, side)


def _cost(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * 4
