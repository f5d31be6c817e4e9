"""The resume prompt: on start, an analysis that did not finish is offered to be resumed.

A resumed run analyzes only what the interrupted one left (the pipeline skips photos whose
phases are done), so "Resume" is the same folder and phases, analyzed again. "Not now"
(the notice's close button) records the choice: the run is not offered again.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject

from imgengine_gui.engine.runs import InterruptedRun, dismiss, interrupted_run
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.formatting import counted
from imgengine_gui.ui.run_controller import RunController
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import NoticeBar


def offer_text(run: InterruptedRun) -> str:
    name = os.path.basename(run.folder.rstrip(os.sep)) or run.folder
    how = "was stopped" if run.cancelled else "was interrupted"
    text = f"The last analysis of “{name}” {how}"
    if run.planned and run.analyzed is not None:
        text += f" after {run.analyzed:,} of {counted(run.planned, 'photo')}"
    elif run.planned:
        text += f" with {counted(run.planned, 'photo')} to analyze"
    return text + ". Resume it? Photos already analyzed are kept."


class ResumeOffer(QObject):
    def __init__(self, tasks: TaskRunner, catalog: Path, notice: NoticeBar, runs: RunController,
                 guard: CatalogGuard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._catalog, self._notice, self._runs, self._guard = (
            tasks, catalog, notice, runs, guard
        )
        self.offered: InterruptedRun | None = None
        notice.close_button.clicked.connect(self._declined)
        runs.started.connect(self._superseded)

    def check(self) -> None:
        if self._guard.read_only:
            return
        catalog = self._catalog
        self._tasks.submit("reads", "resume-check", lambda: interrupted_run(catalog),
                           self._offer, lambda _message: None)

    def _offer(self, found: InterruptedRun | None) -> None:
        if found is None or self._runs.running:
            return
        self.offered = found
        self._notice.show_message(offer_text(found), "Resume", self.resume, persistent=True)

    def resume(self) -> None:
        found, self.offered = self.offered, None
        if found is not None:
            self._runs.start(found.folder, tuple(found.phases) or None)

    def _superseded(self) -> None:
        """Another analysis started: the offer is moot (the new run is the last one now)."""
        if self.offered is not None:
            self.offered = None
            self._notice.hide()

    def _declined(self) -> None:
        found, self.offered = self.offered, None
        if found is None:
            return
        catalog = self._catalog
        self._tasks.submit("library", "resume-dismiss", lambda: dismiss(catalog, found.run_id),
                           None, lambda _message: None)
