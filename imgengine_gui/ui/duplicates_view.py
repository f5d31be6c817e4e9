"""Duplicate clusters side by side: which copy to keep and why, trash the others, undo, export."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel, QFlowLayout

from imgengine_gui.ui.detail import plain_label
from imgengine_gui.ui.formatting import counted, displayed_size, file_size, tooltip
from imgengine_gui.ui.icons import icon
from imgengine_gui.ui.palette import KEEP, muted_text, placeholder_color
from imgengine_gui.ui.thumbnails import ImageLoader, image_key

PAGE = 60
THUMB = 170
CARDS_PER_SLICE = 4  # cards built per turn of the event loop: the UI never stalls on a page
REASON_LINES = 2
KIND_TITLES = {"exact": "Exact copies", "near": "Near duplicates"}  # analysis.duplicates kinds


def short_date(value: str | None) -> str:
    """'2015-02-09 22:47' from an ISO timestamp (seconds and zone left out)."""
    if not value:
        return "date unknown"
    return str(value).replace("T", " ")[:16]


def extra_copies(
    clusters: list[dict[str, Any]], every: list[dict[str, Any]] | None = None
) -> dict[int, int]:
    """{photo id: size} of the distinct files a trash of ``clusters`` would move: the files not
    kept, less any file that a cluster of ``every`` (default: the same) keeps."""
    kept = {f["photo_id"] for c in (every or clusters) for f in c["files"] if f["keep"]}
    return {
        f["photo_id"]: f.get("size_bytes") or 0
        for c in clusters
        for f in c["files"]
        if not f["keep"] and f["photo_id"] not in kept
    }


def group_key(cluster: dict[str, Any]) -> str:
    """A group's identity across runs (cluster ids are renumbered): its photos."""
    return "-".join(str(pid) for pid in sorted(f["photo_id"] for f in cluster["files"]))


def clipped_lines(text: str, metrics: QFontMetrics, width: int, lines: int) -> str:
    """``text`` wrapped at words into at most ``lines`` lines, the last elided with '…'."""
    words, out = text.split(), []
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line += " " + words.pop(0)
        out.append(line)
    if words:
        out.append(metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width))
    return "\n".join(out)


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind.replace("_", " ").capitalize())


class Thumb(QWidget):
    """A thumbnail painted from the loader's cache (placeholder until it loads)."""

    def __init__(self, loader: ImageLoader, path: str | None, side: int = THUMB) -> None:
        super().__init__()
        self.loader, self.path, self.side = loader, path, side
        self.setFixedSize(side, side)
        loader.ready.connect(self._on_ready)

    @property
    def loaded(self) -> bool:
        return not self.path or self.loader.pixmap(self.path, self.side) is not None or (
            self.loader.failed(self.path, self.side)
        )

    def _on_ready(self, key: str) -> None:
        if self.path and key == image_key(self.path, self.side):
            self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        pixmap = self.loader.pixmap(self.path, self.side) if self.path else None
        if pixmap is None:
            painter.fillRect(self.rect().adjusted(10, 20, -10, -20), placeholder_color(self.palette()))
            return
        size = pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(self.rect().center())
        painter.drawPixmap(target, pixmap)


class CopyTile(QFrame):
    keep_requested = Signal(int, int)  # cluster id, photo id

    def __init__(self, cluster_id: int, file: dict[str, Any], loader: ImageLoader) -> None:
        super().__init__()
        self.setObjectName("copyTile")
        self.file = file
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(THUMB + 24)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(3)
        self.thumb = Thumb(loader, file.get("thumbnail"))
        layout.addWidget(self.thumb, 0, Qt.AlignmentFlag.AlignHCenter)
        name = QElidingLabel()
        name.setTextFormat(Qt.TextFormat.PlainText)
        name.setElideMode(Qt.TextElideMode.ElideMiddle)
        name.setText(os.path.basename(file["path"]))
        name.setToolTip(tooltip(file["path"]))
        bold = QFont(name.font())
        bold.setBold(True)
        name.setFont(bold)
        layout.addWidget(name)
        details = f"{displayed_size(file)} · {file_size(file.get('size_bytes'))}"
        layout.addWidget(plain_label(details))
        layout.addWidget(plain_label(short_date(file.get("taken_at"))))
        # A long reason is clipped to two lines (whole in the tooltip): every tile keeps its
        # height, so the thumbnail never slides over the file name.
        reason = plain_label()
        metrics = reason.fontMetrics()
        reason.setText(clipped_lines(file.get("reason") or "", metrics, THUMB, REASON_LINES))
        reason.setFixedHeight(metrics.lineSpacing() * REASON_LINES + 2)
        reason.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        reason.setToolTip(tooltip(file.get("reason") or ""))
        self.reason = reason
        palette = reason.palette()
        palette.setColor(QPalette.ColorRole.WindowText, muted_text(palette))
        reason.setPalette(palette)
        layout.addWidget(reason)
        layout.addStretch(1)
        if file["keep"]:
            badge = plain_label("✓ Keeping this copy")
            badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
            badge.setStyleSheet(
                f"background: {KEEP.name()}; color: white; border-radius: 4px; padding: 4px;"
            )
            layout.addWidget(badge)
            self.keep_button = None
        else:
            self.keep_button = QPushButton("Keep this instead")
            self.keep_button.clicked.connect(
                lambda: self.keep_requested.emit(cluster_id, file["photo_id"])
            )
            layout.addWidget(self.keep_button)


class ClusterCard(QFrame):
    def __init__(self, cluster: dict[str, Any], loader: ImageLoader, included: bool = True) -> None:
        super().__init__()
        self.setObjectName("clusterCard")
        self.cluster = cluster
        self.setFrameShape(QFrame.Shape.StyledPanel)
        files = cluster["files"]
        others = [f for f in files if not f["keep"]]
        freed = sum(f.get("size_bytes") or 0 for f in others)
        self.include = QCheckBox(
            f"{kind_title(cluster['kind'])} · {len(files)} files · frees {file_size(freed)}"
        )
        self.key = group_key(cluster)
        self.include.setChecked(included)
        self.include.setToolTip("Include this group when moving the other copies to the Trash")
        self.tiles = [CopyTile(cluster["id"], f, loader) for f in files]
        tiles = QFlowLayout()  # many copies wrap onto more rows
        tiles.setHorizontalSpacing(8)
        tiles.setVerticalSpacing(8)
        for tile in self.tiles:
            tiles.addWidget(tile)
        layout = QVBoxLayout(self)
        layout.addWidget(self.include)
        layout.addLayout(tiles)


class DuplicatesView(QWidget):
    keeper_requested = Signal(int, int)  # cluster id, photo id
    trash_requested = Signal(list)  # cluster ids
    undo_requested = Signal()
    export_requested = Signal()

    excluded_changed = Signal(object)  # the set of unticked group keys (to remember them)

    def __init__(self, loader: ImageLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicatesView")
        self.loader = loader
        self.clusters: list[dict[str, Any]] = []
        self.cards: list[ClusterCard] = []
        self.shown = 0
        self.excluded: set[str] = set()  # group keys of unticked groups (kept across restarts)
        self.reading = False  # the groups are being read from the catalog
        self._to_build: list[dict[str, Any]] = []  # cards still to build, a slice per turn
        self._builder = QTimer(self, singleShot=True, interval=0)
        self._builder.timeout.connect(self._build_slice)
        self._scroll_to: int | None = None
        title = QLabel("Duplicates")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.summary = plain_label()
        self.trash_button = QPushButton(icon("trash"), "Move others to Trash…")
        self.trash_button.setToolTip(
            "Moves every copy that is not kept, in the ticked groups, to the system Trash (undoable)"
        )
        self.undo_button = QPushButton(icon("undo"), "Undo")
        self.undo_button.setEnabled(False)
        self.export_button = QPushButton(icon("export"), "Export list…")
        self.trash_button.clicked.connect(self._request_trash)
        self.undo_button.clicked.connect(self.undo_requested.emit)
        self.export_button.clicked.connect(self.export_requested.emit)

        header = QHBoxLayout()
        heading = QVBoxLayout()
        heading.addWidget(title)
        heading.addWidget(self.summary)
        header.addLayout(heading, 1)
        for button in (self.export_button, self.undo_button, self.trash_button):
            header.addWidget(button)

        self.list_widget = QWidget()
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.setSpacing(10)
        self.list_layout.addStretch(1)
        self.more_button = QPushButton("Show more groups", self.list_widget)
        self.more_button.hide()
        self.more_button.clicked.connect(lambda: self._show_more())
        self.more_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.empty = plain_label(
            "No duplicates found.\nAnalyze a folder (with the content phase) to look for copies."
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.list_widget)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.verticalScrollBar().rangeChanged.connect(self._restore_scroll)
        self._forget_scroll = QTimer(self, singleShot=True, interval=2000)
        self._forget_scroll.timeout.connect(lambda: setattr(self, "_scroll_to", None))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.scroll, 1)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(900, 600)

    def set_clusters(self, clusters: list[dict[str, Any]]) -> None:
        """Show these groups; the ticks, the groups shown so far and the scroll position stay."""
        wanted = max(self.shown, PAGE)
        bar = self.scroll.verticalScrollBar()
        self._scroll_to = bar.value() or None
        self.reading = False
        self.clusters = clusters
        for card in self.cards:
            self.list_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        self._to_build = []
        self.shown = 0
        self._show_more(wanted)
        self._forget_scroll.start()
        self._update_summary()
        self.export_button.setEnabled(bool(clusters))
        self.empty.setVisible(not clusters)
        self.scroll.setVisible(bool(clusters))

    def set_reading(self) -> None:
        self.reading = True
        if not self.clusters:
            self.summary.setText("Reading the duplicate groups…")

    def set_excluded(self, keys: set[str]) -> None:
        self.excluded = set(keys)

    def _update_summary(self) -> None:
        """Counts and the space freed by the ticked groups only (what the button would move)."""
        clusters = self.clusters
        ticked = [c for c in clusters if group_key(c) not in self.excluded]
        others = extra_copies(ticked, clusters)
        freed = sum(others.values())
        text = (
            f"{counted(len(clusters), 'group')} · {counted(len(others), 'extra copy', 'extra copies')}"
            f" · {file_size(freed)} could be freed"
        )
        if len(ticked) < len(clusters):
            text += f" ({counted(len(clusters) - len(ticked), 'group')} unticked)"
        self.summary.setText(text if clusters else "No duplicate groups")
        self.trash_button.setEnabled(bool(others))

    def _restore_scroll(self, *_range) -> None:
        bar = self.scroll.verticalScrollBar()
        if self._scroll_to is not None and bar.maximum() >= self._scroll_to:
            bar.setValue(self._scroll_to)  # once the rebuilt cards are laid out that far
            self._scroll_to = None

    def _show_more(self, count: int = PAGE) -> None:
        batch = self.clusters[self.shown : self.shown + count]
        self.shown += len(batch)
        self._to_build.extend(batch)
        self._build_slice()

    def _build_slice(self) -> None:
        """Build a few cards now and the rest on later turns of the event loop."""
        batch, self._to_build = self._to_build[:CARDS_PER_SLICE], self._to_build[CARDS_PER_SLICE:]
        self.list_layout.removeWidget(self.more_button)
        self.more_button.hide()
        for cluster in batch:
            card = ClusterCard(cluster, self.loader, group_key(cluster) not in self.excluded)
            card.include.toggled.connect(lambda on, key=card.key: self._set_included(key, on))
            for tile in card.tiles:
                tile.keep_requested.connect(self.keeper_requested)
            self.list_layout.insertWidget(self.list_layout.count() - 1, card)
            self.cards.append(card)
        if self._to_build:
            self._builder.start()
            return
        self._place_more_button()

    def _place_more_button(self) -> None:
        self.list_layout.removeWidget(self.more_button)
        self.more_button.hide()
        if self.shown < len(self.clusters):
            self.more_button.setText(f"Show more groups ({len(self.clusters) - self.shown} left)")
            self.list_layout.insertWidget(self.list_layout.count() - 1, self.more_button, 0,
                                          Qt.AlignmentFlag.AlignHCenter)
            self.more_button.show()

    def _set_included(self, key: str, included: bool) -> None:
        if included:
            self.excluded.discard(key)
        else:
            self.excluded.add(key)
        self._update_summary()
        self.excluded_changed.emit(set(self.excluded))

    def selected_cluster_ids(self) -> list[int]:
        """Ticked groups; groups not shown yet count as ticked (the button says 'every group')."""
        return [c["id"] for c in self.clusters if group_key(c) not in self.excluded]

    def _request_trash(self) -> None:
        ids = self.selected_cluster_ids()
        if ids:
            self.trash_requested.emit(ids)

    def set_undo_available(self, available: bool) -> None:
        self.undo_button.setEnabled(available)

    @property
    def built(self) -> bool:
        """The groups were read and every card of the pages shown is built."""
        return not (self.reading or self._to_build)

    @property
    def loaded(self) -> bool:
        if not self.built:
            return False
        return all(tile.thumb.loaded for card in self.cards for tile in card.tiles)
