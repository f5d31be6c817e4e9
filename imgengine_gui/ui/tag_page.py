"""A personal tag's page: the photos it applied (with confidence), then the "maybe"s, each with
Accept / Reject; Rename and Forget. It only shows and asks: ``TagsController`` does the work."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from imgengine_gui.catalog.reader import CatalogReader
from imgengine_gui.engine.tag_review import TagPage
from imgengine_gui.ui.grid_view import PhotoGrid
from imgengine_gui.ui.tag_widgets import CARD_THUMB, PhotoCard, TagPhotosModel, percent
from imgengine_gui.ui.thumbnails import ImageLoader
from imgengine_gui.ui.widgets import HintBanner


class TagPageView(QWidget):
    decided = Signal(int, bool)  # photo id, True: it shows the tag (accept), False: reject
    rename_requested = Signal()
    forget_requested = Signal()
    filter_requested = Signal()  # show the library filtered by this tag
    back_requested = Signal()

    def __init__(self, source: CatalogReader, loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagPage")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.source, self.loader = source, loader
        self.page: TagPage | None = None
        self.loaded = False  # the last page asked for is shown
        self.cards: list[PhotoCard] = []

        self.title = QElidingLabel()  # a long name is elided, never widens the page
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.summary = QElidingLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.busy = QLabel()
        self.busy.setTextFormat(Qt.TextFormat.PlainText)
        buttons = {}
        for key, text, signal in (
            ("back", "Back", self.back_requested),
            ("filter", "Show in library", self.filter_requested),
            ("rename", "Rename…", self.rename_requested),
            ("forget", "Forget…", self.forget_requested),
        ):
            button = QPushButton(text)
            button.clicked.connect(signal.emit)
            buttons[key] = button
        self.buttons = buttons
        header = QHBoxLayout()
        header.addWidget(buttons["back"])
        header.addSpacing(8)
        header.addWidget(self.title, 2)
        header.addWidget(self.summary, 3)
        header.addWidget(self.busy)
        for key in ("filter", "rename", "forget"):
            header.addWidget(buttons[key])
        self.person = HintBanner()

        self.applied_heading = _heading("")
        self.model = TagPhotosModel(source, self)
        self.grid = PhotoGrid(self.model, loader)
        self.grid.set_cell(120)
        self.grid.empty_text = "No photo carries this tag yet."
        self.not_this = QPushButton("Not this")
        self.not_this.setToolTip("Teach the selected photos as “not this” (retrains the tag)")
        self.not_this.clicked.connect(self._reject_selected)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.not_this.setEnabled(False)
        # in the status bar in place of the library's counts (hidden while the page shows)
        self.status_line = QLabel()
        self.status_line.setTextFormat(Qt.TextFormat.PlainText)
        self.status_line.hide()
        applied_row = QHBoxLayout()
        applied_row.addWidget(self.applied_heading, 1)
        applied_row.addWidget(self.not_this)

        self.maybe_heading = _heading("")
        self.maybe_hint = QLabel()
        self.maybe_hint.setWordWrap(True)
        self.maybe_hint.setTextFormat(Qt.TextFormat.PlainText)
        self.strip = QWidget()
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(0, 0, 0, 0)
        self.strip_layout.addStretch(1)
        self.maybe_scroll = QScrollArea()
        self.maybe_scroll.setWidget(self.strip)
        self.maybe_scroll.setWidgetResizable(True)
        self.maybe_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.maybe_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.maybe_scroll.setFixedHeight(CARD_THUMB + 110)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(header)
        layout.addWidget(self.person)
        layout.addLayout(applied_row)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.maybe_heading)
        layout.addWidget(self.maybe_hint)
        layout.addWidget(self.maybe_scroll)

    # -- showing -------------------------------------------------------------------------------
    def show_loading(self, name: str) -> None:
        """A page was asked for: say so until it arrives (the old one stays visible)."""
        self.loaded = False
        if self.page is None or self.page.name != name:
            self.title.setText(name)
            self.title.setToolTip(name)
            self.summary.setText("")
            self.model.set_photos([])
            self._set_cards([])
            self.person.show_text("")
        self.set_busy("Loading…")

    def set_busy(self, text: str) -> None:
        self.busy.setText(text)
        for card in self.cards:
            for button in card.findChildren(QPushButton):
                button.setEnabled(not text)

    def show_page(self, page: TagPage) -> None:
        self.page = page
        self.loaded = True
        self.busy.setText("")
        self.title.setText(page.name)
        self.title.setToolTip(page.name)
        kind = "learned from examples" if page.learns else "manual tag (nothing is learned)"
        self.summary.setText(f"  {len(page.applied)} photos · {page.examples} examples · "
                             f"{page.rejected} not this · {kind}")
        self.person.show_text(f"{page.person.message}." if page.person else "")
        self.applied_heading.setText(f"Photos with “{page.name}” ({len(page.applied)})")
        self.model.set_photos(page.applied)
        self._selection_changed()  # a reset clears the selection silently
        self.maybe_heading.setText(f"Maybe ({len(page.suggestions)})" if page.learns else "")
        self.maybe_heading.setVisible(page.learns)
        if not page.learns:
            hint = ""
        elif page.suggestions:
            hint = (f"Does each photo show “{page.name}”? The most useful ones to answer come "
                    "first; every answer retrains the tag at once.")
        else:
            hint = "No more suggestions: every photo close to the tag has been decided."
        self.maybe_hint.setText(hint)
        self.maybe_hint.setVisible(bool(hint))
        self.maybe_scroll.setVisible(page.learns and bool(page.suggestions))
        rows = self.source.rows([p.photo_id for p in page.suggestions])
        self._set_cards([
            (p.photo_id, p.path, rows[p.photo_id].thumb if p.photo_id in rows else None,
             percent(p.confidence))
            for p in page.suggestions
        ])

    def _set_cards(self, photos: list[tuple[int, str, str | None, str]]) -> None:
        focused = self.focusWidget()
        if focused is not None and self.strip.isAncestorOf(focused):
            self.setFocus()  # not onto the next card's button: the strip would scroll to it
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        for photo_id, path, thumb, confidence in photos:
            card = PhotoCard(self.loader, photo_id, path, thumb, os.path.basename(path))
            sure = QLabel(f"{confidence} sure")
            sure.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            sure.setToolTip("How sure the tag is that this photo shows it (50 % and up: applied)")
            card.box.addWidget(sure)
            buttons = QHBoxLayout()
            for text, accept in (("Accept", True), ("Reject", False)):
                button = QPushButton(text)
                button.setObjectName("accept" if accept else "reject")
                button.clicked.connect(
                    lambda _=False, pid=photo_id, yes=accept: self.decided.emit(pid, yes)
                )
                buttons.addWidget(button)
            card.box.addLayout(buttons)
            self.strip_layout.insertWidget(self.strip_layout.count() - 1, card)
            self.cards.append(card)
        self.maybe_scroll.horizontalScrollBar().setValue(0)

    def _selection_changed(self) -> None:
        count = self.grid.selected_count()
        self.not_this.setEnabled(count > 0)
        self.status_line.setText(f"{count} of {self.model.rowCount()} selected" if count else "")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        self.status_line.show()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self.status_line.hide()

    def _reject_selected(self) -> None:
        for photo_id in self.grid.selected_ids():
            self.decided.emit(photo_id, False)

    @property
    def settled(self) -> bool:
        return self.loaded and all(card.loaded for card in self.cards)


def _heading(text: str) -> QLabel:
    label = QElidingLabel(text)  # it may hold the tag's name
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
