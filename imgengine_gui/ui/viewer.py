"""The viewer: one photo filling the window or the screen; zoom, pan, previous/next, slideshow.

Photos are decoded at screen size off the UI thread (``ViewerImages``); the neighbours are
decoded ahead, and a zoom past the decode on hand asks for the photo at its own size. Keys:
Left/Right step, Space plays or pauses the slideshow, F (or F11) toggles full screen, Z
toggles fit and 100 %, +/- zoom, I shows the photo's info, Esc leaves full screen, then the
viewer.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from imgengine_gui.ui.icons import icon
from imgengine_gui.ui.viewer_canvas import ViewerCanvas
from imgengine_gui.ui.viewer_images import ViewerImages, ViewerPhoto

# (photo id, step) -> the photo that many places away in the grid's order, or None
Locate = Callable[[int, int], "ViewerPhoto | None"]
DEFAULT_SLIDESHOW_S = 4


class PhotoViewer(QWidget):
    closed = Signal()  # back to the grid
    current_changed = Signal(int)  # photo id now shown
    info_requested = Signal(int)
    menu_requested = Signal(int, QPoint)  # photo id, global position

    def __init__(self, images: ViewerImages, locate: Locate,
                 slideshow_seconds: Callable[[], int] = lambda: DEFAULT_SLIDESHOW_S,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self.images, self.locate, self._slideshow_seconds = images, locate, slideshow_seconds
        self.photo: ViewerPhoto | None = None
        self.canvas = ViewerCanvas()
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._context_menu)
        self.canvas.zoom_changed.connect(self._zoom_changed)
        self.slideshow = QTimer(self)
        self.slideshow.timeout.connect(self._slideshow_tick)
        self._host: QWidget | None = None  # the full-screen window while full screen
        self.bar = self._build_bar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.canvas, 1)
        images.ready.connect(self._landed)

    def _build_bar(self) -> QWidget:
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(6, 4, 6, 4)
        self.back_button = self._tool("Back to the grid (Esc)", self.leave, icon_name="back")
        self.previous_button = self._tool("Previous photo (Left)", lambda: self.step(-1),
                                          arrow=Qt.ArrowType.LeftArrow)
        self.next_button = self._tool("Next photo (Right)", lambda: self.step(1),
                                      arrow=Qt.ArrowType.RightArrow)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.fit_button = self._tool("Fit the photo to the window (Z)", self.canvas.show_fit,
                                     text="Fit")
        self.actual_button = self._tool("Show every pixel: 100 % (Z)", self.canvas.show_actual,
                                        text="100%")
        self.zoom_label = QLabel()
        self.play_button = self._tool("Slideshow (Space)", self.toggle_slideshow, text="Slideshow")
        self.play_button.setCheckable(True)
        self.full_button = self._tool("Full screen (F)", self.toggle_full_screen,
                                      text="Full screen")
        self.full_button.setCheckable(True)
        self.info_button = self._tool("Info (I)", self._ask_info, icon_name="info")
        for widget in (self.back_button, self.previous_button, self.next_button):
            row.addWidget(widget)
        row.addWidget(self.title, 1)
        for widget in (self.zoom_label, self.fit_button, self.actual_button, self.play_button,
                       self.full_button, self.info_button):
            row.addWidget(widget)
        return bar

    def _tool(self, tip: str, slot, *, icon_name: str | None = None, arrow=None,
              text: str | None = None) -> QToolButton:
        button = QToolButton()
        if icon_name:
            button.setIcon(icon(icon_name))
        elif arrow is not None:
            button.setArrowType(arrow)
        if text:
            button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the viewer
        button.clicked.connect(slot)
        return button

    # -- showing ----------------------------------------------------------------------------------
    def screen_box(self) -> tuple[int, int]:
        """The decode size: the screen the viewer is on, in device pixels."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        size, dpr = screen.size(), screen.devicePixelRatio()
        return round(size.width() * dpr), round(size.height() * dpr)

    def show_photo(self, photo: ViewerPhoto) -> None:
        self.photo = photo
        self.title.setText(photo.path.rsplit("/", 1)[-1])
        self.title.setToolTip(photo.path)
        held = self.images.best(photo.path)
        error = self.images.errors.get(photo.path)
        self.canvas.set_message(f"Cannot show this photo: {error}" if error else "")
        self.canvas.set_image(held.image if held else None,
                              held.full_size if held else photo.size)
        self._prefetch()
        self.images.request(photo, self.screen_box())  # the newest request is decoded first
        self.current_changed.emit(photo.photo_id)

    def _prefetch(self) -> None:
        if self.photo is None:
            return
        for step in (1, -1):
            neighbour = self.locate(self.photo.photo_id, step)
            if neighbour is not None:
                self.images.request(neighbour, self.screen_box())

    def _landed(self, path: str) -> None:
        if self.photo is None or path != self.photo.path:
            return
        held = self.images.best(path)
        if held is None:
            self.canvas.set_message(f"Cannot show this photo: {self.images.errors.get(path, '')}")
            return
        self.canvas.set_image(held.image, held.full_size, keep_view=self.canvas.pixmap is not None)

    def _zoom_changed(self) -> None:
        self.zoom_label.setText(f"{self.canvas.zoom * 100:.0f} %" if self.canvas.full_size else "")
        if self.photo is None or not self.canvas.full_size:
            return
        held = self.images.best(self.photo.path)
        # zoomed past the decode on hand: the photo at its own size
        if held is not None and not held.full and self.canvas.needed_long_side() > held.long_side:
            self.images.request(self.photo, self.canvas.full_size)

    @property
    def settled(self) -> bool:
        """The photo shown is decoded (or known not to decode)."""
        path = self.photo.path if self.photo else None
        return path is None or self.images.best(path) is not None or path in self.images.errors

    # -- moving ----------------------------------------------------------------------------------
    def step(self, step: int) -> bool:
        if self.photo is None:
            return False
        target = self.locate(self.photo.photo_id, step)
        if target is None:
            return False
        self.show_photo(target)
        return True

    def toggle_slideshow(self) -> None:
        if self.slideshow.isActive():
            self.stop_slideshow()
        else:
            self.slideshow.start(max(1, int(self._slideshow_seconds())) * 1000)
            self.play_button.setChecked(True)
            self.play_button.setText("Pause")

    def stop_slideshow(self) -> None:
        self.slideshow.stop()
        self.play_button.setChecked(False)
        self.play_button.setText("Slideshow")

    def _slideshow_tick(self) -> None:
        if not self.step(1):
            self.stop_slideshow()  # the last photo: the slideshow ends on it

    def leave(self) -> None:
        self.stop_slideshow()
        if self.is_full_screen():
            self.toggle_full_screen()
        self.closed.emit()

    def _ask_info(self) -> None:
        if self.photo is not None:
            if self.is_full_screen():
                self.toggle_full_screen()
            self.info_requested.emit(self.photo.photo_id)

    def _context_menu(self, position: QPoint) -> None:
        if self.photo is not None:
            self.menu_requested.emit(self.photo.photo_id, self.canvas.mapToGlobal(position))

    # -- full screen: the viewer moves into a window of its own and back ---------------------------
    def is_full_screen(self) -> bool:
        return self._host is not None

    def toggle_full_screen(self) -> None:
        if self._host is None:
            self._home = self.parentWidget()
            host = QWidget(None, Qt.WindowType.Window)
            host.setWindowTitle(self.window().windowTitle())
            layout = QVBoxLayout(host)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self)
            self._host = host
            self.bar.hide()
            screen = self.window().screen() if self._home is not None else self.screen()
            host.setGeometry(screen.geometry())  # covers the screen even without a window manager
            host.showFullScreen()
        else:
            host, self._host = self._host, None
            if self._home is not None and self._home.layout() is not None:
                self._home.layout().addWidget(self)
            else:  # a viewer of its own (no page to go back to): a window again
                self.setParent(None)
                self.show()
            self.bar.show()
            host.close()
            host.deleteLater()
        self.full_button.setChecked(self.is_full_screen())
        self.setFocus()
        self.canvas.setFocus()

    # -- keys ---------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, ctrl = event.key(), event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if key == Qt.Key.Key_Escape:
            if self.is_full_screen():
                self.toggle_full_screen()
            else:
                self.leave()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace):
            self.step(-1)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
            self.step(1)
        elif key == Qt.Key.Key_Space:
            self.toggle_slideshow()
        elif key in (Qt.Key.Key_F, Qt.Key.Key_F11):
            self.toggle_full_screen()
        elif key == Qt.Key.Key_Z:
            self.canvas.toggle_zoom()
        elif ctrl and key == Qt.Key.Key_0:
            self.canvas.show_fit()
        elif ctrl and key == Qt.Key.Key_1:
            self.canvas.show_actual()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.canvas.zoom_by(1.25)
        elif key == Qt.Key.Key_Minus:
            self.canvas.zoom_by(0.8)
        elif key == Qt.Key.Key_I:
            self._ask_info()
        else:
            super().keyPressEvent(event)
