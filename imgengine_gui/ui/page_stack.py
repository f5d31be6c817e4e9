"""The window's pages (grid, detail, duplicates, ...): only the page shown counts for the layout.

A plain QStackedWidget is as wide as its widest page, shown or not: once a personal tag's page
had been filled (its header needs ~820 px), the docks beside the grid were squeezed narrower
every time the filters came back. Here a hidden page's size is ignored, so the sidebar and the
filters keep their width whatever page was opened before.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSizePolicy, QStackedWidget, QWidget


class PageStack(QStackedWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._policies: dict[QWidget, QSizePolicy] = {}
        self.currentChanged.connect(self._size_by_current)

    def addWidget(self, page: QWidget) -> int:  # noqa: N802
        self._policies[page] = page.sizePolicy()
        index = super().addWidget(page)
        self._size_by_current(self.currentIndex())
        return index

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802
        self._size_by_current(index)  # first: showing a page may lay the window out at once
        super().setCurrentIndex(index)

    def _size_by_current(self, index: int) -> None:
        ignored = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        for number in range(self.count()):
            page = self.widget(number)
            page.setSizePolicy(self._policies[page] if number == index else ignored)
        self.updateGeometry()
        # now, not at the next layout pass: a dock shown right after (the filters, back with the
        # grid) must not be fitted around the old page's minimum
        holder = self.parentWidget()
        if holder is not None and holder.layout() is not None:
            holder.layout().activate()
