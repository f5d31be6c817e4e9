"""People in the window: the sidebar's People tiles, the person filter, and every people edit
(rename, merge, hide, name a face, "not this person", undo, forget faces).

Reads and edits run on the ``library`` lane (``people_jobs``), in the order asked; after each
edit the tiles are read again and ``edited`` tells the window to redraw what shows names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QMenu, QWidget, QWidgetAction

from imgengine_gui.ui import people_jobs
from imgengine_gui.ui.catalog_guard import CatalogGuard
from imgengine_gui.ui.people_jobs import PeopleState
from imgengine_gui.ui.people_panel import PeoplePanel, ask_name, person_label
from imgengine_gui.ui.tasks import TaskRunner
from imgengine_gui.ui.undo_router import UndoRouter
from imgengine_gui.ui.widgets import NoticeBar, ask

UNDO_LABELS = {"not this person": "“Not this person”", "name face": "Name Face",
               "move face": "Move Face", "name person": "Name Person"}
QUICK_NAMES = 6  # names offered directly in a face's menu


class PeopleController(QObject):
    filter_changed = Signal()  # the people the grid shows changed
    edited = Signal()  # a people edit (or its undo) landed: names and boxes may read differently
    listed = Signal()  # the tiles were read again (names may have changed)

    def __init__(self, tasks: TaskRunner, catalog: Path, panel: PeoplePanel, notice: NoticeBar,
                 guard: CatalogGuard, undo: UndoRouter, dialog_parent: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._catalog, self.panel, self._notice = tasks, catalog, panel, notice
        self._guard, self._undo, self._parent = guard, undo, dialog_parent
        self.persons: tuple[int, ...] = ()
        self._merged: dict[int, int] = {}  # picked people merged away -> the one they joined
        self.show_hidden = False
        self.state = PeopleState()
        # replaced in tests: (title, current name, names to complete) -> name or None
        self.ask_name: Callable[[str, str, list[str]], str | None] = (
            lambda title, current, names: ask_name(dialog_parent, title, current, names)
        )
        self.ask_merge: Callable[[str], bool] = self._ask_merge  # tests replace it
        undo.add("people", self.undo, "People Edit")
        panel.persons_selected.connect(self._select)
        panel.rename_requested.connect(self.rename)
        panel.merge_requested.connect(self.merge)
        panel.hide_requested.connect(self.hide)
        panel.show_hidden_changed.connect(self._show_hidden)

    # -- reading -----------------------------------------------------------------------------
    def reload(self) -> None:
        catalog, hidden = self._catalog, self.show_hidden
        self._tasks.submit("library", "people", lambda: people_jobs.read_state(catalog, hidden),
                           self._show, lambda message: None)

    def _show(self, state: PeopleState) -> None:
        self.state = state
        present = {int(person["id"]) for person in state.people}
        moved = dict(self._merged)  # a reload read before the merge landed keeps waiting for it
        self._merged = {s: t for s, t in self._merged.items() if s in present}
        self.panel.set_people(state.people, moved)
        kind = state.undo_kind
        self._undo.set_available("people", kind is not None,
                                 UNDO_LABELS.get(kind or "", (kind or "").title()) or None)
        self.listed.emit()

    def _select(self, persons: tuple[int, ...]) -> None:
        if persons != self.persons:
            self.persons = persons
            self.filter_changed.emit()

    def clear_filter(self) -> None:
        """Nobody picked any more; the caller reads the grid again."""
        self.persons = ()
        self.panel.clear_quietly()

    def picked_names(self) -> tuple[str, ...]:
        """The picked people as their tiles name them."""
        return tuple(person_label(self.panel.person(str(p)) or {"id": p}) for p in self.persons)

    def _show_hidden(self, on: bool) -> None:
        self.show_hidden = on
        self.reload()

    def names(self) -> list[str]:
        return self.panel.names()

    # -- edits ---------------------------------------------------------------------------------
    def rename(self, person_id: str) -> None:
        person = self.panel.person(person_id)
        current = (person or {}).get("name") or ""
        name = self.ask_name("Rename person", current, self.names())
        if name is None or name == current:
            return
        other = next((p for p in self.panel.people if p["id"] != person_id and p.get("name")
                      and p["name"].casefold() == name.strip().casefold()), None)  # fmt: skip
        if other is not None:
            if self.ask_merge(other["name"]):
                self.merge(other["id"], [person_id])
            return
        catalog = self._catalog
        self._edit("people:rename", lambda: people_jobs.rename(catalog, person_id, name),
                   undoable=True)

    def _ask_merge(self, name: str) -> bool:
        return ask(self._parent, "Rename person", f"“{name}” is already a person in People. "
                   f"Merge these two into {name}? (Undo reverts it.)")  # fmt: skip

    def merge(self, target: str, sources: Sequence[str]) -> None:
        catalog, sources = self._catalog, list(sources)
        self._merged.update({int(source): int(target) for source in sources})
        self._edit("people:merge", lambda: people_jobs.merge(catalog, target, sources),
                   undoable=True)

    def hide(self, person_id: str, hidden: bool) -> None:
        catalog = self._catalog
        self._edit("people:hide", lambda: people_jobs.hide(catalog, person_id, hidden),
                   undoable=True)

    def name_face(self, photo_id: int, box: Sequence[float], name: str) -> None:
        if not name.strip():
            return
        catalog = self._catalog
        self._edit("people:name-face",
                   lambda: people_jobs.name_face(catalog, photo_id, box, name), undoable=True)

    def not_this_person(self, photo_id: int, box: Sequence[float]) -> None:
        catalog = self._catalog
        self._edit("people:not", lambda: people_jobs.not_this_person(catalog, photo_id, box),
                   undoable=True)

    def undo(self) -> None:
        catalog = self._catalog
        self._edit("people:undo", lambda: people_jobs.undo(catalog))

    def forget(self) -> None:
        """Delete every descriptor and person (the settings dialog asked first)."""
        catalog = self._catalog
        self.panel.tiles.clearSelection()
        self._edit("people:forget", lambda: people_jobs.forget(catalog))

    def _edit(self, name: str, job: Callable[[], str], undoable: bool = False) -> None:
        if self._guard.refuse_write():
            return
        self._tasks.submit("library", name, job, lambda text: self._edited(text, undoable),
                           lambda message: self._failed(message))
        self.reload()  # queued behind the edit on the same lane

    def _edited(self, text: str, undoable: bool) -> None:
        if undoable:
            self._undo.did("people")
        self._notice.show_message(text, "Undo" if undoable else None, self.undo)
        self.edited.emit()

    def _failed(self, message: str) -> None:
        self._notice.show_message(f"People: {message}")
        self.edited.emit()

    # -- a face in the detail view ----------------------------------------------------------------
    def face_menu(self, photo_id: int, face: dict[str, Any]) -> QMenu:
        """Name this face (typed, completed from known names, or picked) or say it is not its
        person. Built apart from showing it, so tests can trigger its actions."""
        menu = QMenu(self._parent)
        box = list(face["box"])
        line = QLineEdit()
        unnamed_person = face.get("person") and not face.get("name")
        line.setPlaceholderText("Name this person…" if unnamed_person else "Name this face…")
        line.setMinimumWidth(200)
        line.setText(face.get("name") or "")
        completer = QCompleter(sorted(set(self.names()), key=str.casefold), line)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line.setCompleter(completer)

        def typed() -> None:
            name = line.text().strip()
            menu.close()
            if name and name != (face.get("name") or ""):
                self.name_face(photo_id, box, name)

        line.returnPressed.connect(typed)
        field = QWidgetAction(menu)
        field.setDefaultWidget(line)
        menu.addAction(field)
        menu.line_edit = line  # type: ignore[attr-defined]
        quick = [n for n in self.names() if n != face.get("name")][:QUICK_NAMES]
        for name in quick:
            menu.addAction(f"This is {name}", lambda n=name: self.name_face(photo_id, box, n))
        if face.get("person"):
            menu.addSeparator()
            who = face.get("name") or person_label({"id": face["person"]})
            menu.addAction(f"Not {who}", lambda: self.not_this_person(photo_id, box))
        return menu

    def show_face_menu(self, photo_id: int, face: dict[str, Any], where: QPoint) -> None:
        menu = self.face_menu(photo_id, face)
        menu.aboutToShow.connect(lambda: menu.line_edit.setFocus())  # type: ignore[attr-defined]
        menu.exec(where)
        menu.deleteLater()
