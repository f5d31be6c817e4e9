"""Small shared widgets: the search box, the hint banner and the notice bar with an action."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QToolButton,
    QWidget,
)

from imgengine_gui.ui.icons import icon

SEARCH_DELAY_MS = 300


def question_box(parent: QWidget, title: str, text: str, default_no: bool = False) -> QMessageBox:
    """A Yes/No box shown as plain text (it names files and folders); ``default_no`` makes Enter
    answer No, for what cannot be undone."""
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    box = QMessageBox(QMessageBox.Icon.Question, title, text, buttons, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if default_no:
        box.setDefaultButton(QMessageBox.StandardButton.No)
    return box


def ask(parent: QWidget, title: str, text: str, default_no: bool = False) -> bool:
    """True when the user answers Yes to ``question_box``."""
    return question_box(parent, title, text, default_no).exec() == QMessageBox.StandardButton.Yes


class SearchBox(QLineEdit):
    """Emits ``search`` with the text once typing pauses (or on Enter)."""

    search = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.setClearButtonEnabled(True)
        self.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.setPlaceholderText("Search photos (Ctrl+F)")
        self.setMinimumWidth(200)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.fire)
        self.textChanged.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self.fire)

    def fire(self) -> None:
        self._timer.stop()
        self.search.emit(self.text().strip())

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            self.fire()
            return
        super().keyPressEvent(event)


def _tinted_frame(frame: QFrame, role: QPalette.ColorRole = QPalette.ColorRole.AlternateBase) -> None:
    frame.setAutoFillBackground(True)
    palette = frame.palette()
    palette.setColor(QPalette.ColorRole.Window, palette.color(role))
    frame.setPalette(palette)


class HintBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hintBanner")
        _tinted_frame(self)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        info = QLabel()
        info.setPixmap(icon("info").pixmap(18, 18))
        layout.addWidget(info)
        layout.addWidget(self.label, 1)
        self.hide()

    def show_text(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(bool(text))


class NoticeBar(QFrame):
    """A transient message with an optional action ("Undo"); never modal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        _tinted_frame(self, QPalette.ColorRole.ToolTipBase)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.ToolTipText))
        self.setPalette(palette)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.action_button = QPushButton()
        self.close_button = QToolButton()
        self.close_button.setIcon(icon("cancel"))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._callback: Callable[[], None] | None = None
        self.action_button.clicked.connect(self._run_action)
        self._timer = QTimer(self, singleShot=True, interval=15000)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_message(self, text: str, action: str | None = None,
                     callback: Callable[[], None] | None = None, *,
                     persistent: bool = False) -> None:
        """``persistent``: stays until acted on or dismissed (else it hides after a while)."""
        self.label.setText(text)
        self._callback = callback
        self.action_button.setVisible(bool(action))
        self.action_button.setText(action or "")
        self.show()
        if persistent:
            self._timer.stop()
        else:
            self._timer.start()

    def _run_action(self) -> None:
        callback, self._callback = self._callback, None
        self.hide()
        if callback is not None:
            callback()
