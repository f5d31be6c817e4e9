"""The window's analysis runs: start, cancel, live progress and the grid filling in meanwhile."""

from __future__ import annotations

import os
import time
from pathlib import Path

from imgengine_gui.engine.pipeline import AnalyzeRequest
from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.ui import ui_state
from imgengine_gui.ui.status import summary_text

LIVE_RELOAD_MS = 500


class AnalysisMixin:
    """Part of MainWindow (uses its widgets, workers and catalog source)."""

    def _live_reload(self) -> None:
        started = time.perf_counter()
        counts = self.source.counts()
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
        if self.analysis.running and not self.analysis.cancelling:
            self.progress.show_event(event)

    def _on_finished(self, summary: RunSummary) -> None:
        self._analysis_ended()
        self.last_summary = summary
        self.progress.show_done(summary_text(summary))
        notes = "\n".join(summary.notes)
        self.runtime_label.setToolTip(
            (self.runtime or {}).get("detail", "") + ("\n\nLast run:\n" + notes if notes else "")
        )
        self.source.close()  # the first run creates the catalog; reopen to see it
        self.reload_all()
        if summary.problems:
            self.problems.show()

    def _on_failed(self, message: str) -> None:
        self._analysis_ended()
        self.progress.show_done("Analysis failed")
        self.notice.show_message(f"The analysis stopped: {message}")

    def _analysis_ended(self) -> None:
        self.analysis.mark_idle()
        self.live_timer.stop()
        self.actions.analyze.setEnabled(True)
        self.actions.cancel.setEnabled(False)

