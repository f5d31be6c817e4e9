"""The status bar's "Models: …" label: which tier and runtime the next run would use."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.settings import Settings
from imgengine_gui.ui.formatting import tooltip
from imgengine_gui.ui.status import describe_runtime, runtime_text
from imgengine_gui.ui.tasks import TaskRunner


class RuntimeLabel(QLabel):
    def __init__(self, tasks: TaskRunner) -> None:
        super().__init__("Models: checking…")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._tasks = tasks
        self.runtime: dict | None = None

    def probe(self, settings: Settings) -> None:
        """Ask on the models lane (it imports torch); the label follows when the answer lands."""
        self._tasks.submit("models", "runtime", lambda: describe_runtime(settings),
                           self._show, self._unavailable)

    def _show(self, runtime: dict) -> None:
        self.runtime = runtime
        self.setText(runtime_text(runtime))
        self.setToolTip(tooltip(runtime["detail"]))

    def _unavailable(self, message: str) -> None:
        self.setText("Models: unavailable")
        self.setToolTip(tooltip(message))

    def note_run(self, summary: RunSummary) -> None:
        notes = "\n".join(summary.notes)
        self.setToolTip(tooltip(
            (self.runtime or {}).get("detail", "") + ("\n\nLast run:\n" + notes if notes else "")
        ))
