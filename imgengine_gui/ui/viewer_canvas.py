"""The viewer's picture: fit or zoomed (wheel, pinch, double-click), panned by dragging.

Zoom is in device pixels per pixel of the photo at its own size, so "100 %" shows every pixel
once, whichever decode (screen size or full size) is on hand; the view's centre is kept in
the photo's own pixels, so a sharper decode arriving later keeps the place.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QPinchGesture, QWidget

MAX_ZOOM = 8.0
WHEEL_STEP = 1.25  # zoom factor per wheel notch
BACKGROUND = QColor(18, 18, 18)


class ViewerCanvas(QWidget):
    zoom_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 150)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.grabGesture(Qt.GestureType.PinchGesture)
        self.pixmap: QPixmap | None = None
        self.full_size: tuple[int, int] | None = None  # the photo's own size, upright
        self.fit = True
        self._zoom = 1.0
        self.center = QPointF()  # in the photo's own pixels
        self.message = ""
        self._drag_from: QPointF | None = None

    # -- what is shown ---------------------------------------------------------------------------
    def set_image(self, image: QImage | None, full_size: tuple[int, int] | None,
                  *, keep_view: bool = False) -> None:
        """Show ``image`` (any decode of a photo whose own size is ``full_size``)."""
        self.pixmap = QPixmap.fromImage(image) if image is not None and not image.isNull() else None
        if full_size is None and self.pixmap is not None:
            full_size = (self.pixmap.width(), self.pixmap.height())
        self.full_size = full_size
        if not keep_view:
            self.fit = True
            if full_size:
                self.center = QPointF(full_size[0] / 2, full_size[1] / 2)
        self._clamp()
        self.update()
        self.zoom_changed.emit()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    # -- zoom and pan ------------------------------------------------------------------------------
    def _dpr(self) -> float:
        return self.devicePixelRatioF() or 1.0

    def fit_zoom(self) -> float:
        if not self.full_size:
            return 1.0
        width, height = self.width() * self._dpr(), self.height() * self._dpr()
        # never enlarged past 100 % to fit (a small photo stays sharp; the wheel still zooms)
        return min(width / self.full_size[0], height / self.full_size[1], 1.0)

    @property
    def zoom(self) -> float:
        return self.fit_zoom() if self.fit else self._zoom

    def show_fit(self) -> None:
        self.fit = True
        self._clamp()
        self.update()
        self.zoom_changed.emit()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom``, keeping the photo's point under ``anchor`` (widget coordinates) in
        place; at or below the fitted size the photo fits again."""
        if not self.full_size:
            return
        fit = self.fit_zoom()
        zoom = min(max(zoom, min(fit, 1.0)), MAX_ZOOM)
        old = self.zoom
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        offset = (anchor - QPointF(self.width() / 2, self.height() / 2)) * self._dpr()
        point = self.center + offset / old
        self.fit = zoom <= fit
        self._zoom = zoom
        self.center = point - offset / self.zoom
        self._clamp()
        self.update()
        self.zoom_changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor)

    def show_actual(self, anchor: QPointF | None = None) -> None:
        """100 %: one pixel of the photo per device pixel."""
        self.set_zoom(1.0, anchor)
        if self.fit and self.full_size:  # smaller than the view: 100 % is the fitted size or less
            self.fit, self._zoom = False, 1.0
            self._clamp()
            self.update()
            self.zoom_changed.emit()

    def toggle_zoom(self, anchor: QPointF | None = None) -> None:
        """Fit <-> 100 % (Z, a double-click)."""
        if self.fit:
            self.show_actual(anchor)
        else:
            self.show_fit()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the photo by (dx, dy) widget pixels, as a drag does."""
        self.center -= QPointF(dx, dy) * self._dpr() / self.zoom
        self._clamp()
        self.update()

    def can_pan(self) -> bool:
        rect = self.image_rect()
        return rect.width() > self.width() + 0.5 or rect.height() > self.height() + 0.5

    def _clamp(self) -> None:
        if not self.full_size:
            return
        zoom, dpr = self.zoom, self._dpr()
        values = []
        for centre, full, view in ((self.center.x(), self.full_size[0], self.width()),
                                   (self.center.y(), self.full_size[1], self.height())):
            half = view * dpr / (2 * zoom)  # half the view, in the photo's pixels
            values.append(full / 2 if 2 * half >= full else min(max(centre, half), full - half))
        self.center = QPointF(*values)

    def image_rect(self) -> QRectF:
        """Where the whole photo lies, in widget coordinates."""
        if not self.full_size:
            return QRectF()
        scale = self.zoom / self._dpr()
        width, height = self.full_size[0] * scale, self.full_size[1] * scale
        left = self.width() / 2 - self.center.x() * scale
        top = self.height() / 2 - self.center.y() * scale
        return QRectF(left, top, width, height)

    def needed_long_side(self) -> int:
        """How many pixels the long side of a decode needs for the current zoom."""
        if not self.full_size:
            return 0
        return math.ceil(max(self.full_size) * min(self.zoom, 1.0))

    # -- events -----------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._clamp()
        self.zoom_changed.emit()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.pixmap is None:
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message or "Loading…")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 2.0)
        painter.drawPixmap(self.image_rect(), self.pixmap, QRectF(self.pixmap.rect()))

    def wheelEvent(self, event) -> None:  # noqa: N802
        notches = event.angleDelta().y() / 120
        if notches:
            self.zoom_by(WHEEL_STEP**notches, event.position())
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.toggle_zoom(event.position())

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.can_pan():
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan_by(delta.x(), delta.y())
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.can_pan()
                           else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        if self._drag_from is not None:
            self._drag_from = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.NativeGesture:  # touchpad pinch (macOS, Wayland, libinput)
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_by(1.0 + event.value(), event.position())
                return True
        elif kind == QEvent.Type.Gesture:  # touch screen pinch
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if isinstance(pinch, QPinchGesture):
                centre = self.mapFromGlobal(pinch.centerPoint().toPoint())
                self.zoom_by(pinch.scaleFactor(), QPointF(centre))
                event.accept()
                return True
        return super().event(event)
