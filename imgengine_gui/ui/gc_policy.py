"""Python's cyclic garbage collector runs in whichever thread happens to allocate. When it frees a
Qt object there (a window's wrapper caught in a reference cycle), the C++ destructor runs off the
UI thread while the event loop may be delivering that window's events: a rare segfault in
``QGuiApplicationPrivate::sendQWindowEventToQPlatformWindow`` under load. So automatic collection
is switched off and the UI thread collects, by the same generation thresholds, on a timer."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

COLLECT_EVERY_MS = 500


class UiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = COLLECT_EVERY_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.collections = 0
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()
        self.destroyed.connect(gc.enable)

    def collect_due(self) -> None:
        """Collect the oldest generation whose count passed its threshold, as CPython would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [gen for gen in range(3) if counts[gen] > thresholds[gen]]
        if due:
            gc.collect(due[-1])
            self.collections += 1


def collect_on_ui_thread(app: QCoreApplication) -> UiThreadGarbageCollector:
    """Install once per application; later calls return the installed collector."""
    existing = app.findChild(UiThreadGarbageCollector)
    return existing if existing is not None else UiThreadGarbageCollector(app)
