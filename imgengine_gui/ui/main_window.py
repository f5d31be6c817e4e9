"""The main window: library sidebar, filters, grid/detail/duplicates/cutout pages, problems, status."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.catalog.queries import PhotoFilter
from imgengine_gui.engine.pipeline import PHASES
from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.settings import Settings
from imgengine_gui.ui import jobs, ui_state
from imgengine_gui.ui.actions import build_menus, build_toolbar, create_actions, refresh_icons
from imgengine_gui.ui.bridge import EngineBridge, connect_queued
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.catalog_source import CatalogSource
from imgengine_gui.ui.cutout_view import CutoutView
from imgengine_gui.ui.detail import PhotoDetail
from imgengine_gui.ui.duplicates_view import DuplicatesView
from imgengine_gui.ui.filters import FilterPanel
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.icons import app_icon
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.problems import ProblemsDock, problems_from_catalog
from imgengine_gui.ui.settings_dialog import SettingsDialog
from imgengine_gui.ui.sidebar import Sidebar
from imgengine_gui.ui.status import RunProgress, describe_runtime
from imgengine_gui.ui.thumbnails import ImageLoader
from imgengine_gui.ui.widgets import HintBanner, NoticeBar, SearchBox, ask
from imgengine_gui.ui.window_analysis import LIVE_RELOAD_MS, AnalysisMixin
from imgengine_gui.ui.window_jobs import JobsMixin
from imgengine_gui.ui.worker import AnalysisWorker, Worker

PAGES = ("grid", "detail", "duplicates", "cutout")
CELL_SIZES = (96, 120, 150, 190, 240)


class MainWindow(AnalysisMixin, JobsMixin, QMainWindow):
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
        self.analysis_phases: tuple[str, ...] = PHASES
        self.folder: str | None = None
        self.search_text = ""
        self.search_hits: list[int] | None = None
        self.search_mode = "name"
        self.last_summary: RunSummary | None = None
        self.runtime: dict | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.remember = remember  # False: ignore and keep the saved geometry (screenshots)
        self._shut_down = False
        self._closing = False  # close asked while an analysis runs: waiting for it to stop
        self._counts = {"photos": 0, "missing": 0, "errors": 0, "clusters": 0}
        self._seen_version: tuple[int, int] | None = None  # catalog data_version last shown
        self._problems_stale = False
        self.filters_wanted = True
        # Replaceable in tests: the modal bits of the UI.
        self.choose_folder = self._choose_folder
        self.choose_save_path = self._choose_save_path
        self.confirm = self._confirm

        self.bridge = EngineBridge(self)
        self.analysis = AnalysisWorker(self.bridge)
        self.tasks = Worker("tasks", self.bridge)
        self.probe = Worker("probe", self.bridge)
        self.loader = ImageLoader(self.bridge, parent=self)
        self.source = CatalogSource(self.catalog)
        self._build()
        self._connect()
        if remember:
            self._restore_state()
        else:
            self._default_layout()
        self.guard = CatalogGuard(self, self.catalog)
        self.reload_all()
        self.guard.check()
        self.probe.submit("runtime", lambda: describe_runtime(self.settings))
        self.tasks.submit("can_undo", lambda: jobs.can_undo(self.catalog))

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
        self.runtime_label = QLabel("Models: checking…")
        self.runtime_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = RunProgress()
        status = self.statusBar()
        status.addWidget(self.counts_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.runtime_label)
        self.actions.cancel.setEnabled(False)
        self.actions.undo.setEnabled(False)

        self.live_timer = QTimer(self, interval=LIVE_RELOAD_MS)
        self.live_timer.timeout.connect(self._live_reload)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        a = self.actions
        a.analyze.triggered.connect(self._analyze_chosen_folder)
        a.cancel.triggered.connect(self.cancel_analysis)
        a.settings.triggered.connect(self.open_settings)
        a.undo.triggered.connect(self.undo_trash)
        a.trash.triggered.connect(lambda: self.trash_photos(self.grid.selected_ids()))
        a.export.triggered.connect(self.export_duplicates)
        a.find.triggered.connect(self._focus_search)
        a.view_grid.triggered.connect(lambda: self.show_view("grid"))
        a.view_duplicates.triggered.connect(lambda: self.show_view("duplicates"))
        a.view_cutout.triggered.connect(lambda: self.show_view("cutout"))
        a.larger.triggered.connect(lambda: self.zoom.setValue(self.zoom.value() + 1))
        a.smaller.triggered.connect(lambda: self.zoom.setValue(self.zoom.value() - 1))
        a.quit.triggered.connect(self.close)
        a.about.triggered.connect(self._about)
        self.zoom.valueChanged.connect(lambda v: self.grid.set_cell(CELL_SIZES[v]))

        connect_queued(self.bridge.progressed, self._on_progress)
        connect_queued(self.bridge.finished, self._on_finished)
        connect_queued(self.bridge.failed, self._on_failed)
        connect_queued(self.bridge.task_finished, self._on_task)
        connect_queued(self.bridge.task_failed, self._on_task_failed)

        self.grid.open_requested.connect(self.open_photo)
        self.grid.delete_requested.connect(self.trash_photos)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update_counts())
        self.problems.visibilityChanged.connect(self._problems_shown)
        self.sidebar.folder_selected.connect(self.select_folder)
        self.sidebar.view_selected.connect(self.show_view)
        self.filters.changed.connect(self.reload_photos)
        self.search.search.connect(self.run_search)
        self.detail.back_requested.connect(lambda: self.show_view("grid"))
        self.detail.step_requested.connect(self._step_detail)
        self.duplicates.keeper_requested.connect(self.set_keeper)
        self.duplicates.trash_requested.connect(self.trash_duplicates)
        self.duplicates.undo_requested.connect(self.undo_trash)
        self.duplicates.export_requested.connect(self.export_duplicates)
        self.cutout.compute_requested.connect(self._compute_cutout)
        self.cutout.save_requested.connect(self._save_cutout)
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
            self.sidebar.select_entry("folder", self.folder, notify=False)
            self.grid.setFocus()
        elif name in ("duplicates", "cutout"):
            self.sidebar.select_entry("view", name, notify=False)
        if name == "duplicates":
            self.duplicates.set_clusters(self.source.clusters())
        elif name == "cutout":
            self.cutout.show_photo(*self._cutout_target())
        self._update_title()

    def _update_title(self) -> None:
        where = os.path.basename(self.folder.rstrip(os.sep)) if self.folder else "All photos"
        view = {"duplicates": "Duplicates", "cutout": "Background removal"}.get(
            self.current_view(), where
        )
        self.setWindowTitle(f"{view} — Image Engine")

    def select_folder(self, folder: str | None) -> None:
        self.folder = folder
        if self.current_view() != "grid":
            self.show_view("grid")
        self.filters.refresh(self.source, folder)
        self.reload_photos()
        self._update_title()

    def select_folder_path(self, path: str) -> bool:
        resolved = str(Path(path).expanduser().resolve())
        if resolved not in self.sidebar.folder_paths():
            self.statusBar().showMessage(f"{resolved} is not analyzed yet", 8000)
            return False
        self.sidebar.select_entry("folder", resolved)
        return True

    # -- loading from the catalog -------------------------------------------------------------------
    def current_filter(self) -> PhotoFilter:
        base = PhotoFilter(folder=self.folder)
        if self.search_text:
            if self.search_mode != "clip":
                base.name = self.search_text
            elif self.search_hits is not None:
                base.photo_ids = tuple(self.search_hits)
            # else a text search is pending: the grid keeps all photos until its hits arrive
        return self.filters.apply_to(base)

    def reload_all(self) -> None:
        self._seen_version = self.source.data_version()
        self._counts = counts = self.source.counts()
        self.sidebar.set_library(counts["photos"], self.source.folders())
        self.sidebar.set_cluster_count(counts["clusters"])
        if self.sidebar.selected_entry() is None:
            self.sidebar.select_entry("folder", None, notify=False)
        self.filters.refresh(self.source, self.folder)
        self.search_mode = "clip" if self.source.has_embeddings(self.settings.scenes_model) else "name"
        self.search.setPlaceholderText(
            "Search by content, e.g. “dog on a beach” (Ctrl+F)" if self.search_mode == "clip"
            else "Filter by file name (Ctrl+F)"
        )
        self._problems_stale = True
        self._problems_shown(self.problems.isVisible())
        self.reload_photos()
        if self.current_view() == "duplicates":
            self.duplicates.set_clusters(self.source.clusters())

    def _problems_shown(self, visible: bool) -> None:
        """Problems are read from the catalog only when the dock is (or becomes) visible."""
        if not (visible and self._problems_stale):
            return
        self._problems_stale = False
        self.problems.set_problems(
            self.last_summary.problems if self.last_summary else
            problems_from_catalog(self.source.problems())
        )

    def reload_photos(self) -> None:
        current, selected = self.grid.current_id(), self.grid.selected_ids()
        ids = self.source.ids(self.current_filter())
        if self.search_mode == "clip" and self.search_hits is not None and self.search_text:
            rank = {pid: n for n, pid in enumerate(self.search_hits)}
            ids.sort(key=lambda pid: rank.get(pid, len(rank)))
        if self.grid_model.set_ids(ids) and (current is not None or selected):
            self.grid.restore_selection(selected, current)  # no scrolling: the view keeps its place
        self._update_counts()
        self._update_hint()

    def _update_counts(self) -> None:
        """From the counts read at the last reload: cheap enough for every selection change."""
        counts = self._counts
        shown = self.grid_model.rowCount()
        parts = [f"{counts['photos']:,} photos"]
        if shown != counts["photos"]:
            parts.append(f"{shown:,} shown")
        selected = self.grid.selected_count()
        if selected > 1:
            parts.append(f"{selected} selected")
        if counts["errors"]:
            parts.append(f"{counts['errors']} with problems")
        if counts["clusters"]:
            parts.append(f"{counts['clusters']} duplicate groups")
        self.counts_label.setText(" · ".join(parts))

    def _update_hint(self) -> None:
        if not self.search_text:
            self.hint.show_text("")
        elif self.search_mode == "clip":
            self.hint.show_text(f"Best matches for “{self.search_text}” (CLIP text search)")
        else:
            self.hint.show_text(
                f"Showing photos whose file name contains “{self.search_text}”. Searching by "
                "content needs CLIP image embeddings: put the CLIP model in place (see "
                "`imgengine models`) and analyze the folder again."
            )

    # -- detail -------------------------------------------------------------------------------------
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
            # The probe worker: detecting hardware imports torch; trash/undo stay prompt.
            self.settings_dialog = SettingsDialog(self.settings, self.bridge, self.probe.submit, self)
            self.settings_dialog.saved.connect(self._settings_saved)
            self.settings_dialog.finished.connect(self._settings_closed)
        self.settings_dialog.open()
        return self.settings_dialog

    def _settings_saved(self, settings: Settings) -> None:
        self.settings = settings
        self.loader.clear()
        self.probe.submit("runtime", lambda: describe_runtime(settings))
        self.reload_all()

    def _settings_closed(self) -> None:
        dialog, self.settings_dialog = self.settings_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # -- modal helpers (replaced in tests) ---------------------------------------------------------------
    def _choose_folder(self) -> str | None:
        start = ui_state.last_folder() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Analyze folder", start)
        return chosen or None

    def _choose_save_path(self, title: str, filters: str, suggested: str) -> str | None:
        start = os.path.join(ui_state.last_folder() or str(Path.home()), suggested)
        chosen, _ = QFileDialog.getSaveFileName(self, title, start, filters)
        return chosen or None

    def _confirm(self, title: str, text: str) -> bool:
        return ask(self, title, text)

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
        if self.analysis.running or self.tasks.busy or self.bridge.async_busy:
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
        """Stop everything; from here on no slot touches the catalog."""
        if self._shut_down:
            return
        self._shut_down = True
        self.live_timer.stop()
        self._disconnect_bridge()
        for worker in (self.analysis, self.tasks, self.probe):
            worker.stop()
        self.loader.shutdown()
        self.bridge.shutdown()
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


def _dropped_folder(event) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isdir(url.toLocalFile()):
            return url.toLocalFile()
    return None
