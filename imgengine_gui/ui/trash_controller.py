"""Moving photos to the Trash and back, keeper choices and the duplicates export.

All of it runs on the ``library`` task lane, in the order asked; the controller owns whether an
undo is available and tells the window when files moved (``library_changed``).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStatusBar

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.engine.trash import TrashReport
from imgengine_gui.ui import jobs
from imgengine_gui.ui.catalog_guard import WRITE_TASKS, CatalogGuard
from imgengine_gui.ui.duplicates_view import DuplicatesView, extra_copies
from imgengine_gui.ui.prompts import Prompts
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import NoticeBar


class TrashController(QObject):
    library_changed = Signal()  # files moved: everything shown is read again
    clusters_changed = Signal()  # a keeper changed: the duplicate groups are read again

    def __init__(self, tasks: TaskRunner, source: CatalogReader, catalog: Path, prompts: Prompts,
                 notice: NoticeBar, duplicates: DuplicatesView, undo_action: QAction,
                 status: QStatusBar, guard: CatalogGuard, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._source, self._catalog, self._prompts = tasks, source, catalog, prompts
        self._notice, self._duplicates, self._undo_action, self._status, self._guard = (
            notice, duplicates, undo_action, status, guard
        )
        self._set_undo(False)
        duplicates.keeper_requested.connect(self.set_keeper)
        duplicates.trash_requested.connect(self.trash_duplicates)
        duplicates.undo_requested.connect(self.undo)
        duplicates.export_requested.connect(self.export_duplicates)

    def check_undo(self) -> None:
        catalog = self._catalog
        self._tasks.submit("library", "can_undo", lambda: jobs.can_undo(catalog), self._set_undo,
                           lambda _message: None)

    def trash_photos(self, photo_ids: list[int]) -> None:
        if not photo_ids or self._guard.refuse_write():
            return
        rows = self._source.rows(photo_ids)
        photos = [(pid, rows[pid].path) for pid in photo_ids if pid in rows]
        if not photos:
            return
        what = os.path.basename(photos[0][1]) if len(photos) == 1 else f"{len(photos)} photos"
        if not self._prompts.confirm("Move to Trash", f"Move {what} to the Trash?\nYou can undo this."):
            return
        catalog = self._catalog
        self._submit("trash", lambda: jobs.trash_photos(catalog, photos), self._after_trash)

    def trash_duplicates(self, cluster_ids: list[int]) -> None:
        if self._guard.refuse_write():
            return
        wanted = set(cluster_ids)
        every = self._duplicates.clusters  # as shown (read off the UI thread)
        clusters = [c for c in every if c["id"] in wanted]
        count = len(extra_copies(clusters, every))  # distinct files, never a kept one
        if not count or not self._prompts.confirm(
            "Move duplicates to Trash",
            f"Move {count} extra {'copy' if count == 1 else 'copies'} from {len(clusters)} "
            f"group{'s' if len(clusters) != 1 else ''} to the Trash?\nThe kept copies stay. "
            "You can undo this.",
        ):
            return
        catalog = self._catalog
        self._submit("trash", lambda: jobs.trash_duplicates(catalog, cluster_ids), self._after_trash)

    def undo(self) -> None:
        if self._guard.refuse_write():
            return
        catalog = self._catalog
        self._submit("undo", lambda: jobs.undo_trash(catalog), self._after_undo)

    def set_keeper(self, cluster_id: int, photo_id: int) -> None:
        if self._guard.refuse_write():
            return
        catalog = self._catalog
        self._submit("keeper", lambda: jobs.set_keeper(catalog, cluster_id, photo_id),
                     self._after_keeper)

    def export_duplicates(self) -> None:
        target = self._prompts.save_path(
            "Export duplicates list", "CSV (*.csv);;JSON (*.json)", "duplicates.csv"
        )
        if not target:
            return
        path = Path(target)
        if path.suffix.lower() not in (".csv", ".json"):
            path = path.with_suffix(".csv")
        catalog = self._catalog
        self._submit("export", lambda: jobs.export_duplicates(catalog, path), self._after_export)

    # -- results -----------------------------------------------------------------------------
    def recovered(self, paths: list[str]) -> None:
        """Files an interrupted trash moved, journaled at start: they can be undone now."""
        self._notice.show_message(
            f"{len(paths)} files moved to the Trash by an interrupted action can be undone."
        )
        self.check_undo()

    def _submit(self, name: str, job, on_done) -> None:
        self._tasks.submit("library", name, job, on_done, lambda message: self._failed(name, message))

    def _failed(self, name: str, message: str) -> None:
        if name in WRITE_TASKS:  # a catalog that cannot take the change: said in a dialog
            self._guard.show_error(f"{name.capitalize()} failed", message)
        else:
            self._notice.show_message(f"{name.capitalize()} failed: {message}")

    def _after_trash(self, report: TrashReport) -> None:
        moved = len(report.moved)
        text = f"Moved {moved} file{'s' if moved != 1 else ''} to the Trash."
        if report.failed:
            text += f" {len(report.failed)} could not be moved: {report.failed[0][1]}"
        if moved:  # a failure leaves an earlier trash undoable
            self._set_undo(True)
        self._notice.show_message(text, "Undo" if moved else None, self.undo)
        self.library_changed.emit()

    def _after_undo(self, report: TrashReport) -> None:
        if report.action_id is None:
            self._notice.show_message("Nothing to undo.")
        else:
            text = f"Restored {len(report.moved)} file{'s' if len(report.moved) != 1 else ''}."
            if report.failed:
                text += f" {len(report.failed)} not restored: {report.failed[0][1]}"
            self._notice.show_message(text)
        self.check_undo()
        self.library_changed.emit()

    def _after_keeper(self, _changed: tuple[int, int]) -> None:
        self.clusters_changed.emit()
        self._status.showMessage("Keeper changed", 4000)

    def _after_export(self, exported: tuple[int, Path]) -> None:
        count, path = exported
        self._notice.show_message(f"Exported {count} duplicate groups to {path}")

    def _set_undo(self, available: bool) -> None:
        self._undo_action.setEnabled(bool(available))
        self._duplicates.set_undo_available(bool(available))
