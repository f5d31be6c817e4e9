"""What an empty grid says, and the one button that gets photos back ("Clear filters")."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QPushButton

NO_PHOTOS = "No photos here yet.\nChoose “Analyze folder…” or drop a folder on this window."
NO_MATCH = "No photo matches these filters."
NO_NAME_MATCH = "No photo matches “{}”."
BUTTON_GAP = 36  # below the centred message


def empty_text(library_photos: int, filtered: bool, search: str) -> str:
    """The grid's message when it shows nothing: an empty library, or filters matching nothing."""
    if library_photos and search:
        return NO_NAME_MATCH.format(search)
    if library_photos and filtered:
        return NO_MATCH
    return NO_PHOTOS


class EmptyAction(QObject):
    """A button centred under the empty grid's message, shown only when the message needs it."""

    def __init__(self, view: QAbstractScrollArea, text: str) -> None:
        super().__init__(view)
        self.view = view
        self.button = QPushButton(text, view.viewport())
        self.button.setObjectName("emptyAction")
        self.button.hide()
        view.viewport().installEventFilter(self)

    def set_visible(self, visible: bool) -> None:
        self.button.setVisible(visible)
        self._place()

    def _place(self) -> None:
        self.button.adjustSize()
        area = self.view.viewport().rect()
        self.button.move(area.center().x() - self.button.width() // 2,
                         area.center().y() + BUTTON_GAP - self.button.height() // 2)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False
