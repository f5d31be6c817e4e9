"""The modal questions the window asks. Tests replace these methods on the instance."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from imgengine_gui.ui import ui_state
from imgengine_gui.ui.widgets import ask


class Prompts:
    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def confirm(self, title: str, text: str) -> bool:
        return ask(self.parent, title, text)

    def choose_folder(self) -> str | None:
        start = ui_state.last_folder() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self.parent, "Analyze folder", start)
        return chosen or None

    def choose_save_path(self, title: str, filters: str, suggested: str) -> str | None:
        start = os.path.join(ui_state.last_folder() or str(Path.home()), suggested)
        chosen, _ = QFileDialog.getSaveFileName(self.parent, title, start, filters)
        return chosen or None
