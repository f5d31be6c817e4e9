"""The one place where work done off the UI thread crosses into Qt.

Worker threads (tasks, the analysis run's decode and device threads, thumbnail decoding) never
touch a widget. They call ``EngineBridge.post(fn, *args)`` from whatever thread they run on; the
bridge lives on the UI thread and runs ``fn(*args)`` there, in the order posted, through one
queued signal. After ``close()`` nothing more is delivered (a closing window ignores late results).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from imgengine_gui.common.text import one_line
from imgengine_gui.engine.progress import ProgressEvent

PROGRESS_INTERVAL_S = 0.1


def describe_error(exc: BaseException) -> str:
    return one_line(exc) or type(exc).__name__


class EngineBridge(QObject):
    _posted = Signal(object)  # a callable without arguments, run on the UI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the UI thread soon; callable from any thread."""
        if not self._closed:
            self._posted.emit(functools.partial(fn, *args))

    @Slot(object)
    def _deliver(self, call: Callable[[], Any]) -> None:
        if not self._closed:
            call()

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed


class ProgressThrottle:
    """Progress from any thread, thinned to ~10 posts/s; stage changes and ends always pass."""

    def __init__(self, bridge: EngineBridge, show: Callable[[ProgressEvent], None],
                 interval_s: float = PROGRESS_INTERVAL_S) -> None:
        self._bridge, self._show, self._interval = bridge, show, interval_s
        self._lock = threading.Lock()
        self._last_stage: str | None = None
        self._last_post = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        with self._lock:
            boundary = event.stage != self._last_stage or event.done >= event.total
            if not boundary and now - self._last_post < self._interval:
                return
            self._last_stage, self._last_post = event.stage, now
        self._bridge.post(self._show, event)
