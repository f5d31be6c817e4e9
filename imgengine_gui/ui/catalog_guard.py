"""What the window does about a catalog it must not (or cannot) write.

At start-up the catalog is checked without changing it. A catalog of a newer Image Engine, or
one that is not writable, opens read-only under a visible warning: browsing works, and every
action that would write (analyze, trash, undo, keeper) says why it cannot instead. A file that
is not a catalog at all gets the same one-line message as the CLI, in a dialog. Catalog errors
of write jobs are shown in a dialog too; a writable catalog is reconciled with the trash
journal (moves of an interrupted trash become undoable).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QWidget

from imgengine_gui.catalog.db import check_catalog
from imgengine_gui.catalog.errors import CatalogNotWritable, CatalogTooNew
from imgengine_gui.ui.icons import icon

WRITE_TASKS = ("trash", "undo", "keeper", "reconcile")
WARNING_COLOUR = "#b45309"


class ReadOnlyBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readOnlyBanner")
        self.setStyleSheet(
            f"#readOnlyBanner {{ background: {WARNING_COLOUR}; }} QLabel {{ color: white; }}"
        )
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        mark = QLabel()
        mark.setPixmap(icon("info").pixmap(18, 18))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(mark)
        layout.addWidget(self.label, 1)
        self.hide()


class CatalogGuard:
    """Owned by the main window; ``refuse_write()`` at the top of every writing action."""

    def __init__(self, window: QMainWindow, catalog: Path) -> None:
        self.window = window
        self.catalog = Path(catalog)
        self.read_only_reason: str | None = None
        self.dialog: QMessageBox | None = None
        self.banner = ReadOnlyBanner()
        layout = window.centralWidget().layout()
        layout.insertWidget(0, self.banner)

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def check(self) -> None:
        """Decide how the catalog is opened (called once the window is built)."""
        problem = check_catalog(self.catalog)
        if problem is None:
            if self.catalog.exists():
                self._reconcile()
            return
        if isinstance(problem, CatalogTooNew | CatalogNotWritable):
            self.read_only_reason = str(problem)
            self.banner.label.setText(f"Read-only: {problem}")
            self.banner.show()
            for action in (self.window.actions.analyze, self.window.actions.trash):
                action.setEnabled(False)
            return
        self.read_only_reason = str(problem)
        self.show_error("Cannot open the catalog", str(problem))

    def refuse_write(self) -> bool:
        """True (after saying why) when the catalog must not be written."""
        if self.read_only_reason is None:
            return False
        self.show_error("The catalog is read-only", self.read_only_reason)
        return True

    def show_error(self, title: str, message: str) -> None:
        """The one-line message in a window-modal dialog (never blocks the event loop)."""
        if self.dialog is not None:
            self.dialog.close()
        text = message[:1].upper() + message[1:]
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self.window)  # fmt: skip
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setObjectName("catalogErrorDialog")
        self.dialog = box
        box.open()

    def _reconcile(self) -> None:
        from imgengine_gui.engine.trash import reconcile_catalog

        catalog = self.catalog
        self.window.tasks.submit("reconcile", lambda: reconcile_catalog(catalog))
