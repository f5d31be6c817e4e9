"""The viewer in the window: its page, the grid's order as its sequence, the grid kept in step."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.settings import Settings
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.viewer import PhotoViewer
from imgengine_gui.ui.viewer_images import ViewerImages, ViewerPhoto


def grid_locator(model: PhotoGridModel, source: CatalogReader):
    """(photo id, step) -> the photo ``step`` places away in the grid's current order."""

    def locate(photo_id: int, step: int) -> ViewerPhoto | None:
        row = model.row_of(photo_id)
        if row is None or not 0 <= row + step < model.rowCount():
            return None
        return viewer_photo(source, model.photo_id(row + step))

    return locate


def viewer_photo(source: CatalogReader, photo_id: int) -> ViewerPhoto | None:
    row = source.rows([photo_id]).get(photo_id)
    return ViewerPhoto(photo_id, row.path, row.size) if row else None


class KeyFilter(QObject):
    """Runs ``action`` on a plain press of ``key`` in the watched widget (the grid's I: Info)."""

    def __init__(self, key: Qt.Key, action: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._key, self._action = key, action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (event.type() == QEvent.Type.KeyPress and event.key() == self._key
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self._action()
            return True
        return False


class ViewerController(QObject):
    def __init__(self, tasks: TaskRunner, source: CatalogReader, grid: PhotoGrid,
                 settings: Callable[[], Settings], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source, self._grid = source, grid
        self._neighbours: list[int] = []  # shown next if the photo leaves the grid (trashed)
        self.images = ViewerImages(tasks, parent=self)
        self.viewer = PhotoViewer(self.images, grid_locator(grid.grid_model, source),
                                  lambda: settings().slideshow_seconds)
        self.page = QWidget()  # the viewer's home in the window; full screen borrows it
        layout = QVBoxLayout(self.page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.viewer)
        self.viewer.current_changed.connect(self._follow)

    def open(self, photo_id: int) -> bool:
        photo = viewer_photo(self._source, photo_id)
        if photo is None:
            return False
        self.viewer.show_photo(photo)
        self.viewer.canvas.setFocus()
        return True

    def close(self) -> None:
        """The window goes away: no slideshow, no full-screen window left behind."""
        self.viewer.stop_slideshow()
        if self.viewer.is_full_screen():
            self.viewer.toggle_full_screen()

    def _follow(self, photo_id: int) -> None:
        if self._grid.current_id() != photo_id:
            self._grid.select_photo(photo_id)
        model = self._grid.grid_model
        row = model.row_of(photo_id)
        self._neighbours = [] if row is None else [
            model.photo_id(r) for r in (row + 1, row - 1) if 0 <= r < model.rowCount()
        ]

    def library_reloaded(self) -> None:
        """The photo shown left the grid (moved to the trash, filtered out): show a neighbour,
        or go back to the grid when none is left."""
        photo = self.viewer.photo
        if photo is None or not self.viewer.isVisible():
            return
        model = self._grid.grid_model
        if model.row_of(photo.photo_id) is not None:
            return
        for neighbour in self._neighbours:
            if model.row_of(neighbour) is not None and self.open(neighbour):
                return
        self.viewer.leave()
