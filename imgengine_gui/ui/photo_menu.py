"""The right-click menu on photos (grid, viewer, detail): view, info, open with the default app,
show in the file manager, copy the path, remove the background, find similar, move to trash.

The menu only dispatches: moving to the trash goes through the trash controller (journaled,
undoable), finding similar photos through the engine's search on the ``models`` lane.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QProcess, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QWidget

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.ui import jobs
from imgengine_gui.ui.icons import icon
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import NoticeBar

MAX_OPEN = 20  # "Open" on more photos than this opens the first ones only
FILE_MANAGER = ("org.freedesktop.FileManager1", "/org/freedesktop/FileManager1")


@dataclass
class PhotoCommands:
    """What the window does for the menu."""

    view: Callable[[int], None]
    info: Callable[[int], None]
    cutout: Callable[[int], None]
    trash: Callable[[list[int]], None]
    show_similar: Callable[[str, list[int]], None]  # the photo's name, the hits in order
    selection_actions: list[QAction] = field(default_factory=list)  # on the grid's selection


def reveal_in_file_manager(path: str, open_url: Callable[[QUrl], bool],
                           platform: str = sys.platform,
                           start: Callable[[str, list[str]], bool] = QProcess.startDetached) -> str:
    """Show ``path`` in the file manager, selected where the platform allows; returns how."""
    if platform == "darwin" and start("open", ["-R", path]):
        return "open -R"
    if platform == "win32" and start("explorer", [f"/select,{os.path.normpath(path)}"]):
        return "explorer /select"
    if platform.startswith("linux") and _show_items_over_dbus(path):
        return "FileManager1"
    open_url(QUrl.fromLocalFile(os.path.dirname(path)))  # the folder, nothing selected
    return "folder"


def _show_items_over_dbus(path: str) -> bool:
    """freedesktop FileManager1.ShowItems (Files, Dolphin, Nemo, Thunar...): selects the file."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusMessage
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected() or not bus.interface().isServiceRegistered(FILE_MANAGER[0]).value():
        return False
    call = QDBusMessage.createMethodCall(FILE_MANAGER[0], FILE_MANAGER[1], FILE_MANAGER[0],
                                         "ShowItems")
    call.setArguments([[QUrl.fromLocalFile(path).toString()], ""])
    return bus.send(call)


def _add(menu: QMenu, text: str, slot, icon_name: str | None = None,
         key: str | None = None) -> QAction:
    # the key that does the same outside the menu, shown only: a real shortcut would take
    # Return from the menu's own highlighted entry
    label = f"{text}\t{key}" if key else text
    return menu.addAction(icon(icon_name) if icon_name else QIcon(), label, slot)


class PhotoMenu(QObject):
    def __init__(self, source: CatalogReader, tasks: TaskRunner, catalog: Path,
                 commands: PhotoCommands, notice: NoticeBar,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source, self._tasks, self._catalog = source, tasks, catalog
        self._commands, self._notice = commands, notice
        self.selection_actions = commands.selection_actions
        self.rating_actions: list[QAction] = []  # 0-5 stars, then pick / reject / unflag
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl  # replaced in tests
        self.reveal: Callable[[str, Callable[[QUrl], bool]], str] = reveal_in_file_manager

    def paths(self, photo_ids: list[int]) -> list[str]:
        rows = self._source.rows(photo_ids)
        return [rows[pid].path for pid in photo_ids if pid in rows]

    def build(self, photo_ids: list[int], parent: QWidget | None = None) -> QMenu:
        """The menu for these photos (the first one is the one clicked)."""
        menu = QMenu(parent)
        first, single = photo_ids[0], len(photo_ids) == 1
        commands = self._commands
        if single:
            _add(menu, "View", lambda: commands.view(first), "photos", "Return")
            _add(menu, "Info", lambda: commands.info(first), "info", "I")
            menu.addSeparator()
        _add(menu, "Open with Default App", lambda: self.open_files(photo_ids))
        _add(menu, "Show in File Manager", lambda: self.reveal_file(first), "folder")
        _add(menu, "Copy Path" if single else f"Copy {len(photo_ids)} Paths",
             lambda: self.copy_paths(photo_ids))
        menu.addSeparator()
        _add(menu, "Remove Background…", lambda: commands.cutout(first), "cutout").setEnabled(single)
        _add(menu, "Find Similar Photos", lambda: self.find_similar(first), "search").setEnabled(
            single)
        for action in commands.selection_actions:
            menu.addAction(action)
        if self.rating_actions:  # they act on the same photos (the selection, or the one shown)
            menu.addMenu("Rating").addActions(self.rating_actions[:6])
            menu.addMenu("Flag").addActions(self.rating_actions[6:])
        menu.addSeparator()
        _add(menu, "Move to Trash…", lambda: commands.trash(list(photo_ids)), "trash", "Del")
        return menu

    def popup(self, photo_ids: list[int], position: QPoint, parent: QWidget | None = None) -> None:
        if photo_ids:
            menu = self.build(photo_ids, parent)
            menu.aboutToHide.connect(menu.deleteLater)
            menu.popup(position)

    # -- the actions ---------------------------------------------------------------------------
    def open_files(self, photo_ids: list[int]) -> None:
        for path in self.paths(photo_ids)[:MAX_OPEN]:
            if not self.open_url(QUrl.fromLocalFile(path)):
                self._notice.show_message(f"No application opens {os.path.basename(path)}.")
                return

    def reveal_file(self, photo_id: int) -> None:
        for path in self.paths([photo_id]):
            self.reveal(path, self.open_url)

    def copy_paths(self, photo_ids: list[int]) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.paths(photo_ids)))

    def find_similar(self, photo_id: int) -> None:
        paths = self.paths([photo_id])
        if not paths:
            return
        path, catalog = paths[0], self._catalog
        name = os.path.basename(path)
        self._tasks.submit(
            "models", "similar", lambda: jobs.similar_photos(catalog, path),
            lambda hits: self._commands.show_similar(name, [photo_id, *hits]),
            lambda message: self._notice.show_message(f"Cannot find similar photos: {message}"),
        )  # fmt: skip


def attach_to_grid(grid, menu: PhotoMenu) -> None:
    """Right-click in the grid: the menu for the selection when the photo clicked is in it,
    else for that photo alone (selected first, as file managers do)."""
    grid.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def requested(position: QPoint) -> None:
        index = grid.indexAt(position)
        if not index.isValid():
            return
        clicked = grid.grid_model.photo_id(index.row())
        selected = grid.selected_ids()
        if clicked not in selected:
            grid.select_photo(clicked)
            selected = [clicked]
        ordered = [clicked, *(pid for pid in selected if pid != clicked)]
        menu.popup(ordered, grid.viewport().mapToGlobal(position), grid)

    grid.customContextMenuRequested.connect(requested)
