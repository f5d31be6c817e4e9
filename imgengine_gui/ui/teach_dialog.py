"""The "Teach tag…" dialog: a name (completed from the existing tags), the selected photos with a
"Not this" box each, and what teaching did (how many photos carry the tag now).

The dialog only asks and shows; ``TagsController`` runs the teaching off the UI thread and
calls ``show_busy`` / ``show_result`` / ``show_error`` / ``show_not_analyzed``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from imgengine_gui.catalog.personal_tags import NAMESPACE_SUFFIX
from imgengine_gui.catalog.reader import GridRow
from imgengine_gui.engine.personal_tags import NotAnalyzed, TeachResult
from imgengine_gui.engine.tag_review import TeachContext
from imgengine_gui.ui.tag_widgets import PhotoCard
from imgengine_gui.ui.thumbnails import ImageLoader

COLUMNS = 5
THUMB = 96
NEEDS_AN_EXAMPLE = "At least one photo must show the tag."


class TeachTagDialog(QDialog):
    teach_requested = Signal(str, list, list, bool)  # name, examples, "not this", manual
    analyze_requested = Signal(list)  # paths that must be analyzed first
    review_requested = Signal(str)  # the tag taught
    person_requested = Signal(str)  # the person People found in every example: show them

    def __init__(self, photos: list[GridRow], loader: ImageLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Teach tag")
        self.setObjectName("teachTagDialog")
        self.context: TeachContext | None = None
        self.taught: str | None = None
        self.person: str | None = None  # the person every example shows, once taught
        self._missing: list[str] = []
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. my flowers, our dog, the boat")
        self.name.textChanged.connect(self._name_changed)
        self.name_note = QLabel()
        self.name_note.setWordWrap(True)
        self.name_note.setTextFormat(Qt.TextFormat.PlainText)
        self.manual = QCheckBox("Only these photos (a manual tag: nothing is learned)")
        self.cards: list[tuple[PhotoCard, QCheckBox]] = []
        cards = QWidget()
        grid = QGridLayout(cards)
        grid.setContentsMargins(0, 0, 0, 0)
        for n, photo in enumerate(photos):
            card = PhotoCard(loader, photo.photo_id, photo.path, photo.thumb, photo.name, THUMB)
            not_this = QCheckBox("Not this")
            not_this.setToolTip("Teach this photo as an example of what the tag is not")
            card.box.addWidget(not_this, 0, Qt.AlignmentFlag.AlignHCenter)
            not_this.toggled.connect(self._update_buttons)
            grid.addWidget(card, n // COLUMNS, n % COLUMNS)
            self.cards.append((card, not_this))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setObjectName("teachStatus")

        self.buttons = QDialogButtonBox()
        self.teach_button = self.buttons.addButton("Teach", QDialogButtonBox.ButtonRole.AcceptRole)
        self.analyze_button = QPushButton("Analyze first")
        self.review_button = QPushButton("Review suggestions")
        self.person_button = QPushButton("Show in People")
        self.person_button.setToolTip("Every example shows this person: People finds their photos")
        self.buttons.addButton(self.analyze_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.review_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.person_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.analyze_button.hide()
        self.review_button.hide()
        self.person_button.hide()
        self.teach_button.clicked.connect(self._teach)
        self.analyze_button.clicked.connect(lambda: self.analyze_requested.emit(self._missing))
        self.review_button.clicked.connect(self._review)
        self.person_button.clicked.connect(self._show_person)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Tag name", self.name)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # grows with the notes
        layout.addLayout(form)
        layout.addWidget(self.name_note)
        layout.addWidget(QLabel(f"{len(photos)} selected photo{'s' if len(photos) != 1 else ''}"
                                " show it; tick the ones that do not:"))
        layout.addWidget(cards)
        layout.addWidget(self.manual)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._name_changed("")

    # -- what the user chose -------------------------------------------------------------------
    def examples(self) -> list[int]:
        return [card.photo_id for card, not_this in self.cards if not not_this.isChecked()]

    def negatives(self) -> list[int]:
        return [card.photo_id for card, not_this in self.cards if not_this.isChecked()]

    def set_context(self, context: TeachContext) -> None:
        """The existing tags (for completion) and the built-in names (a clash is namespaced)."""
        self.context = context
        completer = QCompleter([t["name"] for t in context.tags], self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.name.setCompleter(completer)
        self._name_changed(self.name.text())

    def _name_changed(self, text: str) -> None:
        self.name_note.setText(self._name_note(" ".join(text.split())))
        self.name_note.setVisible(bool(self.name_note.text()))
        self._update_buttons()

    def _name_note(self, name: str) -> str:
        if not name or self.context is None:
            return ""
        folded = name.casefold()
        for tag in self.context.tags:
            if tag["name"].casefold() in (folded, (name + NAMESPACE_SUFFIX).casefold()):
                return (f"Adds these photos to your tag “{tag['name']}” "
                        f"({tag['photos']} photos, {tag['examples']} examples).")
        if folded in self.context.builtin:
            return (f"“{name}” is a built-in scene or object tag: this personal tag will be "
                    f"called “{name}{NAMESPACE_SUFFIX}”.")
        return ""

    def _update_buttons(self) -> None:
        ready = bool(self.name.text().strip()) and bool(self.examples())
        self.teach_button.setEnabled(ready and self.taught is None)
        if self.name.text().strip() and not self.examples():
            self.status.setText(NEEDS_AN_EXAMPLE)
        elif self.status.text() == NEEDS_AN_EXAMPLE:
            self.status.setText("")

    def _teach(self) -> None:
        if not self.teach_button.isEnabled():
            return
        self.teach_requested.emit(" ".join(self.name.text().split()), self.examples(),
                                  self.negatives(), self.manual.isChecked())

    def _show_person(self) -> None:
        if self.person is not None:
            self.person_requested.emit(self.person)
        self.accept()

    def _review(self) -> None:
        if self.taught:
            self.review_requested.emit(self.taught)
        self.accept()

    # -- what teaching did ---------------------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.status.setText(text)
        self.teach_button.setEnabled(False)
        self.analyze_button.hide()

    def show_result(self, result: TeachResult) -> None:
        self.taught = result.name
        lines = [f"{result.photos} photo{'s' if result.photos != 1 else ''} now carry "
                 f"“{result.name}” ({result.examples} examples, {result.rejected} not this)."]
        lines += [f"Note: {line}" for line in (result.note,) if line]
        if result.person is not None:
            lines.append(f"People: {result.person.message}.")
            self.person = result.person.person
            self.person_button.setVisible(self.person is not None)
        self.status.setText("\n".join(lines))
        self.teach_button.hide()
        self.review_button.show()
        self.review_button.setDefault(True)
        self.review_button.setFocus()
        self.close_button.setText("Close")
        for widget in (self.name, self.manual, *(box for _card, box in self.cards)):
            widget.setEnabled(False)

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self._update_buttons()

    def show_not_analyzed(self, problem: NotAnalyzed) -> None:
        count = len(problem.reasons)
        if problem.failed:
            self.status.setText(f"{count} of these photos cannot be taught from: {problem}. "
                                "Teach from other photos.")
        else:
            self.status.setText(f"{count} of these photos are not analyzed yet ({problem}). "
                                "Analyze them first, then the tag is taught.")
            self._missing = list(problem.reasons)
            self.analyze_button.show()
        self._update_buttons()
