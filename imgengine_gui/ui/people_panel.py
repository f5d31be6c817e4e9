"""The People section of the sidebar: one tile per person (face crop, name, photo count).

Selecting tiles filters the grid by those people; dragging tiles onto another merges them into
it; double-click renames; the context menu renames, merges, hides or shows. The panel only
emits what the user asked: the ``PeopleController`` runs it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QMouseEvent, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCompleter,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.ui.face_crops import FaceCrops, crop_key

TILE = 56
PersonRole = Qt.ItemDataRole.UserRole
RecordRole = Qt.ItemDataRole.UserRole + 1


def person_label(person: dict[str, Any]) -> str:
    return person.get("name") or f"Unnamed {person['id']}"


def ask_name(parent: QWidget, title: str, current: str, names: list[str]) -> str | None:
    """A name typed by the user (completed from the names already given), or None if cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText("Name:")
    dialog.setTextValue(current)
    line = dialog.findChild(QLineEdit)
    if line is not None:
        completer = QCompleter(sorted(set(names), key=str.casefold), dialog)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line.setCompleter(completer)
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip()


class PeopleTiles(QListWidget):
    """Tiles that can be dragged onto another tile (a merge into it), never moved.

    The drag is plain mouse handling inside the list (press, move, release over a tile), not
    a QDrag: nothing leaves the list, and it behaves the same on every platform and in tests.
    """

    merge_dropped = Signal(str, list)  # target person id, source person ids

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("peopleTiles")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setIconSize(QSize(TILE, TILE))
        self.setGridSize(QSize(TILE + 38, TILE + 36))
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.setFont(font)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setWrapping(True)
        self.setWordWrap(False)  # the name and the count keep a line each, elided
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setFrameShape(QListWidget.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._press: QPoint | None = None
        self.dragging = False
        self.drop_target: QListWidgetItem | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.itemAt(event.position().toPoint()):
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position().toPoint()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton and (
            self.dragging
            or (pos - self._press).manhattanLength() >= QApplication.startDragDistance()
        ):
            if not self.dragging:
                self.dragging = True
                self.viewport().setCursor(Qt.CursorShape.DragMoveCursor)
            target = self.itemAt(pos)
            target = target if target is not None and not target.isSelected() else None
            if target is not self.drop_target:
                self.drop_target = target
                self.viewport().update()
            return  # no rubber band while dragging tiles
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self.dragging:
            self._press = None
            super().mouseReleaseEvent(event)
            return
        target = self.drop_target
        self._press, self.dragging, self.drop_target = None, False, None
        self.viewport().unsetCursor()
        self.viewport().update()
        sources = [i.data(PersonRole) for i in self.selectedItems() if i is not target]
        if target is not None and sources:
            self.merge_dropped.emit(target.data(PersonRole), sources)

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.drop_target is not None:
            painter = QPainter(self.viewport())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.drawRoundedRect(self.visualItemRect(self.drop_target).adjusted(1, 1, -1, -1), 6, 6)
            painter.end()


class PeoplePanel(QWidget):
    persons_selected = Signal(tuple)  # person ids (int) the grid shows, () for everyone
    rename_requested = Signal(str)
    merge_requested = Signal(str, list)  # target, sources
    hide_requested = Signal(str, bool)  # person, hidden
    show_hidden_changed = Signal(bool)

    def __init__(self, crops: FaceCrops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("peoplePanel")
        self.setMinimumWidth(120)  # never wider than the sidebar's own minimum (its header squeezes)
        self.crops = crops
        self.people: list[dict[str, Any]] = []
        self._blank: QIcon | None = None
        self.title = QLabel("PEOPLE")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        self.title.setFont(font)
        self.merge_button = self._button("Merge", "Merge the selected people into the first one")
        self.merge_button.clicked.connect(self._merge_selected)
        self.clear_button = self._button("All", "Show everyone's photos (clear the people filter)")
        self.clear_button.clicked.connect(lambda: self.tiles.clearSelection())
        self.hidden_button = self._button("Hidden", "Show hidden people too")
        self.hidden_button.setCheckable(True)
        self.hidden_button.toggled.connect(self.show_hidden_changed.emit)
        self.tiles = PeopleTiles()
        self.empty = QLabel("No people yet: analyze a folder with faces (the ML phase groups them).")
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.empty.setContentsMargins(6, 4, 6, 4)

        header = QHBoxLayout()
        header.setContentsMargins(6, 6, 4, 0)
        header.addWidget(self.title, 1)
        for button in (self.merge_button, self.clear_button, self.hidden_button):
            header.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.tiles, 1)

        self.tiles.itemSelectionChanged.connect(self._selection_changed)
        self.tiles.itemDoubleClicked.connect(lambda item: self.rename_requested.emit(item.data(PersonRole)))
        self.tiles.customContextMenuRequested.connect(self._context_menu)
        self.tiles.merge_dropped.connect(self.merge_requested.emit)
        crops.ready.connect(self._crop_ready)
        self._update_buttons()

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    # -- data ---------------------------------------------------------------------------------
    def set_people(self, people: list[dict[str, Any]], moved: dict[int, int] | None = None) -> None:
        """Show these people (engine.people.list_people, most photos first); the selection stays
        on the people still there, or on the one a picked person was merged into (``moved``);
        it changes, and the grid with it, only if one is gone."""
        present = {int(person["id"]) for person in people}
        picked = self.selected_ids()
        before = {p if p in present else (moved or {}).get(p, p) for p in picked}
        self.people = people
        self.tiles.blockSignals(True)
        self.tiles.clear()
        muted = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for person in people:
            photos = person["photos"]
            item = QListWidgetItem(f"{person_label(person)}\n{photos} photo{'s' if photos != 1 else ''}")
            item.setData(PersonRole, person["id"])
            item.setData(RecordRole, person)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            item.setToolTip(f"{person_label(person)}: {photos} photos, {person['faces']} faces"
                            + (" (hidden)" if person.get("hidden") else ""))
            if person.get("hidden"):
                item.setForeground(muted)
            crop = self.crops.pixmap(person.get("best_face"), TILE)
            item.setIcon(QIcon(crop) if crop is not None else self._placeholder())
            self.tiles.addItem(item)
            if int(person["id"]) in before:
                item.setSelected(True)
        self.tiles.blockSignals(False)
        self.empty.setVisible(not people)
        self.tiles.setVisible(bool(people))
        self._update_buttons()
        if self.selected_ids() != picked:
            self.persons_selected.emit(self.selected_ids())

    def _placeholder(self) -> QIcon:
        """A plain rounded tile while the crop is cut (or when the photo has no preview)."""
        if self._blank is None:
            pixmap = QPixmap(TILE, TILE)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.palette().color(QPalette.ColorRole.Mid))
            painter.drawRoundedRect(0, 0, TILE, TILE, TILE * 0.18, TILE * 0.18)
            painter.end()
            self._blank = QIcon(pixmap)
        return self._blank

    def _crop_ready(self, key: str) -> None:
        for row in range(self.tiles.count()):
            item = self.tiles.item(row)
            face = item.data(RecordRole).get("best_face")
            if face and crop_key(face, TILE) == key:
                crop = self.crops.pixmap(face, TILE)
                if crop is not None:
                    item.setIcon(QIcon(crop))

    def item_of(self, person_id: str) -> QListWidgetItem | None:
        for row in range(self.tiles.count()):
            if self.tiles.item(row).data(PersonRole) == str(person_id):
                return self.tiles.item(row)
        return None

    def names(self) -> list[str]:
        return [p["name"] for p in self.people if p.get("name")]

    def person(self, person_id: str) -> dict[str, Any] | None:
        return next((p for p in self.people if p["id"] == str(person_id)), None)

    # -- selection ------------------------------------------------------------------------------
    def selected_ids(self) -> tuple[int, ...]:
        return tuple(sorted(int(i.data(PersonRole)) for i in self.tiles.selectedItems()))

    def select(self, person_ids: list[str]) -> None:
        self.tiles.clearSelection()
        for person_id in person_ids:
            item = self.item_of(person_id)
            if item is not None:
                item.setSelected(True)

    def clear_quietly(self) -> None:
        """No tile selected, without telling anyone (the filters were cleared already)."""
        self.tiles.blockSignals(True)
        self.tiles.clearSelection()
        self.tiles.blockSignals(False)
        self._update_buttons()

    def _selection_changed(self) -> None:
        self._update_buttons()
        self.persons_selected.emit(self.selected_ids())

    def _update_buttons(self) -> None:
        count = len(self.tiles.selectedItems())
        self.merge_button.setEnabled(count >= 2)
        self.clear_button.setEnabled(count > 0)

    def _ordered_selection(self) -> list[str]:
        """Selected ids, the one with the most photos (a named one first) as the merge target."""
        chosen = {i.data(PersonRole) for i in self.tiles.selectedItems()}
        ordered = [p for p in self.people if p["id"] in chosen]
        ordered.sort(key=lambda p: not p.get("name"))  # stable: photos order within each
        return [p["id"] for p in ordered]

    def _merge_selected(self) -> None:
        ids = self._ordered_selection()
        if len(ids) >= 2:
            self.merge_requested.emit(ids[0], ids[1:])

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tiles.itemAt(pos)
        if item is None:
            return
        if not item.isSelected():
            self.tiles.clearSelection()
            item.setSelected(True)
        self.context_menu(item).exec(self.tiles.viewport().mapToGlobal(pos))

    def context_menu(self, item: QListWidgetItem) -> QMenu:
        person = item.data(RecordRole)
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.rename_requested.emit(person["id"]))
        selected = self._ordered_selection()
        if len(selected) >= 2:
            target = self.person(selected[0]) or person
            menu.addAction(f"Merge {len(selected)} people into {person_label(target)}",
                           self._merge_selected)
        hidden = bool(person.get("hidden"))
        menu.addAction("Show again" if hidden else "Hide",
                       lambda: self.hide_requested.emit(person["id"], not hidden))
        return menu
