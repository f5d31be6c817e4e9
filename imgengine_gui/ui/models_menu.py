"""Where the window leads to the Models and Re-analyze dialogs: Help › Models…, File ›
Re-analyze…, a button in Settings, and links in the empty Objects filter and the file-name search
banner. After a model changed, the window offers "Re-analyze N photos with the new models"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QGroupBox, QMenu, QPushButton, QWidget

from imgengine_gui.engine.models import SETTING
from imgengine_gui.settings import Settings
from imgengine_gui.ui.models_dialog import ModelsDialog, reanalyze_text
from imgengine_gui.ui.reanalyze_dialog import open_reanalyze_dialog, start_reanalysis

OBJECTS_EMPTY = (
    'No objects yet: they need a detection model. <a href="models">Get one in Models…</a>'
)


class ModelActions(QObject):
    """Installs the entries on ``window`` (a MainWindow) and owns its one Models dialog."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: ModelsDialog | None = None
        self._offer_pending = False  # a model changed: offer the re-analysis once counted
        window.tasks.settled.connect(self._settled)
        self.models = QAction("Models…", window)
        self.models.setStatusTip("What serves each task; download full-tier models")
        self.models.triggered.connect(self.open_models)
        self.reanalyze = QAction("Re-analyze…", window)
        self.reanalyze.setStatusTip("Redo chosen parts of the analysis for the selection or all")
        self.reanalyze.triggered.connect(self.open_reanalyze)
        menus = {menu.title().replace("&", ""): menu for menu in window.menuBar().findChildren(QMenu)}
        if "Help" in menus:
            menus["Help"].insertAction(menus["Help"].actions()[0], self.models)
        if "File" in menus:
            after = window.actions.cancel
            file_actions = menus["File"].actions()
            index = file_actions.index(after) + 1 if after in file_actions else 0
            before = file_actions[index] if index < len(file_actions) else None
            menus["File"].insertAction(before, self.reanalyze)
        self._link_empty_states()

    # -- the dialogs --------------------------------------------------------------------------------
    def open_models(self) -> ModelsDialog:
        if self.dialog is None:
            w = self.window
            self.dialog = ModelsDialog(w.tasks, w.bridge, w.catalog, lambda: w.settings, w)
            self.dialog.changed.connect(self._models_changed)
            self.dialog.reanalyze_requested.connect(self._reanalyze_with_new_models)
        else:
            self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def open_reanalyze(self) -> None:
        ids = self.window.grid.selected_ids()
        paths = None
        if ids:
            rows = self.window.source.rows(ids)
            paths = [Path(rows[i].path) for i in ids if i in rows]
        open_reanalyze_dialog(self.window, paths)

    def add_to_settings(self, settings_dialog: QWidget) -> None:
        """A "Models…" button in the Settings dialog's Models section."""
        for group in settings_dialog.findChildren(QGroupBox):
            if group.title() == "Models":
                button = QPushButton("Download or choose models…")
                button.setObjectName("openModels")
                button.clicked.connect(self.open_models)
                group.layout().addRow(button)

    def shutdown(self) -> None:
        """A download in progress stops (the task runner waits for running jobs)."""
        if self.dialog is not None:
            self.dialog.cancel_download()

    # -- after a change -------------------------------------------------------------------------------
    def _models_changed(self) -> None:
        fresh = Settings.load()
        self.window._settings_saved(fresh)  # the window's one way to take new settings
        self._offer_pending = True
        settings_dialog = self.window.settings_dialog
        if settings_dialog is not None:  # its Save must not put back the old model settings
            for name in SETTING.values():
                if name in settings_dialog.editors:
                    settings_dialog.editors[name].put(getattr(fresh, name))

    def _settled(self, task) -> None:
        """Once the dialog has counted the photos due, offer them in the window too."""
        if not self._offer_pending or task.name != "model statuses" or self.dialog is None:
            return
        self._offer_pending = False
        if self.dialog.due:
            self.window.notice.show_message(
                f"{self.dialog.due} photos were analyzed with other models.",
                reanalyze_text(self.dialog.due), self._reanalyze_with_new_models,
            )  # fmt: skip

    def _reanalyze_with_new_models(self) -> None:
        if start_reanalysis(self.window, (), None) and self.dialog is not None:
            self.dialog.close()

    # -- empty states -----------------------------------------------------------------------------
    def _link_empty_states(self) -> None:
        placeholder = self.window.filters.objects.placeholder
        placeholder.setTextFormat(Qt.TextFormat.RichText)
        placeholder.setText(OBJECTS_EMPTY)
        placeholder.setEnabled(True)
        placeholder.linkActivated.connect(lambda _link: self.open_models())
        hint = self.window.hint
        self.hint_button = QPushButton("Models…")
        self.hint_button.setObjectName("hintModels")
        self.hint_button.setToolTip("Text search needs the CLIP model: get it in Models")
        self.hint_button.clicked.connect(self.open_models)
        hint.layout().addWidget(self.hint_button)
        self.hint_button.hide()
        # after the window's own handlers (connected first): the search mode is known by then
        self.window.search.search.connect(lambda _text: self._update_hint_button())
        self.window.library.reloaded.connect(self._update_hint_button)

    def _update_hint_button(self) -> None:
        library = self.window.library
        self.hint_button.setVisible(bool(library.search_text) and library.search_mode != "clip")
