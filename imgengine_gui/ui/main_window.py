"""The main window: builds the views, composes the controllers that own the state, wires them.

- ``LibraryController``: what the grid shows (folder, filters, search, counts, live reloads);
- ``RunController``: analysis runs (start, cancel, progress);
- ``TrashController``: trash, undo, keepers, export;
- ``CutoutController``: background-removal previews;
- ``CatalogGuard``: a catalog opened read-only (banner, why a write cannot run), catalog errors.

The window itself keeps only navigation between pages, the settings dialog, its saved layout,
and closing (a close during a run waits for the run to stop, without blocking the UI).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.settings import Settings
from imgengine_gui.ui import ui_state
from imgengine_gui.ui.actions import build_menus, build_toolbar, create_actions, refresh_icons
from imgengine_gui.ui.bridge import EngineBridge
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.cutout_controller import CutoutController
from imgengine_gui.ui.cutout_view import CutoutView
from imgengine_gui.ui.detail import PhotoDetail
from imgengine_gui.ui.duplicates_view import DuplicatesView
from imgengine_gui.ui.filters import FilterPanel
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.icons import app_icon
from imgengine_gui.ui.library_controller import LibraryController, LibraryViews
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.models_menu import ModelActions
from imgengine_gui.ui.problems import ProblemsDock
from imgengine_gui.ui.prompts import Prompts
from imgengine_gui.ui.run_controller import RunController
from imgengine_gui.ui.runtime_label import RuntimeLabel
from imgengine_gui.ui.settings_dialog import SettingsDialog
from imgengine_gui.ui.sidebar import Sidebar
from imgengine_gui.ui.status import RunProgress
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.thumbnails import ImageLoader
from imgengine_gui.ui.trash_controller import TrashController
from imgengine_gui.ui.widgets import HintBanner, NoticeBar, SearchBox

PAGES = ("grid", "detail", "duplicates", "cutout")
CELL_SIZES = (96, 120, 150, 190, 240)
CLOSE_GRACE_MS = 10_000  # a closed window waits this long for a cancelled run, then closes anyway


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(
        self, catalog: Path, settings: Settings | None = None, *, remember: bool = True
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Image Engine")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.catalog = Path(catalog)
        self.settings = settings or Settings.load()
        self.settings_dialog: SettingsDialog | None = None
        self.remember = remember  # False: ignore and keep the saved geometry (screenshots)
        self._shut_down = False
        self._closing = False  # close asked while an analysis runs: waiting for it to stop
        self.filters_wanted = True
        self.prompts = Prompts(self)  # the modal questions (replaced in tests)

        self.bridge = EngineBridge(self)
        self.tasks = TaskRunner(self.bridge, self)
        self.loader = ImageLoader(self.tasks, parent=self)
        self.source = CatalogReader(self.catalog)
        self._build()
        self._compose()
        self._connect()
        self.model_actions = ModelActions(self)
        if remember:
            self._restore_state()
        else:
            self._default_layout()
        self.library.reload_all()
        self.guard.check()
        self.runtime_label.probe(self.settings)
        self.trash.check_undo()

    # -- construction ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.actions = create_actions(self)
        self.grid_model = PhotoGridModel(self.source, self)
        self.grid = PhotoGrid(self.grid_model, self.loader)
        self.hint = HintBanner()
        self.detail = PhotoDetail(self.loader)
        self.duplicates = DuplicatesView(self.loader)
        self.cutout = CutoutView()
        self.notice = NoticeBar()

        library = QWidget()
        library_layout = QVBoxLayout(library)
        library_layout.setContentsMargins(0, 0, 0, 0)
        library_layout.setSpacing(0)
        library_layout.addWidget(self.hint)
        library_layout.addWidget(self.grid, 1)
        self.pages = QStackedWidget()
        for page in (library, self.detail, self.duplicates, self.cutout):
            self.pages.addWidget(page)
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.pages, 1)
        central_layout.addWidget(self.notice)
        self.setCentralWidget(central)

        self.sidebar = Sidebar()
        self.sidebar_dock = self._dock("Library", "libraryDock", self.sidebar,
                                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.sidebar_dock.setTitleBarWidget(QWidget())
        self.sidebar_dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        self.filters = FilterPanel()
        filter_scroll = QScrollArea()
        filter_scroll.setWidget(self.filters)
        filter_scroll.setWidgetResizable(True)
        filter_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        filter_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        filter_scroll.setMinimumWidth(230)
        self.filters_dock = self._dock("Filters", "filtersDock", filter_scroll,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.problems = ProblemsDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems)
        self.problems.hide()

        self.search = SearchBox()
        self.zoom_sizes = CELL_SIZES
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(0, len(CELL_SIZES) - 1)
        self.zoom.setValue(CELL_SIZES.index(150))
        self.zoom.setFixedWidth(110)
        self.zoom.setToolTip("Thumbnail size (Ctrl++ / Ctrl+-)")
        build_toolbar(self, self.actions, self.search, self.zoom)
        build_menus(self, self.actions, [self.sidebar_dock, self.filters_dock, self.problems])
        self.addAction(self.actions.find)

        self.counts_label = QLabel()
        self.runtime_label = RuntimeLabel(self.tasks)
        self.progress = RunProgress()
        status = self.statusBar()
        status.addWidget(self.counts_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.runtime_label)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _compose(self) -> None:
        settings = lambda: self.settings  # noqa: E731 - controllers always see the saved settings
        views = LibraryViews(self.grid, self.grid_model, self.sidebar, self.filters, self.search,
                             self.hint, self.counts_label, self.problems, self.statusBar())
        self.guard = CatalogGuard(self.catalog, self.tasks,
                                  (self.actions.analyze, self.actions.trash), self)
        self.centralWidget().layout().insertWidget(0, self.guard.banner)
        self.library = LibraryController(self.source, self.tasks, views, self.catalog, settings,
                                         self)
        self.runs = RunController(self.tasks, self.bridge, self.catalog, settings, self.actions,
                                  self.progress, self.notice, self.guard, self)
        self.trash = TrashController(self.tasks, self.source, self.catalog, self.prompts,
                                     self.notice, self.duplicates, self.actions.undo,
                                     self.statusBar(), self.guard, self)
        self.cutouts = CutoutController(self.tasks, self.cutout, self.prompts, self.notice,
                                        self.catalog, settings, self)

    def _connect(self) -> None:
        a = self.actions
        a.analyze.triggered.connect(self._analyze_chosen_folder)
        a.cancel.triggered.connect(self.runs.cancel)
        a.settings.triggered.connect(self.open_settings)
        a.undo.triggered.connect(self.trash.undo)
        a.trash.triggered.connect(lambda: self.trash.trash_photos(self.grid.selected_ids()))
        a.export.triggered.connect(self.trash.export_duplicates)
        a.find.triggered.connect(self._focus_search)
        a.view_grid.triggered.connect(lambda: self.show_view("grid"))
        a.view_duplicates.triggered.connect(lambda: self.show_view("duplicates"))
        a.view_cutout.triggered.connect(lambda: self.show_view("cutout"))
        a.larger.triggered.connect(lambda: self.zoom.setValue(self.zoom.value() + 1))
        a.smaller.triggered.connect(lambda: self.zoom.setValue(self.zoom.value() - 1))
        a.quit.triggered.connect(self.close)
        a.about.triggered.connect(self._about)
        self.zoom.valueChanged.connect(lambda v: self.grid.set_cell(CELL_SIZES[v]))

        self.runs.started.connect(self.library.live_timer.start)
        self.runs.finished.connect(self._run_finished)
        self.runs.failed.connect(self._run_failed)
        self.library.reloaded.connect(self._library_reloaded)
        self.trash.library_changed.connect(self.library.reload_all)
        self.guard.reconciled.connect(self.trash.recovered)

        self.grid.open_requested.connect(self.open_photo)
        self.grid.delete_requested.connect(self.trash.trash_photos)
        self.sidebar.folder_selected.connect(self.select_folder)
        self.sidebar.view_selected.connect(self.show_view)
        self.search.search.connect(self._search)
        self.detail.back_requested.connect(lambda: self.show_view("grid"))
        self.detail.step_requested.connect(self._step_detail)
        self.problems.photo_activated.connect(self._reveal_path)

    # -- state ------------------------------------------------------------------------------------
    def _default_layout(self) -> None:
        self.resize(1280, 800)
        self.resizeDocks([self.sidebar_dock, self.filters_dock], [210, 260],
                         Qt.Orientation.Horizontal)

    def _restore_state(self) -> None:
        state = ui_state.ui_settings()
        geometry = state.value("geometry")
        layout = state.value("window_state")
        if isinstance(layout, QByteArray) and not layout.isEmpty():
            self.restoreState(layout)  # first: hidden docks change the minimum size
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self._default_layout()
        zoom = state.value("thumbnail_size")
        if zoom is not None and str(zoom).isdigit():
            self.zoom.setValue(int(zoom))

    def _save_state(self) -> None:
        state = ui_state.ui_settings()
        state.setValue("geometry", self.saveGeometry())
        state.setValue("window_state", self.saveState())
        state.setValue("thumbnail_size", self.zoom.value())
        state.sync()

    # -- what the window does for its controllers ----------------------------------------------------
    def analyze_folder(self, folder: str | Path, phases: tuple[str, ...] | None = None) -> bool:
        return self.runs.start(folder, phases)

    def _analyze_chosen_folder(self) -> None:
        folder = self.prompts.choose_folder()
        if folder:
            self.analyze_folder(folder)

    def _run_finished(self, summary: RunSummary) -> None:
        if not self._run_ended():
            return
        self.runtime_label.note_run(summary)
        self.library.run_problems = summary.problems
        self.source.close()  # the first run creates the catalog; reopen to see it
        self.library.reload_all()
        if summary.problems:
            self.problems.show()
        if summary.failure:  # most photos failed for one outside reason: said once, in a dialog
            self.guard.show_error("The analysis failed", summary.failure)

    def _run_failed(self, message: str) -> None:
        if self._run_ended():
            self.guard.show_error("The analysis stopped", message)

    def _run_ended(self) -> bool:
        """The run ended; False when the window is going away and shows nothing more."""
        self.library.live_timer.stop()
        if self._closing and not self._shut_down:
            self.close()
        return not (self._closing or self._shut_down)

    def _library_reloaded(self) -> None:
        if self.current_view() == "duplicates":
            self.duplicates.set_clusters(self.source.clusters())

    def _search(self, text: str) -> None:
        if self.current_view() != "grid":
            self.show_view("grid")
        self.library.run_search(text)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- views ------------------------------------------------------------------------------------
    def current_view(self) -> str:
        return PAGES[self.pages.currentIndex()]

    def show_view(self, name: str) -> None:
        if name == "settings":
            self.open_settings()
            return
        if self.current_view() in ("grid", "detail") and name not in ("grid", "detail"):
            self.filters_wanted = self.filters_dock.isVisible()
        self.pages.setCurrentIndex(PAGES.index(name))
        self.filters_dock.setVisible(name in ("grid", "detail") and self.filters_wanted)
        if name == "grid":
            self.sidebar.select_entry("folder", self.library.folder, notify=False)
            self.grid.setFocus()
        elif name in ("duplicates", "cutout"):
            self.sidebar.select_entry("view", name, notify=False)
        if name == "duplicates":
            self.duplicates.set_clusters(self.source.clusters())
        elif name == "cutout":
            self.cutout.show_photo(*self.library.cutout_target())
        self._update_title()

    def _update_title(self) -> None:
        view = {"duplicates": "Duplicates", "cutout": "Background removal"}.get(
            self.current_view(), self.library.folder_title()
        )
        self.setWindowTitle(f"{view} — Image Engine")

    def select_folder(self, folder: str | None) -> None:
        if self.current_view() != "grid":
            self.show_view("grid")
        self.library.select_folder(folder)
        self._update_title()

    def select_folder_path(self, path: str) -> bool:
        return self.library.select_folder_path(path)

    def open_photo(self, photo_id: int) -> None:
        photo = self.source.photo(photo_id)
        if photo is None:
            return
        fallback = None
        if photo.get("thumbnail"):
            fallback = self.loader.pixmap(photo["thumbnail"], self.grid.delegate.cell)
        self.detail.show_photo(photo, fallback)
        self.pages.setCurrentIndex(PAGES.index("detail"))
        self.detail.setFocus()
        self.setWindowTitle(f"{os.path.basename(photo['path'])} — Image Engine")

    def _step_detail(self, step: int) -> None:
        if self.detail.photo is None:
            return
        row = self.grid_model.row_of(self.detail.photo["id"])
        if row is None:
            return
        target = row + step
        if 0 <= target < self.grid_model.rowCount():
            photo_id = self.grid_model.photo_id(target)
            self.grid.select_photo(photo_id)
            self.open_photo(photo_id)

    def _reveal_path(self, path: str) -> None:
        photo_id = self.source.photo_id_for(path)
        if photo_id is not None:
            self.show_view("grid")
            self.grid.select_photo(photo_id)

    # -- settings --------------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.settings, self.tasks, self)
            self.settings_dialog.saved.connect(self._settings_saved)
            self.settings_dialog.finished.connect(self._settings_closed)
            self.model_actions.add_to_settings(self.settings_dialog)
        self.settings_dialog.open()
        return self.settings_dialog

    def _settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.loader.clear()
        self.runtime_label.probe(settings)
        self.library.reload_all()

    def _settings_closed(self) -> None:
        dialog, self.settings_dialog = self.settings_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Image Engine",
            "Image Engine\nA private, fast photo organizer. Your photos never leave this computer "
            "and are never changed.",
        )

    # -- drag and drop ------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if _dropped_folder(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        folder = _dropped_folder(event)
        if folder is not None:
            event.acceptProposedAction()
            self.analyze_folder(folder)

    # -- readiness and shutdown -------------------------------------------------------------------------
    def is_settled(self) -> bool:
        """Nothing in flight that changes what the window shows (for screenshots and tests)."""
        if self.tasks.busy("analysis", "library", "models"):
            return False
        view = self.current_view()
        if view == "grid":
            cell = self.grid.delegate.cell
            for row in self.grid.visible_rows():
                found = self.grid_model.grid_row(row)
                thumb = found.thumb if found else None
                if thumb and self.loader.pixmap(thumb, cell) is None and not self.loader.failed(thumb, cell):
                    return False
            return True
        if view == "detail":
            return self.detail.canvas.loaded
        if view == "duplicates":
            return self.duplicates.loaded
        if view == "cutout":
            return self.cutout.settled
        return True

    def shutdown(self) -> None:
        """Stop everything; from here on no callback touches the catalog or a widget."""
        if self._shut_down:
            return
        self._shut_down = True
        self.runs.cancel()
        self.model_actions.shutdown()
        self.library.close()
        self.bridge.close()
        self.loader.shutdown()
        self.tasks.shutdown()  # waits for running jobs: a cancelled run stops between batches
        self.source.close()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:
            refresh_icons(self)
            self.sidebar.refresh_icons()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._defer_close():
            event.ignore()
            return
        if self.remember and not self._closing:
            self._save_state()
        if self.settings_dialog is not None:
            self.settings_dialog.reject()
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()

    def _defer_close(self) -> bool:
        """Closing during a run: cancel it and hide now; the window closes when the run reports
        back (or after CLOSE_GRACE_MS), so the UI never blocks on the worker."""
        if not self.runs.running or self._shut_down:
            return False
        if not self._closing:
            if self.remember:
                self._save_state()
            if self.settings_dialog is not None:
                self.settings_dialog.reject()
            self._closing = True
            self.library.live_timer.stop()
            self.runs.cancel()
            self.hide()
            QTimer.singleShot(CLOSE_GRACE_MS, self, self._close_anyway)
        return True

    def _close_anyway(self) -> None:
        if not self._shut_down:
            self.runs.forget()  # shutdown() still waits for the run's thread to end
            self.close()


def _dropped_folder(event) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isdir(url.toLocalFile()):
            return url.toLocalFile()
    return None
