"""The library sidebar: all photos, each analyzed folder with its count, my tags, the tools."""

from __future__ import annotations

import os

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from imgengine_gui.ui.formatting import tooltip
from imgengine_gui.ui.icons import icon

KIND_ROLE = Qt.ItemDataRole.UserRole
VALUE_ROLE = Qt.ItemDataRole.UserRole + 1
ICON_ROLE = Qt.ItemDataRole.UserRole + 2

VIEW_LABELS = {"duplicates": "Duplicates", "cutout": "Background removal"}


class Sidebar(QTreeWidget):
    folder_selected = Signal(object)  # folder path, or None for all photos
    view_selected = Signal(str)  # "duplicates" | "cutout"
    tag_selected = Signal(str)  # a personal tag's name: open its page
    contents_changed = Signal()  # entries came or went: the height they need changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(12)
        self.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.setMinimumWidth(180)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long name keeps its count
        self.library = self._group("Library")
        self.my_tags = self._group("My tags")
        self.tools = self._group("Tools")
        self.all_photos = self._entry(self.library, "All photos", "library", "folder", None)
        self.tool_items = {
            view: self._entry(self.tools, label, icon_name, "view", view)
            for view, label, icon_name in (
                ("duplicates", VIEW_LABELS["duplicates"], "duplicates"),
                ("cutout", VIEW_LABELS["cutout"], "cutout"),
            )
        }
        self.expandAll()
        self.itemSelectionChanged.connect(self._on_selection)

    def _group(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [title.upper()])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setSizeHint(0, QSize(0, 30))
        item.setTextAlignment(0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft)
        font = item.font(0)
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        item.setFont(0, font)
        return item

    def _entry(self, parent, text, icon_name, kind, value) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setIcon(0, icon(icon_name))
        item.setData(0, ICON_ROLE, icon_name)
        item.setSizeHint(0, QSize(0, 26))
        item.setData(0, KIND_ROLE, kind)
        item.setData(0, VALUE_ROLE, value)
        return item

    def set_library(self, total: int, folders: list[dict]) -> None:
        """Show the folders (from queries.folders) and counts; the selection stays where it was."""
        selected = self.selected_entry()
        self.blockSignals(True)
        self.all_photos.setText(0, f"All photos  ({total})")
        for row in range(self.library.childCount() - 1, 0, -1):  # child 0 is "All photos"
            self.library.takeChild(row)
        for folder in folders:
            name = os.path.basename(folder["path"].rstrip(os.sep)) or folder["path"]
            item = self._entry(self.library, f"{name}  ({folder['photos']})", "folder", "folder",
                               folder["path"])
            item.setToolTip(0, tooltip(folder["path"]))
        self.blockSignals(False)
        if selected is not None:
            self.select_entry(*selected, notify=False)
        self.contents_changed.emit()

    def set_tags(self, tags: list[tuple[str, int]]) -> None:
        """The personal tags (name, photos); the group is hidden while there are none."""
        selected = self.selected_entry()
        self.blockSignals(True)
        for row in range(self.my_tags.childCount() - 1, -1, -1):
            self.my_tags.takeChild(row)
        for name, count in tags:
            item = self._entry(self.my_tags, f"{name}  ({count})", "tag", "tag", name)
            item.setToolTip(0, name)
        self.my_tags.setHidden(not tags)
        self.blockSignals(False)
        if selected is not None:
            self.select_entry(*selected, notify=False)
        self.contents_changed.emit()

    def content_height(self) -> int:
        """The height that shows every entry (groups and their items) without scrolling."""
        rows = 0
        for group in (self.library, self.my_tags, self.tools):
            if group.isHidden():
                continue
            items = [group] + [group.child(n) for n in range(group.childCount())]
            for item in items if group.isExpanded() else [group]:
                if not item.isHidden():
                    rows += self.indexRowSizeHint(self.indexFromItem(item))
        return rows + 2 * self.frameWidth()

    def refresh_icons(self) -> None:
        for group in (self.library, self.my_tags, self.tools):
            for row in range(group.childCount()):
                item = group.child(row)
                if item.data(0, ICON_ROLE):
                    item.setIcon(0, icon(item.data(0, ICON_ROLE)))

    def set_cluster_count(self, count: int) -> None:
        self.tool_items["duplicates"].setText(0, f"{VIEW_LABELS['duplicates']}  ({count})")

    def selected_entry(self) -> tuple[str, object] | None:
        items = self.selectedItems()
        if not items:
            return None
        return items[0].data(0, KIND_ROLE), items[0].data(0, VALUE_ROLE)

    def select_entry(self, kind: str, value: object, *, notify: bool = True) -> bool:
        for group in (self.library, self.my_tags, self.tools):
            for row in range(group.childCount()):
                item = group.child(row)
                if item.data(0, KIND_ROLE) == kind and item.data(0, VALUE_ROLE) == value:
                    if not notify:
                        self.blockSignals(True)
                    self.setCurrentItem(item)
                    self.blockSignals(False)
                    return True
        return False

    def folder_paths(self) -> list[str]:
        return [
            self.library.child(row).data(0, VALUE_ROLE)
            for row in range(1, self.library.childCount())
        ]

    def _on_selection(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        kind, value = entry
        if kind == "folder":
            self.folder_selected.emit(value)
        elif kind == "view":
            self.view_selected.emit(value)
        elif kind == "tag":
            self.tag_selected.emit(value)
