"""Re-analyze…: redo chosen phases for every analyzed photo or a selection, with the run's
progress in the status bar (``RunController.start_run`` over ``engine.reanalyze``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from imgengine_gui.engine.reanalyze import reanalyze
from imgengine_gui.ui.detail import plain_label

CHOICES = (
    ("metadata", "Metadata", "dates, camera, places and keywords, read from the files again"),
    ("content", "Content", "thumbnails, duplicates and quality"),
    ("scenes", "Scenes", "scene tags and text search, with the scenes model serving now"),
    ("objects", "Objects", "objects and people, with the detection model serving now"),
    ("faces", "Faces", "face detection (and, after it, people)"),
)
DEFAULT = ("scenes", "objects", "faces")  # what a changed model or setting usually needs


class ReanalyzeDialog(QDialog):
    def __init__(self, paths: list[Path] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reanalyzeDialog")
        self.setWindowTitle("Re-analyze")
        self.paths = paths
        layout = QVBoxLayout(self)
        which = (
            f"the {len(paths)} selected photo{'s' if len(paths) != 1 else ''}"
            if paths is not None else "every analyzed photo"
        )  # fmt: skip
        self.question = plain_label(f"Redo these parts of the analysis for {which}:")
        layout.addWidget(self.question)
        self.boxes: dict[str, QCheckBox] = {}
        for name, title, text in CHOICES:
            box = QCheckBox(f"{title}: {text}")
            box.setObjectName(f"redo_{name}")
            box.setChecked(name in DEFAULT)
            box.toggled.connect(self._update)
            self.boxes[name] = box
            layout.addWidget(box)
        note = plain_label("Photos keep their current results until the new ones are in.")
        note.setEnabled(False)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start = self.buttons.addButton("Re-analyze", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def redo(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.boxes.items() if box.isChecked())

    def _update(self) -> None:
        self.start.setEnabled(bool(self.redo()))


def open_reanalyze_dialog(window: Any, paths: list[Path] | None) -> ReanalyzeDialog:
    """Ask what to redo for ``paths`` (None: every analyzed photo), then run it in ``window``
    (a MainWindow: its ``runs``, ``catalog`` and ``settings``)."""
    dialog = ReanalyzeDialog(paths, window)
    dialog.accepted.connect(lambda: start_reanalysis(window, dialog.redo(), paths))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def start_reanalysis(window: Any, redo: tuple[str, ...], paths: list[Path] | None) -> bool:
    """Run the re-analysis as the window's analysis run (progress, cancel, summary as usual);
    an empty ``redo`` runs what changed models made due."""
    catalog, settings = window.catalog, window.settings
    message = "Re-analyzing with the new models…" if not redo else "Re-analyzing…"
    return window.runs.start_run(
        message,
        lambda progress, cancel: reanalyze(
            catalog, settings, redo, paths, on_progress=progress, cancel=cancel
        ),
    )
