"""Worker QObjects hosted on their own QThreads: analysis runs, and short jobs (trash, undo,
keeper changes, cutouts, searches). Results go out only through the ``EngineBridge``."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.ui.bridge import EngineBridge, connect_queued, describe_error

_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Worker threads still running (tests assert this is empty after a window closes)."""
    return [thread for thread in list(_threads) if thread.isRunning()]


class Worker(QObject):
    """Runs submitted callables one after another on its own thread."""

    _job_posted = Signal(str, object)

    def __init__(self, name: str, bridge: EngineBridge) -> None:
        super().__init__()
        self.bridge = bridge
        self._pending = 0
        self._lock = threading.Lock()
        self.thread_ = QThread()
        self.thread_.setObjectName(name)
        _threads.add(self.thread_)
        self.moveToThread(self.thread_)
        connect_queued(self._job_posted, self._run_job)
        self.thread_.start()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._pending > 0

    def submit(self, tag: str, job: Callable[[], Any]) -> None:
        """Run ``job`` on this worker; its result or error arrives as bridge.task_finished/failed."""
        with self._lock:
            self._pending += 1
        self._job_posted.emit(tag, job)

    @Slot(str, object)
    def _run_job(self, tag: str, job: Callable[[], Any]) -> None:
        try:
            result = job()
        except Exception as exc:
            self.bridge.report_task_error(tag, describe_error(exc))
        else:
            self.bridge.report_task(tag, result)
        finally:
            with self._lock:
                self._pending -= 1

    def stop(self) -> None:
        if self.thread_.isRunning():
            self.thread_.quit()
            self.thread_.wait()


class AnalysisWorker(Worker):
    """Runs ``analyze_folder`` with a cancel Event; progress and the summary go through the bridge."""

    _analysis_posted = Signal(object, object)

    def __init__(self, bridge: EngineBridge) -> None:
        super().__init__("analysis", bridge)
        self._cancel: threading.Event | None = None
        connect_queued(self._analysis_posted, self._analyze)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    @property
    def cancelling(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def start(self, request: AnalyzeRequest) -> None:
        if self._cancel is not None:
            raise RuntimeError("an analysis is already running")
        self._cancel = threading.Event()
        self._analysis_posted.emit(request, self._cancel)

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def mark_idle(self) -> None:
        """Called on the UI thread once finished/failed arrived."""
        self._cancel = None

    @Slot(object, object)
    def _analyze(self, request: AnalyzeRequest, cancel: threading.Event) -> None:
        try:
            summary = analyze_folder(
                request, on_progress=self.bridge.report_progress, cancel=cancel
            )
        except Exception as exc:
            self.bridge.report_failed(describe_error(exc))
        else:
            self.bridge.report_finished(summary)

    def stop(self) -> None:
        self.cancel()
        super().stop()
