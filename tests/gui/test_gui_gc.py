"""Cyclic garbage is collected on the UI thread, by the app's timer, never on a worker thread."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from imgengine_gui.ui.main_thread_gc import MainThreadGC


class _Cycle:
    freed_on: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread().name)


def test_cycles_are_collected_by_the_ui_threads_timer(qtbot):
    host = QObject()
    guard = MainThreadGC(host, interval_ms=20)
    assert not gc.isenabled() and guard.timer.isActive()
    _Cycle.freed_on.clear()

    def make_garbage() -> None:  # on a worker thread, past the youngest generation's threshold
        for _ in range(gc.get_threshold()[0] * 3):
            _Cycle()

    worker = threading.Thread(target=make_garbage, name="worker")
    worker.start()
    worker.join()
    assert _Cycle.freed_on == []  # the worker allocated past the threshold: nothing collected
    qtbot.waitUntil(lambda: len(_Cycle.freed_on) > 0, timeout=5000)
    assert set(_Cycle.freed_on) == {threading.main_thread().name}
    host.deleteLater()
    qtbot.waitUntil(gc.isenabled, timeout=5000)  # the guard gone: the collector is back
    gc.disable()  # as the autouse fixture expects until its teardown
