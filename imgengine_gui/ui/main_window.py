"""The main window: library sidebar, filters, grid/detail/duplicates/cutout pages, problems, status."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer
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
from imgengine_gui.engine.pipeline import PHASES, AnalyzeRequest
from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.settings import Settings
from imgengine_gui.ui import jobs, ui_state
from imgengine_gui.ui.actions import build_menus, build_toolbar, create_actions
from imgengine_gui.ui.bridge import EngineBridge, connect_queued
from imgengine_gui.ui.catalog_source import CatalogSource
from imgengine_gui.ui.cutout_view import CutoutView, compute_cutout, save_png
from imgengine_gui.ui.detail import PhotoDetail
from imgengine_gui.ui.duplicates_view import DuplicatesView
from imgengine_gui.ui.filters import FilterPanel
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.icons import app_icon
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.problems import ProblemsDock, problems_from_catalog
from imgengine_gui.ui.settings_dialog import SettingsDialog
from imgengine_gui.ui.sidebar import Sidebar
from imgengine_gui.ui.status import RunProgress, describe_runtime, runtime_text, summary_text
from imgengine_gui.ui.thumbnails import ImageLoader
from imgengine_gui.ui.widgets import HintBanner, NoticeBar, SearchBox
from imgengine_gui.ui.worker import AnalysisWorker, Worker

PAGES = ("grid", "detail", "duplicates", "cutout")
LIVE_RELOAD_MS = 500
CELL_SIZES = (96, 120, 150, 190, 240)


class MainWindow(QMainWindow):
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
        self.reload_all()
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
        filter_scroll.setMinimumWidth(250)
        self.filters_dock = self._dock("Filters", "filtersDock", filter_scroll,
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.problems = ProblemsDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems)
        self.problems.hide()

        self.search = SearchBox()
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
        self.progress = RunProgress()
        status = self.statusBar()
        status.addWidget(self.counts_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.runtime_label)
        self.actions.cancel.setEnabled(False)
        self.actions.undo.setEnabled(False)

        self.live_timer = QTimer(self, interval=LIVE_RELOAD_MS)
        self.live_timer.timeout.connect(self._live_reload)
        self._live_cost = 0.0

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
        self.grid.selectionModel().currentChanged.connect(lambda *_: self._update_counts())
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
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self._default_layout()
        if isinstance(layout, QByteArray) and not layout.isEmpty():
            self.restoreState(layout)
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
            if self.search_mode == "clip" and self.search_hits is not None:
                base.photo_ids = tuple(self.search_hits)
            else:
                base.name = self.search_text
        return self.filters.apply_to(base)

    def reload_all(self) -> None:
        counts = self.source.counts()
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
        self.problems.set_problems(
            self.last_summary.problems if self.last_summary else
            problems_from_catalog(self.source.problems())
        )
        self.reload_photos()
        if self.current_view() == "duplicates":
            self.duplicates.set_clusters(self.source.clusters())

    def reload_photos(self) -> None:
        keep = self.grid.current_id()
        ids = self.source.ids(self.current_filter())
        if self.search_mode == "clip" and self.search_hits is not None and self.search_text:
            rank = {pid: n for n, pid in enumerate(self.search_hits)}
            ids.sort(key=lambda pid: rank.get(pid, len(rank)))
        self.grid_model.set_ids(ids)
        if keep is not None and self.grid.current_id() != keep:
            self.grid.select_photo(keep)
        self._update_counts()
        self._update_hint()

    def _update_counts(self) -> None:
        counts = self.source.counts()
        shown = self.grid_model.rowCount()
        parts = [f"{counts['photos']:,} photos"]
        if shown != counts["photos"]:
            parts.append(f"{shown:,} shown")
        selected = len(self.grid.selectionModel().selectedIndexes())
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

    def _live_reload(self) -> None:
        started = time.perf_counter()
        counts = self.source.counts()
        self.sidebar.set_library(counts["photos"], self.source.folders())
        self.reload_photos()
        cost = time.perf_counter() - started
        # Big libraries: reload less often so the UI thread stays free for input.
        self.live_timer.setInterval(max(LIVE_RELOAD_MS, int(cost * 5000)))

    # -- analysis ---------------------------------------------------------------------------------
    def _analyze_chosen_folder(self) -> None:
        folder = self.choose_folder()
        if folder:
            self.analyze_folder(folder)

    def analyze_folder(self, folder: str | Path, phases: tuple[str, ...] | None = None) -> bool:
        if self.analysis.running:
            self.notice.show_message("An analysis is already running; cancel it first.")
            return False
        folder = str(Path(folder).expanduser().resolve())
        if not os.path.isdir(folder):
            self.notice.show_message(f"Not a folder: {folder}")
            return False
        ui_state.remember_folder(folder)
        request = AnalyzeRequest(Path(folder), self.catalog, self.settings,
                                 tuple(phases or self.analysis_phases))
        self.last_summary = None
        self.actions.analyze.setEnabled(False)
        self.actions.cancel.setEnabled(True)
        self.progress.show_event(ProgressEvent("scan", 0, 0, message=f"Scanning {folder}"))
        self.analysis.start(request)
        self.live_timer.start()
        return True

    def cancel_analysis(self) -> None:
        if self.analysis.running:
            self.analysis.cancel()
            self.actions.cancel.setEnabled(False)
            self.progress.label.setText("Stopping after the current batch…")

    def _on_progress(self, event: ProgressEvent) -> None:
        if self.analysis.running and not self.analysis.cancelling:
            self.progress.show_event(event)

    def _on_finished(self, summary: RunSummary) -> None:
        self._analysis_ended()
        self.last_summary = summary
        self.progress.show_done(summary_text(summary))
        notes = "\n".join(summary.notes)
        self.runtime_label.setToolTip(
            (self.runtime or {}).get("detail", "") + ("\n\nLast run:\n" + notes if notes else "")
        )
        self.source.close()  # the first run creates the catalog; reopen to see it
        self.reload_all()
        if summary.problems:
            self.problems.show()

    def _on_failed(self, message: str) -> None:
        self._analysis_ended()
        self.progress.show_done("Analysis failed")
        self.notice.show_message(f"The analysis stopped: {message}")

    def _analysis_ended(self) -> None:
        self.analysis.mark_idle()
        self.live_timer.stop()
        self.actions.analyze.setEnabled(True)
        self.actions.cancel.setEnabled(False)

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
        if not photo_ids:
            return
        rows = self.source.rows(photo_ids)
        photos = [(pid, rows[pid].path) for pid in photo_ids if pid in rows]
        what = os.path.basename(photos[0][1]) if len(photos) == 1 else f"{len(photos)} photos"
        if not self.confirm("Move to Trash", f"Move {what} to the Trash?\nYou can undo this."):
            return
        catalog = self.catalog
        self.tasks.submit("trash", lambda: jobs.trash_photos(catalog, photos))

    def trash_duplicates(self, cluster_ids: list[int]) -> None:
        clusters = [c for c in self.source.clusters() if c["id"] in set(cluster_ids)]
        count = sum(1 for c in clusters for f in c["files"] if not f["keep"])
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
        catalog = self.catalog
        self.tasks.submit("undo", lambda: jobs.undo_trash(catalog))

    def set_keeper(self, cluster_id: int, photo_id: int) -> None:
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
        self.tasks.submit("cutout", lambda: compute_cutout(photo_id, path, settings, catalog))

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
        if tag == "runtime":
            self.runtime = result
            self.runtime_label.setText(runtime_text(result))
            self.runtime_label.setToolTip(result["detail"])
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
        elif tag == "cutout":
            self.cutout.set_result(result)
        elif tag == "cutout:save":
            self.notice.show_message(f"Saved {result}")

    def _on_task_failed(self, tag: str, message: str) -> None:
        if tag == "runtime":
            self.runtime_label.setText("Models: unavailable")
            self.runtime_label.setToolTip(message)
        elif tag == "search":
            self.search_mode = "name"
            self.reload_photos()
            self.hint.show_text(f"Text search is unavailable ({message}); filtering by file name.")
        elif tag == "cutout":
            self.cutout.set_error(message)
        elif tag.startswith("settings:"):
            self.statusBar().showMessage(message, 8000)
        elif tag != "can_undo":
            self.notice.show_message(f"{tag.capitalize()} failed: {message}")

    def _after_trash(self, report) -> None:
        moved = len(report.moved)
        text = f"Moved {moved} file{'s' if moved != 1 else ''} to the Trash."
        if report.failed:
            text += f" {len(report.failed)} could not be moved: {report.failed[0][1]}"
        self._set_undo(moved > 0)
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

    # -- settings --------------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.settings, self.bridge, self.tasks.submit, self)
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
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

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
                thumb = self.grid_model.grid_row(row).thumb if self.grid_model.grid_row(row) else None
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
        self.live_timer.stop()
        for worker in (self.analysis, self.tasks, self.probe):
            worker.stop()
        self.loader.shutdown()
        self.bridge.shutdown()
        self.source.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.remember:
            self._save_state()
        if self.settings_dialog is not None:
            self.settings_dialog.reject()
        self.shutdown()
        super().closeEvent(event)


def _dropped_folder(event) -> str | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isdir(url.toLocalFile()):
            return url.toLocalFile()
    return None
