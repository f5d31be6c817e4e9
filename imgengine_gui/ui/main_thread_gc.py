"""Python's cyclic garbage collector, run on the UI thread only.

The collector runs in whichever thread happens to allocate when a generation passes its
threshold. A Qt object caught in a reference cycle (a widget and a lambda connected to one of its
signals) collected on a worker thread is destroyed there, and the UI thread crashes later in its
event loop. So automatic collection is off while the app runs; a timer on the UI thread checks
the same thresholds and collects (the approach calibre takes).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_MS = 500


class MainThreadGC(QObject):
    def __init__(self, parent: QObject, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        self.destroyed.connect(gc.enable)

    @staticmethod
    def check() -> int | None:
        """Collect the oldest generation over its threshold; returns it (None: nothing due)."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
        if not due:
            return None
        gc.collect(due[-1])
        return due[-1]
