"""A reference cycle holding a Qt object, dropped by a worker thread, is freed on the UI thread."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from imgengine_gui.ui.gc_policy import collect_on_ui_thread


def test_a_cycle_left_by_a_worker_is_collected_on_the_ui_thread(qtbot, qapp):
    collector = collect_on_ui_thread(qapp)
    assert collect_on_ui_thread(qapp) is collector and not gc.isenabled()
    freed_in: list[int] = []
    young: list[list[int]] = []  # kept alive, so the allocation count stays past the threshold

    def worker() -> None:
        holder = QObject()
        holder.cycle = holder  # only the cyclic collector can free it
        weakref.finalize(holder, lambda: freed_in.append(threading.get_ident()))
        del holder
        young.extend([i] for i in range(50_000))  # far past generation 0's threshold

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert freed_in == []  # the worker's allocations did not collect it
    qtbot.waitUntil(lambda: bool(freed_in), timeout=10000)
    assert freed_in == [threading.get_ident()]
