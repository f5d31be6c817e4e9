"""Python's cyclic garbage collection only on the UI thread.

Automatic collection runs in whichever thread happens to allocate. When it frees a Qt object
that Python owns (a widget or timer without a parent, caught in a reference cycle) on a worker
thread, that object's timers stay registered with the UI thread's event loop, and a later timer
event reaches freed memory: a segfault in ``QTimerInfoList::activateTimers``. So automatic
collection is switched off while the window runs and a UI-thread timer collects instead (the
pattern of pyqtgraph's ``GarbageCollector``).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> None:
        """Collect the oldest generation whose allocation count passed its threshold."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [g for g in (2, 1, 0) if thresholds[g] and counts[g] > thresholds[g]]
        if due:
            gc.collect(due[0])
