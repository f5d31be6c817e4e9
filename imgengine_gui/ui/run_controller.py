"""Analysis runs from the window: start, cancel, live progress; one run at a time."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.settings import PHASES, Settings
from imgengine_gui.ui import ui_state
from imgengine_gui.ui.actions import Actions
from imgengine_gui.ui.bridge import EngineBridge, ProgressThrottle
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.status import RunProgress, summary_text, warmup_kind, warmup_reason
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import NoticeBar


class RunController(QObject):
    started = Signal()
    finished = Signal(object)  # RunSummary, after the progress shows it
    failed = Signal(str)

    def __init__(self, tasks: TaskRunner, bridge: EngineBridge, catalog: Path,
                 settings: Callable[[], Settings], actions: Actions, progress: RunProgress,
                 notice: NoticeBar, guard: CatalogGuard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._bridge, self._catalog, self._settings = tasks, bridge, catalog, settings
        self._actions, self._progress, self._notice, self._guard = actions, progress, notice, guard
        self.phases: tuple[str, ...] = PHASES
        self._cancel: threading.Event | None = None
        self._warmup_kind = ""
        actions.cancel.setEnabled(False)

    @property
    def running(self) -> bool:
        return self._cancel is not None

    @property
    def cancelling(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def start(self, folder: str | Path, phases: tuple[str, ...] | None = None) -> bool:
        if not self._can_start():
            return False
        folder = str(Path(folder).expanduser().resolve())
        if not os.path.isdir(folder):
            self._notice.show_message(f"Not a folder: {folder}")
            return False
        ui_state.remember_folder(folder)
        request = AnalyzeRequest(Path(folder), self._catalog, self._settings(),
                                 tuple(phases or self.phases))
        return self.start_run(
            f"Scanning {folder}",
            lambda progress, cancel: analyze_folder(request, on_progress=progress, cancel=cancel),
            request.phases,
        )

    def start_run(self, message: str, run: Callable[[Any, threading.Event], RunSummary],
                  phases: tuple[str, ...] | None = None) -> bool:
        """Run ``run(on_progress, cancel)`` (an engine call returning a RunSummary) as the run."""
        if not self._can_start():
            return False
        settings = self._settings()
        self._progress.start_run(warmup_reason(settings, tuple(phases or self.phases)))
        self._warmup_kind = warmup_kind(settings)
        cancel = self._cancel = threading.Event()
        progress = ProgressThrottle(self._bridge, self._on_progress)
        self._actions.analyze.setEnabled(False)
        self._actions.cancel.setEnabled(True)
        self._progress.show_event(ProgressEvent("scan", 0, 0, message=message))
        self._tasks.submit(
            "analysis", "analysis", lambda: run(progress, cancel), self._on_done, self._on_error
        )
        self.started.emit()
        return True

    def _can_start(self) -> bool:
        if self.running:
            self._notice.show_message("An analysis is already running; cancel it first.")
            return False
        return not self._guard.refuse_write()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._actions.cancel.setEnabled(False)
            self._progress.show_stopping()

    def forget(self) -> None:
        """Stop waiting for a run that did not stop in time (its thread still ends on its own)."""
        if self._cancel is not None:
            self._cancel.set()
        self._ended()

    def _on_progress(self, event: ProgressEvent) -> None:
        if self.running and not self.cancelling:
            self._progress.show_event(event)

    def _ended(self) -> None:
        self._cancel = None
        self._actions.analyze.setEnabled(True)
        self._actions.cancel.setEnabled(False)

    def _on_done(self, summary: RunSummary) -> None:
        if self._progress.warmup_s is not None:  # what compile (or int8, TensorRT) cost here
            ui_state.remember_warmup(self._warmup_kind, self._progress.warmup_s)
        self._ended()
        self._progress.show_done(summary_text(summary))
        self.finished.emit(summary)

    def _on_error(self, message: str) -> None:
        self._ended()
        self._progress.show_done("Analysis failed")
        self._notice.show_message(f"The analysis stopped: {message}")
        self.failed.emit(message)
