"""The Models dialog: what serves each ML task; download, use or remove a full-tier model.

This is the one place the app goes online, and only when the user clicks Download. Statuses,
downloads, folder checks and removals run on the ``models`` lane of the TaskRunner; download
progress crosses into Qt through the bridge. After a change, the dialog offers to re-analyze the
photos whose results came from another model (``engine.reanalyze.photos_due_for_models``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.engine.model_download import DownloadProgress, download_models
from imgengine_gui.engine.models import (
    DOWNLOADABLE,
    SETTING,
    ModelStatus,
    full_tier_installed,
    model_statuses,
)
from imgengine_gui.engine.models import remove_model as remove_engine_model
from imgengine_gui.engine.models import use_local_folder as use_engine_folder
from imgengine_gui.engine.reanalyze import photos_due_for_models
from imgengine_gui.ml.model_store import Installed
from imgengine_gui.settings import Settings
from imgengine_gui.ui.bridge import EngineBridge
from imgengine_gui.ui.detail import plain_label
from imgengine_gui.ui.formatting import duration, file_size
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import ask

TITLES = {
    "scenes": "Scenes and text search",
    "objects": "Objects and people",
    "faces": "Faces",
    "segmentation": "Background removal",
}
STAGES = {
    "checking": "Looking up",
    "ready": "Ready",
    "downloading": "Downloading",
    "verifying": "Checking",
    "publishing": "Installing",
    "installed": "Installed",
}
COLUMNS = ("Task", "Serving now", "Full-tier model", "Status", "Size")


def model_source(settings: Settings) -> str:
    """Where downloads come from: the mirror folder, HF_ENDPOINT, or the Hugging Face hub."""
    mirror = settings.model_mirror.strip()
    return mirror or os.environ.get("HF_ENDPOINT", "").rstrip("/") or "https://huggingface.co"


def online_note(endpoint: str) -> str:
    return (
        "Image Engine works offline. This dialog is the only place where it goes online, and "
        f"only when you click Download: models come from {endpoint}. Your photos never leave "
        "this computer."
    )


def reanalyze_text(count: int) -> str:
    return f"Re-analyze {count} photo{'s' if count != 1 else ''} with the new models"


@dataclass(frozen=True)
class RowData:
    status: ModelStatus
    full: Installed | None  # the task's full-tier model on this machine
    settings: Settings


def read_rows(settings: Settings) -> list[RowData]:
    return [
        RowData(status, full_tier_installed(status.task, settings), settings)
        for status in model_statuses(settings)
    ]


class _Row:
    def __init__(self, grid: QGridLayout, line: int, task: str, dialog: ModelsDialog) -> None:
        self.labels = [plain_label() for _ in COLUMNS]
        self.labels[0].setText(TITLES.get(task, task))
        for column, label in enumerate(self.labels):
            label.setWordWrap(column == 1)
            if column == 1:  # room for a second line
                label.setMinimumHeight(2 * label.fontMetrics().lineSpacing())
            grid.addWidget(label, line, column)
        self.download = QPushButton("Download")
        self.folder = QPushButton("Use a local folder…")
        self.remove = QPushButton("Remove")
        self.download.clicked.connect(lambda: dialog.download([task]))
        self.folder.clicked.connect(lambda: dialog.use_folder(task))
        self.remove.clicked.connect(lambda: dialog.remove(task))
        buttons = QHBoxLayout()
        for button in (self.download, self.folder, self.remove):
            button.setObjectName(f"{task}{button.text().split()[0]}")
            button.setVisible(task in DOWNLOADABLE)
            buttons.addWidget(button)
        grid.addLayout(buttons, line, len(COLUMNS))

    def show(self, row: RowData, busy: bool) -> None:
        status, full = row.status, row.full
        if full is not None:
            state = "installed" + (f" · {full.revision[:10]}" if full.revision else "")
        elif status.task not in DOWNLOADABLE:
            state = "offline tier (built in)"
        else:
            state = "not installed"
        serving = status.serving
        if status.task == "segmentation" and full is not None and status.tier != "full":
            serving += " (SegFormer: choose it as the cutout model in Settings)"
        model = str(getattr(row.settings, SETTING[status.task])) if status.task in SETTING else "—"
        size = file_size(full.size_bytes) if full is not None else "—"
        for label, text in zip(self.labels[1:], (serving, model, state, size), strict=True):
            label.setText(text)
        self.labels[2].setToolTip(f"Looked in {status.looked_in}")
        self.download.setEnabled(not busy and status.hub_id is not None and full is None)
        self.folder.setEnabled(not busy)
        self.remove.setEnabled(not busy and full is not None)


class ModelsDialog(QDialog):
    changed = Signal()  # a model was installed, chosen or removed: the saved settings may differ
    reanalyze_requested = Signal()

    def __init__(self, tasks: TaskRunner, bridge: EngineBridge, catalog: Path,
                 settings: Callable[[], Settings], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsDialog")
        self.setWindowTitle("Models")
        self.setMinimumWidth(1180)
        # modal, so that it takes input when opened from the (modal) Settings dialog too
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.tasks, self.bridge, self.catalog, self.settings = tasks, bridge, catalog, settings
        self.confirm: Callable[[str, str], bool] = (  # removing a model is final offline
            lambda title, text: ask(self, title, text, default_no=True))
        self.choose_folder: Callable[[str], str | None] = self._choose_folder
        self.statuses: dict[str, RowData] = {}
        self.due = 0
        self._cancel: threading.Event | None = None

        layout = QVBoxLayout(self)
        self.note = plain_label(online_note(model_source(settings())))
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.grid = QGridLayout()
        for column, title in enumerate(COLUMNS):
            header = plain_label(title)
            header.setStyleSheet("font-weight: 600;")
            self.grid.addWidget(header, 0, column)
        self.grid.setColumnStretch(1, 2)
        self.grid.setColumnStretch(2, 2)
        self.rows = {task: _Row(self.grid, i + 1, task, self) for i, task in enumerate(TITLES)}
        layout.addLayout(self.grid)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = plain_label()
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.clicked.connect(self.cancel_download)
        line = QHBoxLayout()
        line.addWidget(self.progress, 1)
        line.addWidget(self.cancel_button)
        layout.addWidget(self.progress_label)
        layout.addLayout(line)
        self.error = plain_label()
        self.error.setObjectName("modelsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #dc2626;")
        layout.addWidget(self.error)

        self.offer = QFrame()
        self.offer.setFrameShape(QFrame.Shape.StyledPanel)
        offer_layout = QHBoxLayout(self.offer)
        self.offer_label = plain_label()
        self.offer_button = QPushButton()
        self.offer_button.setObjectName("reanalyzeButton")
        self.offer_button.clicked.connect(self._reanalyze)
        offer_layout.addWidget(self.offer_label, 1)
        offer_layout.addWidget(self.offer_button)
        layout.addWidget(self.offer)

        self.download_all = QPushButton("Download all")
        self.download_all.setObjectName("downloadAll")
        self.download_all.clicked.connect(lambda: self.download(self._missing()))
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_all)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        # Return closes: a download starts only from a click (or Space) on its own button
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        close.setDefault(True)
        close.setFocus()
        self._show_progress_line(False)
        self.offer.hide()
        self.refresh()

    # -- state ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def refresh(self) -> None:
        """Statuses (and the re-analyze offer) read again, off the UI thread."""
        settings, catalog = self.settings(), self.catalog

        def job() -> tuple[list[RowData], int]:
            due = photos_due_for_models(catalog, settings) if catalog.exists() else 0
            return read_rows(settings), due

        self.tasks.submit("models", "model statuses", job, self._show_statuses, self._show_error)

    def _show_statuses(self, found: tuple[list[RowData], int]) -> None:
        rows, self.due = found
        self.statuses = {row.status.task: row for row in rows}
        for task, row in self.rows.items():
            if task in self.statuses:
                row.show(self.statuses[task], self.busy)
        self.download_all.setEnabled(not self.busy and bool(self._missing()))
        self.offer.setVisible(self.due > 0 and not self.busy)
        self.offer_label.setText(
            f"{self.due} photos were analyzed with other models than the ones serving now."
        )
        self.offer_button.setText(reanalyze_text(self.due))

    def _missing(self) -> list[str]:
        return [t for t, r in self.statuses.items() if r.status.hub_id is not None and not r.full]

    # -- actions ----------------------------------------------------------------------------------
    def download(self, tasks: list[str]) -> None:
        if self.busy or not tasks:
            return
        cancel = self._cancel = threading.Event()
        settings = self.settings()
        self._begin(f"Looking up {', '.join(tasks)} on {model_source(settings)}…")

        def on_progress(event: DownloadProgress) -> None:
            self.bridge.post(self._show_progress, event)

        def job():
            try:
                return download_models(tasks, settings, on_progress=on_progress, cancel=cancel)
            except Exception as exc:
                raise RuntimeError(download_failure(exc)) from exc

        self.tasks.submit("models", "download models", job, self._downloaded, self._failed)

    def cancel_download(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.progress_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)

    def use_folder(self, task: str) -> None:
        folder = self.choose_folder(task)
        if not folder or self.busy:
            return
        self._cancel = threading.Event()
        self._begin(f"Loading the model in {folder}…")
        self.tasks.submit(
            "models", "use model folder", lambda: use_engine_folder(task, Path(folder)),
            lambda answer: self._finished(f"{TITLES[task]} now uses {folder} ({answer})."),
            self._failed,
        )  # fmt: skip

    def remove(self, task: str) -> None:
        row = self.statuses.get(task)
        if row is None or row.full is None or self.busy:
            return
        what = row.full.repo_id or row.full.path
        text = f"Remove {what} from this computer? {TITLES[task]} goes back to the offline tier."
        if not self.confirm("Remove model", text):
            return
        self._cancel = threading.Event()
        settings = self.settings()
        self._begin(f"Removing {what}…")
        self.tasks.submit(
            "models", "remove model", lambda: remove_engine_model(task, settings),
            lambda message: self._finished(message[:1].upper() + message[1:] + "."), self._failed,
        )  # fmt: skip

    def _reanalyze(self) -> None:
        self.reanalyze_requested.emit()
        self.offer.hide()

    # -- results ----------------------------------------------------------------------------------
    def _begin(self, message: str) -> None:
        self.error.clear()
        self.offer.hide()
        self.progress.setValue(0)
        self.progress_label.setText(message)
        self.cancel_button.setEnabled(True)
        self._show_progress_line(True)
        for row in self.rows.values():
            for button in (row.download, row.folder, row.remove):
                button.setEnabled(False)
        self.download_all.setEnabled(False)

    def _show_progress(self, event: DownloadProgress) -> None:
        if self._cancel is None or self._cancel.is_set():
            return
        if event.total_bytes:
            self.progress.setValue(int(1000 * event.done_bytes / event.total_bytes))
        self.progress_label.setText(progress_text(event))

    def _downloaded(self, results) -> None:
        names = ", ".join(f"{r.task} ({r.repo_id}, {file_size(r.size_bytes)})" for r in results)
        self._finished(f"Installed {names}.")

    def _finished(self, message: str) -> None:
        self._cancel = None
        self.progress.setValue(1000)
        self.progress_label.setText(message)
        self.cancel_button.hide()
        self.changed.emit()
        self.refresh()

    def _failed(self, message: str) -> None:
        self._cancel = None
        self._show_progress_line(False)
        self.error.setText(message)
        self._show_statuses((list(self.statuses.values()), self.due))  # the buttons again
        self.refresh()

    def _show_error(self, message: str) -> None:
        self.error.setText(f"Could not read the models: {message}")

    def _show_progress_line(self, visible: bool) -> None:
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(visible)

    def _choose_folder(self, task: str) -> str | None:
        chosen = QFileDialog.getExistingDirectory(
            self, f"Model folder for {TITLES[task].lower()}", str(Path.home())
        )
        return chosen or None


def progress_text(event: DownloadProgress) -> str:
    stage = STAGES.get(event.stage, event.stage.capitalize())
    if event.stage != "downloading":
        return event.message or f"{stage} {event.task}".strip()
    text = f"{stage} {event.task}: {file_size(event.done_bytes)} of {file_size(event.total_bytes)}"
    if event.bytes_per_s:
        text += f" · {file_size(int(event.bytes_per_s))}/s"
    if event.eta_s is not None:
        text += f" · {duration(event.eta_s)} left"
    return text


def download_failure(exc: BaseException) -> str:
    """One line for a failed download, as the dialog shows it."""
    from imgengine_gui.engine import model_download as md

    if isinstance(exc, md.HubUnreachable):
        return f"Could not reach the model hub: {exc}; nothing was changed."
    if isinstance(exc, md.DownloadCancelled):
        return "Download cancelled; nothing was changed (the next download resumes)."
    if isinstance(exc, md.NotEnoughSpace | md.DiskFull):
        return f"Not enough disk space: {exc}"
    return f"The download failed: {exc}"
