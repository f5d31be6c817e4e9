"""The window's analysis runs: start, cancel, live progress and the grid filling in meanwhile."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from imgengine_gui.engine.pipeline import AnalyzeRequest
from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.ui import ui_state
from imgengine_gui.ui.formatting import tooltip
from imgengine_gui.ui.status import summary_text

LIVE_RELOAD_MS = 500
CLOSE_GRACE_MS = 10_000  # a closed window waits this long for a cancelled run, then closes anyway


class AnalysisMixin:
    """Part of MainWindow (uses its widgets, workers and catalog source)."""

    def _live_reload(self) -> None:
        if self._shut_down or self._closing:
            return
        version = self.source.data_version()
        if version is not None and version == self._seen_version:
            return  # nothing committed since the last reload
        self._seen_version = version
        started = time.perf_counter()
        self._counts = counts = self.source.counts()
        self.sidebar.set_library(counts["photos"], self.source.folders())
        self.reload_photos()
        cost = time.perf_counter() - started
        # Big libraries: reload less often so the UI thread stays free for input.
        self.live_timer.setInterval(max(LIVE_RELOAD_MS, int(cost * 5000)))

    # -- analysis ---------------------------------------------------------------------------------
    def _analyze_chosen_folder(self) -> None:
        folder = self.choose_folder()
        if folder:
            self.analyze_folder(folder)

    def analyze_folder(self, folder: str | Path, phases: tuple[str, ...] | None = None) -> bool:
        if self.analysis.running:
            self.notice.show_message("An analysis is already running; cancel it first.")
            return False
        if self.guard.refuse_write():
            return False
        folder = str(Path(folder).expanduser().resolve())
        if not os.path.isdir(folder):
            self.notice.show_message(f"Not a folder: {folder}")
            return False
        ui_state.remember_folder(folder)
        request = AnalyzeRequest(Path(folder), self.catalog, self.settings,
                                 tuple(phases or self.analysis_phases))
        self.last_summary = None
        self.actions.analyze.setEnabled(False)
        self.actions.cancel.setEnabled(True)
        self.progress.show_event(ProgressEvent("scan", 0, 0, message=f"Scanning {folder}"))
        self.analysis.start(request)
        self.live_timer.start()
        return True

    def cancel_analysis(self) -> None:
        if self.analysis.running:
            self.analysis.cancel()
            self.actions.cancel.setEnabled(False)
            self.progress.label.setText("Stopping after the current batch…")

    def _on_progress(self, event: ProgressEvent) -> None:
        if self.analysis.running and not self.analysis.cancelling and not self._shut_down:
            self.progress.show_event(event)

    def _on_finished(self, summary: RunSummary) -> None:
        if not self._run_reported():
            return
        self.last_summary = summary
        self.progress.show_done(summary_text(summary))
        notes = "\n".join(summary.notes)
        self.runtime_label.setToolTip(tooltip(
            (self.runtime or {}).get("detail", "") + ("\n\nLast run:\n" + notes if notes else "")
        ))
        self.source.close()  # the first run creates the catalog; reopen to see it
        self.reload_all()
        if summary.problems:
            self.problems.show()
        if summary.failure:  # most photos failed for one outside reason: said once, in a dialog
            self.guard.show_error("The analysis failed", summary.failure)

    def _on_failed(self, message: str) -> None:
        if not self._run_reported():
            return
        self.progress.show_done("Analysis failed")
        self.notice.show_message(f"The analysis stopped: {message}")
        self.guard.show_error("The analysis stopped", message)

    def _run_reported(self) -> bool:
        """The run ended; False when the window is going away and shows nothing more."""
        if self._shut_down:
            return False
        self._analysis_ended()
        if self._closing:
            self.close()
            return False
        return True

    def _analysis_ended(self) -> None:
        self.analysis.mark_idle()
        self.live_timer.stop()
        self.actions.analyze.setEnabled(True)
        self.actions.cancel.setEnabled(False)

    # -- closing ----------------------------------------------------------------------------------
    def _defer_close(self) -> bool:
        """Closing during a run: cancel it and hide now; the window closes when the run reports
        back (or after CLOSE_GRACE_MS), so the UI never blocks on the worker."""
        if not self.analysis.running or self._shut_down:
            return False
        if not self._closing:
            if self.remember:
                self._save_state()
            if self.settings_dialog is not None:
                self.settings_dialog.reject()
            self._closing = True
            self.live_timer.stop()
            self.cancel_analysis()
            self.hide()
            QTimer.singleShot(CLOSE_GRACE_MS, self, self._close_anyway)
        return True

    def _close_anyway(self) -> None:
        if not self._shut_down:
            self.analysis.mark_idle()  # shutdown() still waits for the worker thread to end
            self.close()

    def _disconnect_bridge(self) -> None:
        for signal, slot in (
            (self.bridge.progressed, self._on_progress),
            (self.bridge.finished, self._on_finished),
            (self.bridge.failed, self._on_failed),
            (self.bridge.task_finished, self._on_task),
            (self.bridge.task_failed, self._on_task_failed),
        ):
            with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
                signal.disconnect(slot)
