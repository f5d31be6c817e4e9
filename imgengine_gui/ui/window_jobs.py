"""The window's short jobs on the worker thread: search, trash and undo, keepers, export,
cutouts; and what the UI does with their results."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from imgengine_gui.ui import jobs
from imgengine_gui.ui.catalog_guard import WRITE_TASKS
from imgengine_gui.ui.cutout_view import compute_cutout, save_png
from imgengine_gui.ui.duplicates_view import extra_copies
from imgengine_gui.ui.formatting import tooltip
from imgengine_gui.ui.status import runtime_text

CUTOUT_TAG = "cutout/"  # + photo id


class JobsMixin:
    """Part of MainWindow (uses its widgets, workers and catalog source)."""

    # -- search -----------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def run_search(self, text: str) -> None:
        self.search_text = text
        self.search_hits = None
        if self.current_view() != "grid":
            self.show_view("grid")
        if text and self.search_mode == "clip":
            self.hint.show_text(f"Searching for “{text}”…")
            settings, catalog = self.settings, self.catalog
            job = lambda: (text, jobs.search_text(catalog, text, settings))  # noqa: E731
            if not self.bridge.run_async("search", job):
                self.tasks.submit("search", job)
            return
        self.reload_photos()

    # -- trash, undo, keeper, export ----------------------------------------------------------------
    def trash_photos(self, photo_ids: list[int]) -> None:
        if not photo_ids or self.guard.refuse_write():
            return
        rows = self.source.rows(photo_ids)
        photos = [(pid, rows[pid].path) for pid in photo_ids if pid in rows]
        if not photos:
            return
        what = os.path.basename(photos[0][1]) if len(photos) == 1 else f"{len(photos)} photos"
        if not self.confirm("Move to Trash", f"Move {what} to the Trash?\nYou can undo this."):
            return
        catalog = self.catalog
        self.tasks.submit("trash", lambda: jobs.trash_photos(catalog, photos))

    def trash_duplicates(self, cluster_ids: list[int]) -> None:
        if self.guard.refuse_write():
            return
        wanted = set(cluster_ids)
        every = self.source.clusters()
        clusters = [c for c in every if c["id"] in wanted]
        count = len(extra_copies(clusters, every))  # distinct files, never a kept one
        if not count or not self.confirm(
            "Move duplicates to Trash",
            f"Move {count} extra {'copy' if count == 1 else 'copies'} from {len(clusters)} "
            f"group{'s' if len(clusters) != 1 else ''} to the Trash?\nThe kept copies stay. "
            "You can undo this.",
        ):
            return
        catalog = self.catalog
        self.tasks.submit("trash", lambda: jobs.trash_duplicates(catalog, cluster_ids))

    def undo_trash(self) -> None:
        if self.guard.refuse_write():
            return
        catalog = self.catalog
        self.tasks.submit("undo", lambda: jobs.undo_trash(catalog))

    def set_keeper(self, cluster_id: int, photo_id: int) -> None:
        if self.guard.refuse_write():
            return
        catalog = self.catalog
        self.tasks.submit("keeper", lambda: jobs.set_keeper(catalog, cluster_id, photo_id))

    def export_duplicates(self) -> None:
        target = self.choose_save_path(
            "Export duplicates list", "CSV (*.csv);;JSON (*.json)", "duplicates.csv"
        )
        if not target:
            return
        path = Path(target)
        if path.suffix.lower() not in (".csv", ".json"):
            path = path.with_suffix(".csv")
        catalog = self.catalog
        self.tasks.submit("export", lambda: jobs.export_duplicates(catalog, path))

    # -- cutout -------------------------------------------------------------------------------------
    def _cutout_target(self) -> tuple[int | None, str | None]:
        """The current photo; with none, the first one with people (cutouts suit them best)."""
        photo_id = self.grid.current_id()
        if photo_id is None and self.grid_model.rowCount():
            with_people = self.source.ids(replace(self.current_filter(), people=True))
            photo_id = with_people[0] if with_people else self.grid_model.photo_id(0)
        if photo_id is None:
            return None, None
        row = self.source.rows([photo_id]).get(photo_id)
        return (photo_id, row.path) if row else (None, None)

    def _compute_cutout(self, photo_id: int, path: str) -> None:
        settings, catalog = self.settings, self.catalog
        # The tag names the photo: a late result or error of another photo is ignored.
        self.tasks.submit(f"{CUTOUT_TAG}{photo_id}",
                          lambda: compute_cutout(photo_id, path, settings, catalog))

    def _save_cutout(self) -> None:
        result = self.cutout.result
        if result is None:
            return
        suggested = Path(result.path).with_suffix("").name + "-cutout.png"
        target = self.choose_save_path("Save cutout", "PNG image (*.png)", suggested)
        if target:
            target = target if target.lower().endswith(".png") else target + ".png"
            self.tasks.submit("cutout:save", lambda: save_png(result, target))

    # -- worker results -------------------------------------------------------------------------------
    def _on_task(self, tag: str, result: Any) -> None:
        if self._shut_down:
            return
        if tag == "runtime":
            self.runtime = result
            self.runtime_label.setText(runtime_text(result))
            self.runtime_label.setToolTip(tooltip(result["detail"]))
        elif tag == "can_undo":
            self._set_undo(result)
        elif tag == "trash":
            self._after_trash(result)
        elif tag == "undo":
            self._after_undo(result)
        elif tag == "keeper":
            self.duplicates.set_clusters(self.source.clusters())
            self.statusBar().showMessage("Keeper changed", 4000)
        elif tag == "export":
            count, path = result
            self.notice.show_message(f"Exported {count} duplicate groups to {path}")
        elif tag == "search":
            text, hits = result
            if text == self.search_text:
                self.search_hits = hits
                self.reload_photos()
        elif tag.startswith(CUTOUT_TAG):
            self.cutout.set_result(result)
        elif tag == "cutout:save":
            self.notice.show_message(f"Saved {result}")
        elif tag == "reconcile" and result:
            self.notice.show_message(
                f"{len(result)} files moved to the Trash by an interrupted action can be undone."
            )
            self.tasks.submit("can_undo", lambda: jobs.can_undo(self.catalog))

    def _on_task_failed(self, tag: str, message: str) -> None:
        if self._shut_down:
            return
        if tag == "runtime":
            self.runtime_label.setText("Models: unavailable")
            self.runtime_label.setToolTip(tooltip(message))
        elif tag == "search":
            self.search_mode = "name"
            self.reload_photos()
            self.hint.show_text(f"Text search is unavailable ({message}); filtering by file name.")
        elif tag.startswith(CUTOUT_TAG):
            self.cutout.set_error(int(tag.removeprefix(CUTOUT_TAG)), message)
        elif tag.startswith("settings:"):
            self.statusBar().showMessage(message, 8000)
        elif tag in WRITE_TASKS:
            self.guard.show_error(f"{tag.capitalize()} failed", message)
        elif tag != "can_undo":
            self.notice.show_message(f"{tag.capitalize()} failed: {message}")

    def _after_trash(self, report) -> None:
        moved = len(report.moved)
        text = f"Moved {moved} file{'s' if moved != 1 else ''} to the Trash."
        if report.failed:
            text += f" {len(report.failed)} could not be moved: {report.failed[0][1]}"
        if moved:  # a failure leaves an earlier trash undoable
            self._set_undo(True)
        self.notice.show_message(text, "Undo" if moved else None, self.undo_trash)
        self.reload_all()

    def _after_undo(self, report) -> None:
        if report.action_id is None:
            self.notice.show_message("Nothing to undo.")
        else:
            text = f"Restored {len(report.moved)} file{'s' if len(report.moved) != 1 else ''}."
            if report.failed:
                text += f" {len(report.failed)} not restored: {report.failed[0][1]}"
            self.notice.show_message(text)
        self.tasks.submit("can_undo", lambda: jobs.can_undo(self.catalog))
        self.reload_all()

    def _set_undo(self, available: bool) -> None:
        self.actions.undo.setEnabled(bool(available))
        self.duplicates.set_undo_available(bool(available))

