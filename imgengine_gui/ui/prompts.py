"""The modal questions the window asks. Tests replace these methods on the instance."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from imgengine_gui.ui import ui_state
from imgengine_gui.ui.save_target import (
    analyzed_folder_of,
    default_save_folder,
    inside_library_warning,
)
from imgengine_gui.ui.widgets import ask


class Prompts:
    def __init__(self, parent: QWidget) -> None:
        self.parent = parent
        self.analyzed_folders: Callable[[], list[str]] = list  # the window sets the real one

    def confirm(self, title: str, text: str) -> bool:
        return ask(self.parent, title, text)

    def choose_folder(self) -> str | None:
        start = ui_state.last_folder() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self.parent, "Analyze folder", start)
        return chosen or None

    def choose_save_path(self, title: str, filters: str, suggested: str) -> str | None:
        """The file dialog itself (tests replace it); ``save_path`` is what controllers call."""
        start = os.path.join(self.save_folder(), suggested)
        chosen, _ = QFileDialog.getSaveFileName(self.parent, title, start, filters)
        return chosen or None

    def save_folder(self) -> str:
        return default_save_folder(ui_state.last_save_folder(), self.analyzed_folders())

    def save_path(self, title: str, filters: str, suggested: str) -> str | None:
        """Ask where to save; a target inside an analyzed folder needs a second yes. The folder
        chosen is remembered for the next save."""
        chosen = self.choose_save_path(title, filters, suggested)
        if not chosen:
            return None
        library = analyzed_folder_of(chosen, self.analyzed_folders())
        if library is not None and not self.confirm(title, inside_library_warning(chosen, library)):
            return None
        ui_state.remember_save_folder(os.path.dirname(os.path.abspath(chosen)))
        return chosen
