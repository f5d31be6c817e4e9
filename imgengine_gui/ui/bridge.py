"""The one place where work done off the UI thread becomes Qt signals.

Engine callbacks (progress from decode/device threads, results of worker jobs, images decoded in
the loader pool) call the ``report_*`` methods from whatever thread they run on. Each method emits
a signal of ``EngineBridge``, which lives on the UI thread; widgets connect with
``connect_queued`` so their slots always run on the UI thread, never on the caller's.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance

from imgengine_gui.engine.progress import ProgressEvent, RunSummary

PROGRESS_INTERVAL_S = 0.1


def describe_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if text else type(exc).__name__


def connect_queued(signal: SignalInstance, slot: Callable[..., Any]) -> None:
    """Connect so that ``slot`` runs on its receiver's (the UI) thread, whoever emits."""
    signal.connect(slot, Qt.ConnectionType.QueuedConnection)


class EngineBridge(QObject):
    progressed = Signal(object)  # ProgressEvent
    finished = Signal(object)  # RunSummary
    failed = Signal(str)
    task_finished = Signal(str, object)  # tag, result
    task_failed = Signal(str, str)  # tag, message
    image_loaded = Signal(str, object)  # key, QImage (null when unreadable)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._last_stage: str | None = None
        self._last_emit = 0.0
        self._async_pool: ThreadPoolExecutor | None = None
        self._async_pending = 0

    # -- analysis ---------------------------------------------------------------------------
    def report_progress(self, event: ProgressEvent) -> None:
        """Progress from any thread, thinned to ~10 signals/s; stage changes and ends always pass."""
        now = time.monotonic()
        with self._lock:
            boundary = event.stage != self._last_stage or event.done >= event.total
            if not boundary and now - self._last_emit < PROGRESS_INTERVAL_S:
                return
            self._last_stage, self._last_emit = event.stage, now
        self.progressed.emit(event)

    def report_finished(self, summary: RunSummary) -> None:
        with self._lock:
            self._last_stage = None
        self.finished.emit(summary)

    def report_failed(self, message: str) -> None:
        with self._lock:
            self._last_stage = None
        self.failed.emit(message)

    # -- short jobs ---------------------------------------------------------------------------
    def report_task(self, tag: str, result: Any) -> None:
        self.task_finished.emit(tag, result)

    def report_task_error(self, tag: str, message: str) -> None:
        self.task_failed.emit(tag, message)

    def report_image(self, key: str, image: Any) -> None:
        self.image_loaded.emit(key, image)

    # -- asyncio (qasync) -----------------------------------------------------------------------
    def run_async(self, tag: str, job: Callable[[], Any]) -> bool:
        """Run ``job`` in a thread awaited on the running asyncio loop (qasync's, on the Qt loop).

        Returns False when no asyncio loop runs (e.g. under a plain QApplication): the caller then
        hands the job to a worker thread instead.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._async_pool is None:
            self._async_pool = ThreadPoolExecutor(1, thread_name_prefix="ui-async")
        pool = self._async_pool
        self._async_pending += 1

        async def run() -> None:
            try:
                result = await loop.run_in_executor(pool, job)
            except Exception as exc:
                self.report_task_error(tag, describe_error(exc))
            else:
                self.report_task(tag, result)
            finally:
                self._async_pending -= 1

        loop.create_task(run())
        return True

    @property
    def async_busy(self) -> bool:
        return self._async_pending > 0

    def shutdown(self) -> None:
        if self._async_pool is not None:
            self._async_pool.shutdown(wait=False, cancel_futures=True)
            self._async_pool = None
