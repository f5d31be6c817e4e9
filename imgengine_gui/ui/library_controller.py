"""What the grid shows: the folder, the filters and the search, read from the catalog.

Owns the library's state (folder, search, counts, what was last read) and keeps the sidebar,
filters, grid, hint, counts and problems in step with the catalog, live during a run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStatusBar

from imgengine_gui.catalog.ordering import Ordered
from imgengine_gui.catalog.queries import PhotoFilter
from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.engine.progress import FileProblem
from imgengine_gui.settings import Settings
from imgengine_gui.ui import jobs, library_reads
from imgengine_gui.ui.empty_state import EmptyAction, empty_text
from imgengine_gui.ui.filters import FilterPanel
from imgengine_gui.ui.formatting import counted
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.models import PhotoGridModel
from imgengine_gui.ui.problems import ProblemsDock, problems_from_catalog
from imgengine_gui.ui.sidebar import Sidebar
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.widgets import HintBanner, SearchBox

LIVE_RELOAD_MS = 500


@dataclass
class LibraryViews:
    grid: PhotoGrid
    grid_model: PhotoGridModel
    sidebar: Sidebar
    filters: FilterPanel
    search: SearchBox
    hint: HintBanner
    counts_label: QLabel
    problems: ProblemsDock
    status: QStatusBar


class LibraryController(QObject):
    reloaded = Signal()  # everything was read again (after a run, a trash, new settings)
    similar_changed = Signal(bool)  # Find Similar's results (ordered by likeness) show, or went

    def __init__(self, source: CatalogReader, tasks: TaskRunner, views: LibraryViews,
                 catalog: Path, settings: Callable[[], Settings],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source, self._tasks, self.views = source, tasks, views
        self._versions = CatalogReader(catalog)  # used on the reads lane only: data_version
        self._catalog, self._settings = catalog, settings
        self.folder: str | None = None
        self.persons: tuple[int, ...] = ()  # the People tiles selected: photos of any of them
        self.search_text = ""
        self.search_hits: list[int] | None = None  # ranked CLIP hits of search_text
        self.search_mode = "name"  # "clip" once image embeddings of the CLIP model are stored
        self._search_unavailable: str | None = None  # why text search failed (the hint says it)
        self.similar: tuple[str, list[int]] | None = None  # "Find similar": name, ranked ids
        self.run_problems: list[FileProblem] | None = None  # the last run's, else the catalog's
        self.counts = dict.fromkeys(library_reads.NO_COUNTS, 0)
        self.all_tags: list[tuple[str, int]] = []  # personal tags over the library (sidebar)
        self._seen_version: tuple[int, int] | None = None  # catalog data_version last shown
        self._problems_stale = False
        self._generation = 0  # bumped whenever what the grid should show changes
        self._shown = 0  # the generation the grid shows
        self._live_pending = False  # a live read is in flight
        self._closed = False  # the window is going away: nothing reads the catalog any more
        self.sort_key, self.sort_reverse = "taken", False  # see ui/sorting.py
        self.keep_order = False  # during a run: live reloads append, nothing already shown moves
        self.live_timer = QTimer(self, interval=LIVE_RELOAD_MS)
        self.live_timer.timeout.connect(self.live_reload)
        views.problems.visibilityChanged.connect(self._problems_shown)
        views.grid.selectionModel().selectionChanged.connect(lambda *_: self.update_counts())
        views.filters.changed.connect(self.reload_photos)
        self.clear_action = EmptyAction(views.grid, "Clear filters")
        self.clear_action.button.clicked.connect(self.clear_filters)

    # -- reading -----------------------------------------------------------------------------
    def current_filter(self) -> PhotoFilter:
        base = PhotoFilter(folder=self.folder, persons=self.persons)
        if self.similar:
            base.photo_ids = tuple(self.similar[1])
        if self.search_text:
            if self.search_mode != "clip":
                base.name = self.search_text
            elif self.search_hits is not None:
                base.photo_ids = tuple(self.search_hits)
            # else a text search is pending: the grid keeps all photos until its hits arrive
        return self.views.filters.apply_to(base)

    def close(self) -> None:
        self._closed = True
        self.live_timer.stop()
        self.source.close()
        self._versions.close()

    @property
    def settled(self) -> bool:
        """The grid shows the last read asked for (tests and screenshots wait for it)."""
        return self._shown == self._generation and not self._live_pending

    def reload_all(self) -> None:
        """Read everything again on the reads lane (after a run, a trash, new settings): counts,
        folders, filter choices, tags, whether text search works, then the grid's photos."""
        if self._closed:
            return
        self._generation += 1
        generation, catalog, folder = self._generation, self._catalog, self.folder
        versions = self._versions
        photo_filter, key, reverse = self.current_filter(), self.sort_key, self.sort_reverse
        scenes_model = self._settings().scenes_model
        self._tasks.submit(
            "reads", "library:all",
            lambda: library_reads.read_library(catalog, versions, folder, photo_filter, key,
                                               reverse, scenes_model),
            lambda found: self._library_read(generation, photo_filter, found),
            lambda message: self._failed(generation, message),
        )  # fmt: skip

    def _library_read(self, generation: int, photo_filter: PhotoFilter,
                      found: library_reads.LibraryRead) -> None:
        if self._closed:
            return
        v = self.views
        self._seen_version = found.version
        self.counts = counts = found.counts
        self.all_tags = found.all_tags
        v.sidebar.set_library(counts["photos"], found.folders)
        v.sidebar.set_cluster_count(counts["clusters"])
        if v.sidebar.selected_entry() is None:
            v.sidebar.select_entry("folder", None, notify=False)
        if photo_filter.folder == self.folder:  # else choosing the folder read its choices
            c = found.choices
            v.filters.set_choices(c.scenes, c.objects, c.cameras, c.my_tags)
        was_clip, clip = self.search_mode == "clip", found.clip
        self.search_mode, self._search_unavailable = ("clip" if clip else "name"), None
        v.search.setPlaceholderText(
            "Search by content, e.g. “dog on a beach” (Ctrl+F)" if clip
            else "Filter by file name (Ctrl+F)"
        )
        self._problems_stale = True
        self._problems_shown(v.problems.isVisible())
        if generation == self._generation:
            if self.search_text and clip != was_clip:
                self.run_search(self.search_text)  # by content now (or by name again)
            elif self.current_filter() != photo_filter:  # a checked label left the choices
                self.reload_photos()
            else:
                self._ids_read(generation, found.ordered)
        self.reloaded.emit()

    def reload_photos(self, *, stable: bool = False) -> None:
        """Read the grid's photos again, sorted, on the reads lane; ``stable``: keep the order
        of those shown. An older read still in flight no longer decides what the grid shows."""
        self._generation += 1
        generation, photo_filter, catalog = self._generation, self.current_filter(), self._catalog
        key, reverse = self.sort_key, self.sort_reverse
        self._tasks.submit(
            "reads", "library:ids",
            lambda: library_reads.read_ids(catalog, photo_filter, key, reverse),
            lambda ordered: self._ids_read(generation, ordered, stable),
            lambda message: self._failed(generation, message),
        )  # fmt: skip

    def _show_ids(self, ordered: Ordered, stable: bool = False) -> None:
        grid, model = self.views.grid, self.views.grid_model
        current, selected = grid.current_id(), grid.selected_ids()
        ids, months = list(ordered.ids), ordered.months
        if self.search_mode == "clip" and self.search_hits is not None and self.search_text:
            rank = {pid: n for n, pid in enumerate(self.search_hits)}
            ids.sort(key=lambda pid: rank.get(pid, len(rank)))
            months = None
        if self.similar:
            rank = {pid: n for n, pid in enumerate(self.similar[1])}
            ids.sort(key=rank.__getitem__)
            months = None
        changed = model.merge_ids(ids) if stable else model.set_ids(ids, months)
        if changed and (current is not None or selected):
            grid.restore_selection(selected, current)  # no scrolling: the view keeps its place
        self.update_counts()
        self._update_hint()
        self._update_empty()

    def _update_empty(self) -> None:
        filtered = bool(self.views.filters.active_count())
        grid, photos = self.views.grid, self.counts["photos"]
        grid.empty_text = empty_text(photos, filtered, self.search_text)
        self.clear_action.button.setText("Clear filters" if filtered else "Clear search")
        self.clear_action.set_visible(
            grid.grid_model.rowCount() == 0 and bool(photos) and (filtered or bool(self.search_text))
        )
        grid.viewport().update()

    def clear_filters(self) -> None:
        """Back to every photo of the folder: the search and the filters are cleared."""
        search = self.views.search
        search.blockSignals(True)
        search.clear()
        search.blockSignals(False)
        self.search_text, self.search_hits = "", None
        self.views.filters.reset()  # reloads the photos

    def live_reload(self) -> None:
        """During a run: when something was committed since the last read, read the counts,
        folders and ids again on the reads lane (never on the UI thread: input stays fluid)."""
        if self._closed or self._live_pending:
            return
        self._live_pending = True
        generation, photo_filter, catalog = self._generation, self.current_filter(), self._catalog
        key, reverse = self.sort_key, self.sort_reverse
        versions, seen = self._versions, self._seen_version
        self._tasks.submit(
            "reads", "library:live",
            lambda: library_reads.read_live(catalog, versions, seen, photo_filter, key, reverse),
            lambda found: self._live_read(generation, found), self._live_failed,
        )  # fmt: skip

    def _live_read(self, generation: int, found: library_reads.LiveRead | None) -> None:
        self._live_pending = False
        if self._closed or found is None:
            return
        self._seen_version = found.version
        self.counts = found.counts
        self.views.sidebar.set_library(found.counts["photos"], found.folders)
        if generation == self._generation:
            self._ids_read(generation, found.ordered, self.keep_order)
        else:  # the filter or folder changed meanwhile: its own read shows the grid
            self.update_counts()

    def _live_failed(self, _message: str) -> None:
        self._live_pending = False  # a busy catalog: the next tick reads again
        self._seen_version = None

    def update_counts(self) -> None:
        """From the counts read at the last reload: cheap enough for every selection change."""
        counts, grid = self.counts, self.views.grid
        shown = self.views.grid_model.rowCount()
        parts = [counted(counts["photos"], "photo")]
        if counts.get("not_images"):
            parts.append(counted(counts["not_images"], "non-image file"))
        if shown != counts["photos"] + counts.get("not_images", 0):
            parts.append(f"{shown:,} shown")
        if grid.selected_count() > 1:
            parts.append(f"{grid.selected_count()} selected")
        if counts["errors"]:
            parts.append(f"{counts['errors']} with problems")
        if counts["clusters"]:
            parts.append(counted(counts["clusters"], "duplicate group"))
        self.views.counts_label.setText(" · ".join(parts))

    def _update_hint(self) -> None:
        hint = self.views.hint
        if self.similar:
            hint.show_text(f"Photos most like {self.similar[0]}, the most similar first. Search "
                           "or pick a folder to see all photos again.")
        elif not self.search_text:
            hint.show_text("")
        elif self.search_mode == "clip":
            hint.show_text(f"Best matches for “{self.search_text}” (CLIP text search)")
        elif self._search_unavailable:
            hint.show_text(f"Text search is unavailable ({self._search_unavailable}); "
                           "filtering by file name.")
        else:
            hint.show_text(
                f"Showing photos whose file name contains “{self.search_text}”. To search by "
                "what photos show, set the CLIP model as “Scenes & search model” in Settings, "
                "then analyze the folder again."
            )

    def _problems_shown(self, visible: bool) -> None:
        """Problems are read from the catalog only when the dock is (or becomes) visible: every
        folder's stored problems, plus the last run's that the catalog does not keep (a file the
        scan could not read)."""
        if not (visible and self._problems_stale):
            return
        self._problems_stale = False
        catalog = self._catalog
        self._tasks.submit("reads", "library:problems",
                           lambda: library_reads.read_problems(catalog), self._problems_read,
                           self.read_failed)

    def _problems_read(self, rows: list[dict]) -> None:
        if self._closed:
            return
        stored = problems_from_catalog(rows)
        known = {p.path for p in stored}
        unstored = [p for p in self.run_problems or [] if p.path not in known]
        self.views.problems.set_problems(stored + unstored)

    # -- choosing what to show ---------------------------------------------------------------
    def set_sort(self, key: str, reverse: bool) -> None:
        """Sort by this key now (also on request during a run: the order is the user's)."""
        self.sort_key, self.sort_reverse = key, reverse
        self.reload_photos()

    def show_similar(self, name: str, ranked: list[int]) -> None:
        """The grid shows these photos, in this order, until a search or a folder is chosen."""
        self._set_similar((name, ranked))
        self.reload_photos()

    def _set_similar(self, similar: tuple[str, list[int]] | None) -> None:
        was, self.similar = self.similar, similar
        if bool(was) != bool(similar):
            self.similar_changed.emit(bool(similar))

    def select_folder(self, folder: str | None) -> None:
        """Show a folder: its filter choices, then its photos, read on the reads lane (a sidebar
        click never waits for the catalog)."""
        self._set_similar(None)
        self.folder = folder
        self._generation += 1
        generation, catalog = self._generation, self._catalog
        self._tasks.submit(
            "reads", "library:folder", lambda: library_reads.read_choices(catalog, folder),
            lambda choices: self._choices_read(generation, choices),
            lambda message: self._failed(generation, message),
        )  # fmt: skip

    def _choices_read(self, generation: int, choices: library_reads.FolderChoices | None) -> None:
        if self._closed or generation != self._generation:
            return
        if choices is not None:
            self.views.filters.set_choices(choices.scenes, choices.objects, choices.cameras,
                                           choices.my_tags)
        photo_filter, catalog = self.current_filter(), self._catalog
        key, reverse = self.sort_key, self.sort_reverse
        self._tasks.submit(
            "reads", "library:ids",
            lambda: library_reads.read_ids(catalog, photo_filter, key, reverse),
            lambda ordered: self._ids_read(generation, ordered),
            lambda message: self._failed(generation, message),
        )  # fmt: skip

    def _ids_read(self, generation: int, ordered: Ordered, stable: bool = False) -> None:
        if not self._closed and generation == self._generation:
            self._shown = generation
            self._show_ids(ordered, stable)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._shown = generation  # settled: the grid keeps what it showed
        self.read_failed(message)

    def read_failed(self, message: str) -> None:
        self.views.status.showMessage(f"Reading the catalog failed: {message}", 8000)

    def select_folder_path(self, path: str) -> bool:
        resolved = str(Path(path).expanduser().resolve())
        if resolved not in self.views.sidebar.folder_paths():
            self.views.status.showMessage(f"{resolved} is not analyzed yet", 8000)
            return False
        self.views.sidebar.select_entry("folder", resolved)
        return True

    def folder_title(self) -> str:
        return os.path.basename(self.folder.rstrip(os.sep)) if self.folder else "All photos"

    def run_search(self, text: str) -> None:
        self._set_similar(None)
        self.search_text = text
        self.search_hits = None
        if not (text and self.search_mode == "clip"):
            self.reload_photos()
            return
        self.views.hint.show_text(f"Searching for “{text}”…")
        settings, catalog = self._settings(), self._catalog
        self._tasks.submit(
            "models", "search", lambda: jobs.search_text(catalog, text, settings),
            lambda hits: self._search_done(text, hits), self._search_failed,
        )  # fmt: skip

    def _search_done(self, text: str, hits: list[int]) -> None:
        if text == self.search_text:  # an older search's hits are dropped
            self.search_hits = hits
            self.reload_photos()

    def _search_failed(self, message: str) -> None:
        self.search_mode, self._search_unavailable = "name", message
        self.reload_photos()
        self._update_hint()

    def cutout_target(self) -> tuple[int | None, str | None]:
        """The current photo; with none, the first one with people (cutouts suit them best)."""
        grid, model = self.views.grid, self.views.grid_model
        photo_id = grid.current_id()
        if photo_id is None and model.rowCount():
            with_people = self.source.ids(replace(self.current_filter(), people=True))
            photo_id = with_people[0] if with_people else model.photo_id(0)
        if photo_id is None:
            return None, None
        row = self.source.rows([photo_id]).get(photo_id)
        return (photo_id, row.path) if row else (None, None)
