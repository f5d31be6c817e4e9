"""The main window: builds the views, composes the controllers that own the state, wires them.

- ``LibraryController``: what the grid shows (folder, filters, search, counts, live reloads);
- ``RunController``: analysis runs (start, cancel, progress);
- ``TrashController``: trash, undo, keepers, export;
- ``CutoutController``: background-removal previews;
- ``TagsController``: personal tags (Teach tag…, a tag's review page, My tags in the sidebar);
- ``PeopleController``: the People tiles, the person filter and people edits;
- ``CatalogGuard``: a catalog opened read-only (banner, why a write cannot run), catalog errors.

The window itself keeps only navigation between pages, the settings dialog, its saved layout,
and closing (a close during a run waits for the run to stop, without blocking the UI).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.settings import Settings
from imgengine_gui.ui import jobs, library_reads, ui_state
from imgengine_gui.ui.actions import build_menus, build_toolbar, create_actions, refresh_icons
from imgengine_gui.ui.bridge import EngineBridge
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.cutout_controller import CutoutController
from imgengine_gui.ui.cutout_view import CutoutView
from imgengine_gui.ui.detail import PhotoDetail
from imgengine_gui.ui.duplicates_view import DuplicatesView
from imgengine_gui.ui.face_crops import FaceCrops
from imgengine_gui.ui.filters import FilterPanel
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.icons import app_icon
from imgengine_gui.ui.left_pane import LeftPane
from imgengine_gui.ui.library_controller import LibraryController, LibraryViews
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.models_menu import ModelActions
from imgengine_gui.ui.organize import Organizer
from imgengine_gui.ui.page_stack import PageStack
from imgengine_gui.ui.people_controller import PeopleController
from imgengine_gui.ui.people_panel import PeoplePanel
from imgengine_gui.ui.photo_menu import PhotoCommands, PhotoMenu, attach_to_grid
from imgengine_gui.ui.problems import ProblemsDock
from imgengine_gui.ui.prompts import Prompts
from imgengine_gui.ui.resume import ResumeOffer
from imgengine_gui.ui.run_controller import RunController
from imgengine_gui.ui.runtime_label import RuntimeLabel
from imgengine_gui.ui.settings_dialog import SettingsDialog
from imgengine_gui.ui.sidebar import Sidebar
from imgengine_gui.ui.status import RunProgress
from imgengine_gui.ui.tag_page import TagPageView
from imgengine_gui.ui.tags_controller import TagsController
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.thumbnails import ImageLoader
from imgengine_gui.ui.timeline import TimelineBar
from imgengine_gui.ui.trash_controller import TrashController
from imgengine_gui.ui.undo_router import UndoRouter
from imgengine_gui.ui.viewer_controller import KeyFilter, ViewerController
from imgengine_gui.ui.widgets import HintBanner, NoticeBar, SearchBox

PAGES = ("grid", "detail", "duplicates", "cutout", "tag", "viewer")
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
        self._detail_wanted: int | None = None  # the photo the detail view was last asked for
        self.prompts = Prompts(self)  # the modal questions (replaced in tests)
        self.prompts.analyzed_folders = lambda: self.sidebar.folder_paths()

        self.bridge = EngineBridge(self)
        self.tasks = TaskRunner(self.bridge, self)
        self.loader = ImageLoader(self.tasks, parent=self)
        self.source = CatalogReader(self.catalog)
        self._build()
        self._compose()
        self._connect()
        self.model_actions = ModelActions(self)
        self.photo_menu.selection_actions.append(self.model_actions.reanalyze)
        if remember:
            self._restore_state()
        else:
            self._default_layout()
        self.library.reload_all()
        self.guard.check()
        self.resume.check()
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
        self.tag_page = TagPageView(self.source, self.loader)
        self.viewing = ViewerController(self.tasks, self.source, self.grid, lambda: self.settings,
                                        self)

        library = QWidget()
        library_layout = QVBoxLayout(library)
        library_layout.setContentsMargins(0, 0, 0, 0)
        library_layout.setSpacing(0)
        library_layout.addWidget(self.hint)
        self.timeline = TimelineBar()
        grid_row = QHBoxLayout()
        grid_row.setSpacing(0)
        grid_row.addWidget(self.grid, 1)
        grid_row.addWidget(self.timeline)
        library_layout.addLayout(grid_row, 1)
        self.pages = PageStack()
        tag_scroll = QScrollArea()  # a long tag name widens its page: it scrolls, never the docks
        tag_scroll.setWidget(self.tag_page)
        tag_scroll.setWidgetResizable(True)
        tag_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        for page in (library, self.detail, self.duplicates, self.cutout, tag_scroll,
                     self.viewing.page):
            self.pages.addWidget(page)
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.pages, 1)
        central_layout.addWidget(self.notice)
        self.setCentralWidget(central)

        self.sidebar = Sidebar()
        self.face_crops = FaceCrops(self.tasks, self)
        self.people_panel = PeoplePanel(self.face_crops)
        self.left_pane = LeftPane(self.sidebar, self.people_panel)
        self.sidebar_dock = self._dock("Library", "libraryDock", self.left_pane,
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
        status.addPermanentWidget(self.counts_label)  # never hidden or covered by a hint
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
                                  (self.actions.analyze, self.actions.trash,
                                   self.actions.teach_tag), self)
        self.centralWidget().layout().insertWidget(0, self.guard.banner)
        self.library = LibraryController(self.source, self.tasks, views, self.catalog, settings,
                                         self)
        self.runs = RunController(self.tasks, self.bridge, self.catalog, settings, self.actions,
                                  self.progress, self.notice, self.guard, self)
        self.undo_router = UndoRouter(self.actions.undo, self)
        self.trash_undo_state = QAction(self)  # the trash's own undo state, for the router
        self.undo_router.add("trash", lambda: self.trash.undo(), "Move to Trash")
        self.trash_undo_state.changed.connect(lambda: self.undo_router.set_available(
            "trash", self.trash_undo_state.isEnabled()))
        self.trash = TrashController(self.tasks, self.source, self.catalog, self.prompts,
                                     self.notice, self.duplicates, self.trash_undo_state,
                                     self.statusBar(), self.guard, self)
        self.resume = ResumeOffer(self.tasks, self.catalog, self.notice, self.runs, self.guard, self)
        self.cutouts = CutoutController(self.tasks, self.cutout, self.prompts, self.notice,
                                        self.catalog, settings, self)
        self.tags = TagsController(self.tasks, self.source, self.catalog, self.grid,
                                   self.tag_page, self.loader, self.runs, self.prompts,
                                   self.guard, self.statusBar(), self, settings)
        commands = PhotoCommands(self.view_photo, self.open_photo, self._cutout_photo,
                                 self.trash.trash_photos, self._show_similar,
                                 [self.actions.teach_tag])
        self.photo_menu = PhotoMenu(self.source, self.tasks, self.catalog, commands, self.notice,
                                    self)
        self.organize = Organizer(self)
        self.people = PeopleController(self.tasks, self.catalog, self.people_panel, self.notice,
                                       self.guard, self.undo_router, self, self)

    def _connect(self) -> None:
        a = self.actions
        a.analyze.triggered.connect(self._analyze_chosen_folder)
        a.cancel.triggered.connect(self.runs.cancel)
        a.settings.triggered.connect(self.open_settings)
        self.tasks.settled.connect(self._task_settled)  # a trash done: Ctrl+Z undoes it first
        a.trash.triggered.connect(lambda: self.trash.trash_photos(self.grid.selected_ids()))
        a.export.triggered.connect(self.trash.export_duplicates)
        a.teach_tag.triggered.connect(self.tags.teach_selected)
        a.find.triggered.connect(self._focus_search)
        a.view_grid.triggered.connect(lambda: self.show_view("grid"))
        a.view_duplicates.triggered.connect(lambda: self.show_view("duplicates"))
        a.view_cutout.triggered.connect(lambda: self.show_view("cutout"))
        a.larger.triggered.connect(lambda: self.zoom.setValue(self.zoom.value() + 1))
        a.smaller.triggered.connect(lambda: self.zoom.setValue(self.zoom.value() - 1))
        a.quit.triggered.connect(self.close)
        a.about.triggered.connect(self._about)
        self.zoom.valueChanged.connect(lambda v: self.grid.set_cell(CELL_SIZES[v]))
        self.zoom.valueChanged.connect(ui_state.remember_thumbnail_size)  # kept even if killed

        self.runs.started.connect(self.library.live_timer.start)
        self.runs.finished.connect(self._run_finished)
        self.runs.failed.connect(self._run_failed)
        self.library.reloaded.connect(self._library_reloaded)
        self.library.reloaded.connect(self.viewing.library_reloaded)
        self.library.reloaded.connect(self.people.reload)
        self.people.filter_changed.connect(self._people_filter_changed)
        self.people.listed.connect(lambda: self.filters.set_persons(self.people.picked_names()))
        self.filters.persons_cleared.connect(self._person_filter_cleared)
        self.people_panel.tiles.itemClicked.connect(lambda _item: self.show_view("grid"))
        self.people.edited.connect(self._people_edited)
        self.tags.person_requested.connect(self._show_person)
        self.tags.renamed.connect(self.filters.my_tags.rename)
        self.detail.face_clicked.connect(self.people.show_face_menu)
        self.trash.library_changed.connect(self.library.reload_all)
        self.trash.clusters_changed.connect(self.load_duplicates)
        self.duplicates.set_excluded(ui_state.excluded_groups(self.catalog))
        self.duplicates.excluded_changed.connect(
            lambda keys: ui_state.remember_excluded_groups(self.catalog, keys)
        )
        self.guard.reconciled.connect(self.trash.recovered)
        self.tags.library_changed.connect(self.library.reload_all)
        self.tags.page_requested.connect(lambda _name: self.show_view("tag"))
        self.tags.closed_page.connect(lambda: self.show_view("grid"))
        self.tags.filter_requested.connect(self._filter_by_tag)
        self.sidebar.tag_selected.connect(self.tags.open_tag)

        self.grid.open_requested.connect(self.view_photo)
        self.viewing.viewer.closed.connect(lambda: self.show_view("grid"))
        self.viewing.viewer.info_requested.connect(self.open_photo)
        self.viewing.viewer.current_changed.connect(self._viewer_title)
        self.viewing.viewer.menu_requested.connect(
            lambda photo_id, at: self.photo_menu.popup([photo_id], at, self)
        )
        attach_to_grid(self.grid, self.photo_menu)
        canvas = self.detail.canvas
        canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        canvas.customContextMenuRequested.connect(lambda at: self.detail.photo and self.photo_menu.popup(
            [self.detail.photo["id"]], canvas.mapToGlobal(at), self))
        self.grid.installEventFilter(KeyFilter(Qt.Key.Key_I, self._info_of_current, self))
        self.detail.view_requested.connect(lambda: self.view_photo(self.detail.photo["id"]))
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
        filters = state.value("filters_visible")  # the dock is hidden off the photo views
        if filters is not None:
            self.filters_wanted = str(filters).lower() == "true"
            self.filters_dock.setVisible(self.filters_wanted)
        self.left_pane.restore_split(state.value("sidebar_split"))
        zoom = state.value("thumbnail_size")
        if zoom is not None and str(zoom).isdigit():
            self.zoom.setValue(int(zoom))

    def _save_state(self) -> None:
        state = ui_state.ui_settings()
        state.setValue("geometry", self.saveGeometry())
        state.setValue("window_state", self.saveState())
        split = self.left_pane.saved_split()
        if split is None:
            state.remove("sidebar_split")
        else:
            state.setValue("sidebar_split", split)
        on_photos = self.current_view() in ("grid", "detail")
        state.setValue("filters_visible",
                       not self.filters_dock.isHidden() if on_photos else self.filters_wanted)
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
            self.library.reload_photos()  # sorted again
            self.guard.show_error("The analysis stopped", message)

    def _run_ended(self) -> bool:
        """The run ended; False when the window is going away and shows nothing more."""
        self.library.live_timer.stop()
        self.organize.run_ended()
        if self._closing and not self._shut_down:
            self.close()
        return not (self._closing or self._shut_down)

    def _library_reloaded(self) -> None:
        self.sidebar.set_tags(self.library.all_tags)
        if self.current_view() == "duplicates":
            self.load_duplicates()

    def load_duplicates(self) -> None:
        """Read the groups off the UI thread; the view builds their cards a few at a time."""
        self.duplicates.set_reading()
        catalog = self.catalog
        self.tasks.submit("reads", "clusters", lambda: jobs.read_clusters(catalog),
                          self.duplicates.set_clusters, lambda _m: self.duplicates.set_clusters([]))

    def _task_settled(self, task) -> None:
        if task.name == "trash" and task.error is None and getattr(task.result, "moved", None):
            self.undo_router.did("trash")

    def _people_filter_changed(self) -> None:
        self.library.persons = self.people.persons
        self.filters.set_persons(self.people.picked_names())
        if self.current_view() not in ("grid", "detail"):  # a click on a tile also leaves the detail
            self.show_view("grid")
        self.library.reload_photos()

    def _show_person(self, person_id: str) -> None:
        """The grid filtered by one person, as a click on their tile does."""
        self.show_view("grid")
        self.people_panel.select([person_id])

    def _person_filter_cleared(self) -> None:
        """Clear filters let go of the people too (the filter panel reads the grid again)."""
        self.people.clear_filter()
        self.library.persons = ()

    def _people_edited(self) -> None:
        """Names and people changed: the grid (when filtered by a person) and the detail read again."""
        self.library.reload_photos()
        if self.current_view() == "detail" and self._detail_wanted is not None:
            self.open_photo(self._detail_wanted)  # the photo asked for last, not the one shown

    def _search(self, text: str) -> None:
        if self.current_view() != "grid":
            self.show_view("grid")
        self.library.run_search(text)

    def _filter_by_tag(self, name: str) -> None:
        self.filters.reset()
        self.filters.my_tags.set_checked((name,))
        self.filters_wanted = True
        self.show_view("grid")

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
        self.counts_label.setVisible(name != "tag")  # the tag's page says its own selection
        if name == "grid":
            self.sidebar.select_entry("folder", self.library.folder, notify=False)
            self.grid.setFocus()
        elif name in ("duplicates", "cutout"):
            self.sidebar.select_entry("view", name, notify=False)
        elif name == "tag":
            self.sidebar.select_entry("tag", self.tags.current, notify=False)
        if name == "duplicates":
            self.load_duplicates()
        elif name == "cutout":
            self.cutout.show_photo(*self.library.cutout_target())
        self._update_title()

    def _update_title(self) -> None:
        view = {"duplicates": "Duplicates", "cutout": "Background removal",
                "tag": f"My tags: {self.tags.current}"}.get(
            self.current_view(), self.library.folder_title()
        )
        self.setWindowTitle(f"{view} — Image Engine")

    def select_folder(self, folder: str | None) -> None:
        if self.current_view() != "grid":
            self.show_view("grid")
        self.library.select_folder(folder)
        self.sidebar.select_entry("folder", folder, notify=False)  # show_view marked the old one
        self._update_title()

    def select_folder_path(self, path: str) -> bool:
        return self.library.select_folder_path(path)

    def open_photo(self, photo_id: int) -> None:
        """The detail view, read on the reads lane; of quick requests the last one wins."""
        self._detail_wanted, catalog = photo_id, self.catalog
        self.tasks.submit("reads", "detail", lambda: library_reads.read_photo(catalog, photo_id),
                          lambda photo: self._photo_read(photo_id, photo),
                          self.library.read_failed)

    def _photo_read(self, photo_id: int, photo: dict | None) -> None:
        if photo is None or photo_id != self._detail_wanted or self._shut_down:
            return
        fallback = None
        if photo.get("thumbnail"):
            fallback = self.loader.pixmap(photo["thumbnail"], self.grid.delegate.cell)
        self.detail.show_photo(photo, fallback)
        self.pages.setCurrentIndex(PAGES.index("detail"))
        self.detail.setFocus()
        self.setWindowTitle(f"{os.path.basename(photo['path'])} — Image Engine")

    def view_photo(self, photo_id: int) -> None:
        """The viewer (double-click, Enter); the detail view (``open_photo``) keeps the info."""
        if not self.viewing.open(photo_id):
            return
        # the filters come back with the grid (the detail view shown from the viewer has none)
        if self.current_view() == "grid" or self.filters_dock.isVisible():
            self.filters_wanted = self.filters_dock.isVisible()
        self.pages.setCurrentIndex(PAGES.index("viewer"))
        self.filters_dock.hide()
        self._viewer_title()

    def _viewer_title(self, *_photo_id: int) -> None:
        if self.current_view() == "viewer":
            self.setWindowTitle(f"{self.viewing.viewer.title.text()} — Image Engine")

    def _info_of_current(self) -> None:
        photo_id = self.grid.current_id()
        if photo_id is not None:
            self.open_photo(photo_id)

    def _cutout_photo(self, photo_id: int) -> None:
        self.grid.select_photo(photo_id)
        self.show_view("cutout")

    def _show_similar(self, name: str, ranked: list[int]) -> None:
        self.show_view("grid")
        self.library.show_similar(name, ranked)
        self.notice.show_message(f"Photos like {name}, the most similar first.", "Show all",
                                 lambda: self.library.select_folder(self.library.folder))

    def _step_detail(self, step: int) -> None:
        if self.detail.photo is None or self._detail_wanted is None:
            return
        row = self.grid_model.row_of(self._detail_wanted)  # steps ahead of a read in flight
        if row is None:
            return
        target = row + step
        if 0 <= target < self.grid_model.rowCount():
            photo_id = self.grid_model.photo_id(target)
            self.grid.select_photo(photo_id)
            self.open_photo(photo_id)

    def _reveal_path(self, path: str) -> None:
        catalog = self.catalog
        self.tasks.submit("reads", "reveal", lambda: library_reads.read_photo_id(catalog, path),
                          self._reveal_photo, self.library.read_failed)

    def _reveal_photo(self, photo_id: int | None) -> None:
        if photo_id is not None and not self._shut_down:
            self.show_view("grid")
            self.grid.select_photo(photo_id)

    # -- settings --------------------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.settings, self.tasks, self)
            self.settings_dialog.saved.connect(self._settings_saved)
            self.settings_dialog.forget_faces.connect(self.people.forget)
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
        if self.tasks.busy("analysis", "library", "models", "reads") or self.face_crops.pending():
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
        if view == "tag":
            return not self.tasks.busy("library") and self.tag_page.settled
        if view == "viewer":
            return self.viewing.viewer.settled
        return True

    def shutdown(self) -> None:
        """Stop everything; from here on no callback touches the catalog or a widget."""
        if self._shut_down:
            return
        self._shut_down = True
        self.runs.cancel()
        self.viewing.close()
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
