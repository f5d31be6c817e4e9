"""Background-removal previews: computed and saved on task lanes, shown in the cutout view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from imgengine_gui.settings import Settings
from imgengine_gui.ui.cutout_view import CutoutImages, CutoutView, compute_cutout, save_png
from imgengine_gui.ui.prompts import Prompts
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import NoticeBar


class CutoutController(QObject):
    def __init__(self, tasks: TaskRunner, view: CutoutView, prompts: Prompts, notice: NoticeBar,
                 catalog: Path, settings: Callable[[], Settings],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._view, self._prompts, self._notice = tasks, view, prompts, notice
        self._catalog, self._settings = catalog, settings
        view.compute_requested.connect(self.compute)
        view.save_requested.connect(self.save)

    def compute(self, photo_id: int, path: str) -> None:
        settings, catalog = self._settings(), self._catalog
        # The view drops a late result or error of a photo it no longer shows.
        self._tasks.submit(
            "models", f"cutout/{photo_id}", lambda: compute_cutout(photo_id, path, settings, catalog),
            self._view.set_result, lambda message: self._view.set_error(photo_id, message),
        )  # fmt: skip

    def save(self) -> None:
        result: CutoutImages | None = self._view.result
        if result is None:
            return
        suggested = Path(result.path).with_suffix("").name + "-cutout.png"
        target = self._prompts.save_path("Save cutout", "PNG image (*.png)", suggested)
        if not target:
            return
        target = target if target.lower().endswith(".png") else target + ".png"
        self._tasks.submit(
            "library", "cutout:save", lambda: save_png(result, target),
            lambda saved: self._notice.show_message(f"Saved {saved}"),
            lambda message: self._notice.show_message(f"Saving the cutout failed: {message}"),
        )  # fmt: skip
