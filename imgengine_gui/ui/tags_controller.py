"""Personal tags in the window: "Teach tag…" on the selected photos, the tag's review page, and
keeping the sidebar's "My tags" current. Every engine call runs on the ``library`` lane (they
write the catalog, in the order asked); results come back through the task runner's bridge."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QStatusBar, QWidget

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.engine.personal_tags import NotAnalyzed, TeachResult
from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.engine.tag_review import TagPage, TeachContext
from imgengine_gui.settings import Settings
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.prompts import Prompts
from imgengine_gui.ui.run_controller import RunController
from imgengine_gui.ui.tag_jobs import TagJobs
from imgengine_gui.ui.tag_page import TagPageView
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.teach_dialog import TeachTagDialog
from imgengine_gui.ui.thumbnails import ImageLoader

MAX_EXAMPLES = 10


class TagsController(QObject):
    library_changed = Signal()  # tags were taught, renamed or forgotten: read the library again
    page_requested = Signal(str)  # show this tag's page
    filter_requested = Signal(str)  # show the library filtered by this tag
    closed_page = Signal()  # the tag's page went away (forgotten, or Back)
    person_requested = Signal(str)  # show this person's photos (People hands over)
    renamed = Signal(str, str)  # a tag's old and new name

    def __init__(self, tasks: TaskRunner, source: CatalogReader, catalog: Path, grid: PhotoGrid,
                 page: TagPageView, loader: ImageLoader, runs: RunController, prompts: Prompts,
                 guard: CatalogGuard, status: QStatusBar, parent: QWidget,
                 settings: Callable[[], Settings] | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._source, self._grid, self._page = tasks, source, grid, page
        self._loader, self._runs, self._prompts = loader, runs, prompts
        self._guard, self._status, self._window = guard, status, parent
        status.insertPermanentWidget(0, page.status_line)  # beside the hints, not under them
        self.jobs = TagJobs(catalog, settings)
        self.dialog: TeachTagDialog | None = None
        self.current: str | None = None  # the tag whose page is shown
        self._pending_teach: tuple | None = None  # taught again once the analysis finished
        self.ask_name: Callable[[str], str | None] = self._ask_name  # tests replace it
        page.decided.connect(self.decide)
        page.rename_requested.connect(self.rename)
        page.forget_requested.connect(self.forget)
        page.filter_requested.connect(lambda: self.filter_requested.emit(self.current or ""))
        page.back_requested.connect(self.closed_page.emit)
        runs.finished.connect(self._run_finished)
        runs.failed.connect(self._run_failed)

    def _submit(self, name: str, job, on_done, on_error=None) -> None:
        def done(result) -> None:
            on_done(result)
            self._report_unwritten()

        self._tasks.submit("library", name, job, done, on_error or self._failed)

    def _report_unwritten(self) -> None:
        """Sidecars that could not take a tag's keyword (the catalog has it): one line."""
        missed = []
        while self.jobs.unwritten:
            missed.append(self.jobs.unwritten.popleft())
        if missed:
            path, why = missed[0]
            more = f" (and {len(missed) - 1} more)" if len(missed) > 1 else ""
            self._status.showMessage(f"Sidecar not written for {os.path.basename(path)}: {why}"
                                     f"{more}", 15000)  # fmt: skip

    def _failed(self, message: str) -> None:
        self._page.set_busy("")
        self._status.showMessage(message, 10000)

    # -- teaching ------------------------------------------------------------------------------
    def teach_selected(self) -> TeachTagDialog | None:
        ids = self._grid.selected_ids()
        if not 1 <= len(ids) <= MAX_EXAMPLES:
            self._status.showMessage(
                f"Select 1 to {MAX_EXAMPLES} photos that show the tag, then Teach tag… "
                f"({len(ids)} selected)", 8000)  # fmt: skip
            return None
        if self._guard.refuse_write():
            return None
        rows = self._source.rows(ids)
        photos = [rows[pid] for pid in ids if pid in rows]
        if self.dialog is not None:
            self.dialog.reject()
        dialog = self.dialog = TeachTagDialog(photos, self._loader, self._window)
        dialog.teach_requested.connect(self._teach)
        dialog.analyze_requested.connect(self._analyze_first)
        dialog.review_requested.connect(self.open_tag)
        dialog.person_requested.connect(self.person_requested.emit)
        dialog.finished.connect(lambda _r, d=dialog: self._dialog_closed(d))
        self._submit("tags-context", self.jobs.context,
                     lambda context, d=dialog: self._context_ready(d, context))
        dialog.open()
        return dialog

    def _context_ready(self, dialog: TeachTagDialog, context: TeachContext) -> None:
        if dialog is self.dialog:
            dialog.set_context(context)

    def _dialog_closed(self, dialog: TeachTagDialog) -> None:
        if dialog is self.dialog:
            self.dialog = None
        dialog.deleteLater()

    def _teach(self, name: str, examples: list[int], negatives: list[int], manual: bool,
               open_page: bool = False) -> None:
        dialog = None if open_page else self.dialog  # open_page: no dialog asked (after a run)
        if dialog is not None:
            dialog.show_busy(f"Teaching “{name}”…")

        def job() -> TeachResult | NotAnalyzed:
            try:
                return self.jobs.teach(name, examples, negatives, manual)
            except NotAnalyzed as exc:  # a value: the dialog offers to analyze first
                return exc

        self._submit("tags-teach", job, lambda outcome: self._taught(dialog, outcome, open_page),
                     lambda message: self._teach_failed(dialog, message))

    def _teach_failed(self, dialog: TeachTagDialog | None, message: str) -> None:
        if dialog is not None and dialog is self.dialog:
            dialog.show_error(message)
        else:
            self._failed(message)

    def _taught(self, dialog: TeachTagDialog | None, outcome: TeachResult | NotAnalyzed,
                open_page: bool) -> None:
        if dialog is not self.dialog:
            dialog = None  # closed while teaching: say it in the status bar instead
        if isinstance(outcome, NotAnalyzed):
            if dialog is not None:
                dialog.show_not_analyzed(outcome)
            else:
                self._status.showMessage(f"Could not teach the tag: {outcome}", 10000)
            return
        self.library_changed.emit()
        if dialog is not None:
            dialog.show_result(outcome)
            return
        self._status.showMessage(f"{outcome.photos} photos now carry “{outcome.name}”", 10000)
        if open_page:  # taught after the analysis the dialog asked for: show the tag
            self.open_tag(outcome.name)

    def _analyze_first(self, paths: list[str]) -> None:
        dialog = self.dialog
        if dialog is None or not paths:
            return
        folder = os.path.commonpath([os.path.dirname(p) for p in paths])
        request = (" ".join(dialog.name.text().split()), dialog.examples(), dialog.negatives(),
                   dialog.manual.isChecked())
        if self._runs.start(folder):
            self._pending_teach = request
            dialog.accept()
            self._status.showMessage(f"Analyzing {folder}; “{request[0]}” is taught afterwards",
                                     10000)

    def _run_finished(self, summary: RunSummary) -> None:
        request, self._pending_teach = self._pending_teach, None
        if request is None:
            if self.current is not None and self._page.isVisible():
                self.open_tag(self.current)  # the run scored its new photos with the tag
            return
        if summary.cancelled:
            self._status.showMessage(f"“{request[0]}” was not taught: the analysis was cancelled",
                                     10000)
            return
        self._teach(*request, open_page=True)

    def _run_failed(self, _message: str) -> None:
        self._pending_teach = None  # the window shows why the run stopped

    # -- the tag's page ------------------------------------------------------------------------
    def open_tag(self, name: str) -> None:
        self.current = name
        self._page.show_loading(name)
        self.page_requested.emit(name)
        self._submit("tags-page", lambda: self.jobs.page(name), self._show_page)

    def _show_page(self, page: TagPage) -> None:
        if self.current is not None and page.name.casefold() == self.current.casefold():
            self.current = page.name
            self._page.show_page(page)

    def decide(self, photo_id: int, accept: bool) -> None:
        """Accept or reject one photo: remembered as an example, the tag retrains at once."""
        name = self.current
        if name is None or self._guard.refuse_write():
            return
        self._page.set_busy("Retraining…")
        self._submit("tags-decide", lambda: self.jobs.decide(name, photo_id, accept),
                     self._decided)

    def _decided(self, page: TagPage) -> None:
        self._show_page(page)
        self.library_changed.emit()

    def rename(self) -> None:
        name = self.current
        if name is None or self._guard.refuse_write():
            return
        new_name = self.ask_name(name)
        if not new_name or new_name.strip() == name:
            return

        def renamed(stored: str) -> None:
            self.renamed.emit(name, stored)
            self.library_changed.emit()
            self.open_tag(stored)

        self._submit("tags-rename", lambda: self.jobs.rename(name, new_name), renamed)

    def forget(self) -> None:
        name = self.current
        if name is None or self._guard.refuse_write():
            return
        if not self._prompts.confirm(
            "Forget tag", f"Forget the tag “{name}” and everything it learned? The photos "
            "themselves are not touched.",
        ):
            return

        def forgotten(stored: str) -> None:
            self.current = None
            self._status.showMessage(f"Forgot the tag “{stored}”", 8000)
            self.library_changed.emit()
            self.closed_page.emit()

        self._submit("tags-forget", lambda: self.jobs.forget(name), forgotten)

    def _ask_name(self, name: str) -> str | None:
        text, ok = QInputDialog.getText(self._window, "Rename tag", "New name:",
                                        QLineEdit.EchoMode.Normal, name)
        return text if ok else None
