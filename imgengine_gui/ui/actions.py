"""The window's actions, menus and toolbar."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSizePolicy, QToolBar, QWidget

from imgengine_gui.ui.icons import icon


@dataclass
class Actions:
    analyze: QAction
    cancel: QAction
    settings: QAction
    undo: QAction
    trash: QAction
    export: QAction
    teach_tag: QAction
    find: QAction
    view_grid: QAction
    view_duplicates: QAction
    view_cutout: QAction
    larger: QAction
    smaller: QAction
    quit: QAction
    about: QAction


def _action(window: QMainWindow, text: str, icon_name: str | None = None,
            shortcut: QKeySequence | str | None = None, tip: str | None = None) -> QAction:
    action = QAction(text, window)
    if icon_name:
        action.setIcon(icon(icon_name))
        action.setProperty("iconName", icon_name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    return action


def create_actions(window: QMainWindow) -> Actions:
    return Actions(
        analyze=_action(window, "Analyze folder…", "analyze", QKeySequence.StandardKey.Open,
                        "Choose a folder to add to the library and analyze"),
        cancel=_action(window, "Cancel", "cancel", None, "Stop the analysis after the current batch"),
        settings=_action(window, "Settings…", "settings", QKeySequence.StandardKey.Preferences,
                         "Device, precision, models and cache"),
        undo=_action(window, "Undo Move to Trash", "undo", QKeySequence.StandardKey.Undo,
                     "Put the files last moved to the Trash back"),
        trash=_action(window, "Move to Trash…\tDel", "trash", None,
                      "Move the selected photos to the system Trash (undoable)"),
        export=_action(window, "Export duplicates list…", "export", None,
                       "Save the duplicate groups as CSV or JSON"),
        teach_tag=_action(window, "Teach tag…", "tag", "Ctrl+T",
                          "Teach a personal tag from the selected photos (1 to 10)"),
        find=_action(window, "Find", "search", QKeySequence.StandardKey.Find, "Search photos"),
        view_grid=_action(window, "Photos", "photos", "Ctrl+1"),
        view_duplicates=_action(window, "Duplicates", "duplicates", "Ctrl+2"),
        view_cutout=_action(window, "Background removal", "cutout", "Ctrl+3"),
        larger=_action(window, "Larger thumbnails", None, QKeySequence.StandardKey.ZoomIn),
        smaller=_action(window, "Smaller thumbnails", None, QKeySequence.StandardKey.ZoomOut),
        quit=_action(window, "Quit", None, QKeySequence.StandardKey.Quit),
        about=_action(window, "About Image Engine", "info"),
    )


def build_menus(window: QMainWindow, actions: Actions, docks: list) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([actions.analyze, actions.cancel])
    file_menu.addSeparator()
    file_menu.addAction(actions.export)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([actions.undo, actions.trash])
    edit_menu.addAction(actions.teach_tag)
    edit_menu.addSeparator()
    edit_menu.addAction(actions.find)
    edit_menu.addSeparator()
    edit_menu.addAction(actions.settings)
    view_menu = bar.addMenu("&View")
    view_menu.addActions([actions.view_grid, actions.view_duplicates, actions.view_cutout])
    view_menu.addSeparator()
    view_menu.addActions([actions.larger, actions.smaller])
    view_menu.addSeparator()
    for dock in docks:
        view_menu.addAction(dock.toggleViewAction())
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(actions.about)


def build_toolbar(window: QMainWindow, actions: Actions, search: QWidget, zoom: QWidget) -> QToolBar:
    toolbar = QToolBar("Main toolbar", window)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setIconSize(QSize(20, 20))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addAction(actions.analyze)
    toolbar.addAction(actions.cancel)
    toolbar.addSeparator()
    toolbar.addAction(actions.settings)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    toolbar.addWidget(spacer)
    toolbar.addWidget(zoom)
    toolbar.addWidget(search)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    return toolbar


def refresh_icons(window: QMainWindow) -> None:
    """Re-tint the icons after the palette changed (light <-> dark)."""
    for action in window.findChildren(QAction):
        name = action.property("iconName")
        if name:
            action.setIcon(icon(name))
