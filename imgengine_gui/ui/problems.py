"""The Problems panel: files a run could not read or analyze, listed without interrupting."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem, QWidget

from imgengine_gui.engine.progress import FileProblem
from imgengine_gui.ui.formatting import tooltip

PATH_ROLE = Qt.ItemDataRole.UserRole


class ProblemsDock(QDockWidget):
    photo_activated = Signal(str)  # path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Problems", parent)
        self.setObjectName("problemsDock")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["File", "Phase", "Problem"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 80)
        self.tree.itemActivated.connect(
            lambda item, _col: self.photo_activated.emit(item.data(0, PATH_ROLE))
        )
        self.setWidget(self.tree)

    def set_problems(self, problems: list[FileProblem]) -> None:
        """Items are plain text: file names and messages come from the files themselves."""
        self.tree.clear()
        by_file: dict[str, list[FileProblem]] = {}
        for problem in problems:  # one row per file; later phases only say "skipped"
            by_file.setdefault(problem.path, []).append(problem)
        for path, found in by_file.items():
            first = found[0]
            item = QTreeWidgetItem([os.path.basename(path) or path, first.phase, first.message])
            item.setToolTip(0, tooltip(path))
            item.setToolTip(2, tooltip("\n".join(f"{p.phase}: {p.message}" for p in found)))
            item.setData(0, PATH_ROLE, path)
            self.tree.addTopLevelItem(item)
        count = len(by_file)
        self.setWindowTitle(f"Problems ({count})" if count else "Problems")

    def count(self) -> int:
        return self.tree.topLevelItemCount()


def problems_from_catalog(photos: list[dict]) -> list[FileProblem]:
    """Stored errors (``list_photos`` rows with an error) as FileProblems."""
    found = []
    for photo in photos:
        if photo.get("error"):
            phase, _, message = photo["error"].partition(": ")
            found.append(FileProblem(photo["path"], phase, message or phase))
    return found
