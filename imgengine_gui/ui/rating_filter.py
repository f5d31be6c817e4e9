"""The filter panel's rating and flag choices: at least N stars; picked, rejected or unflagged."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from imgengine_gui.ui.marks import STAR

FLAGS = (("Any flag", None), ("Picked", "pick"), ("Rejected", "reject"), ("Unflagged", "none"))


class RatingFilter(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.min_rating = QComboBox()
        self.min_rating.setObjectName("minRating")
        self.min_rating.addItem("Any rating", None)
        for stars in range(1, 6):
            self.min_rating.addItem(STAR * stars + (" and up" if stars < 5 else ""), stars)
        self.flag = QComboBox()
        self.flag.setObjectName("flagFilter")
        for text, value in FLAGS:
            self.flag.addItem(text, value)
        layout = QVBoxLayout(self)  # stacked: side by side they were wider than the dock
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.min_rating, 1)
        layout.addWidget(self.flag, 1)
        self.min_rating.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.flag.currentIndexChanged.connect(lambda _i: self.changed.emit())

    def active_count(self) -> int:
        return int(self.min_rating.currentIndex() > 0) + int(self.flag.currentIndex() > 0)

    def reset(self) -> None:
        """Back to any, without a signal (the panel says once that its filters changed)."""
        for combo in (self.min_rating, self.flag):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
