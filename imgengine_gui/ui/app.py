"""Starting the desktop app: `imgengine gui` calls ``run_app(args)``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import qasync
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from imgengine_gui.settings import Settings, default_catalog_path
from imgengine_gui.ui.gc_policy import collect_on_ui_thread
from imgengine_gui.ui.icons import app_icon
from imgengine_gui.ui.main_window import MainWindow
from imgengine_gui.ui.palette import apply_theme
from imgengine_gui.ui.ui_state import APPLICATION, ORGANISATION

SCREENSHOT_TIMEOUT_S = 45.0
SETTLE_POLL_MS = 50


def create_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("imgengine")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    collect_on_ui_thread(app)
    return app


def open_window(args: argparse.Namespace) -> MainWindow:
    catalog = Path(args.catalog).expanduser() if getattr(args, "catalog", None) else default_catalog_path()
    window = MainWindow(catalog, Settings.load(), remember=not getattr(args, "screenshot", None))
    window.show()
    folder, view = getattr(args, "folder", None), getattr(args, "view", None) or "grid"

    def choose() -> None:  # once the first read (off the UI thread) shows folders and photos
        if folder:
            window.select_folder_path(folder)
        if view != "grid":
            window.show_view(view)

    if folder or view != "grid":
        window.library.reloaded.connect(choose, Qt.ConnectionType.SingleShotConnection)
    return window


def render_window(window: MainWindow) -> QPixmap:
    """The window as shown, with an open settings dialog painted over its centre."""
    shot = window.grab()
    dialog = window.settings_dialog
    if dialog is not None and dialog.isVisible():
        painter = QPainter(shot)
        painter.fillRect(shot.rect(), QColor(0, 0, 0, 90))
        over = dialog.grab()
        title_height = painter.fontMetrics().height() + 12
        corner = shot.rect().center() - QPoint(over.width() // 2, (over.height() + title_height) // 2)
        title = QRect(corner.x(), corner.y(), over.width(), title_height)
        palette = dialog.palette()
        painter.fillRect(title, palette.color(QPalette.ColorRole.Window).darker(112))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(title, Qt.AlignmentFlag.AlignCenter, dialog.windowTitle())
        painter.drawPixmap(corner + QPoint(0, title_height), over)
        painter.end()
    return shot


def _settle_then(window: MainWindow, timeout_s: float, done) -> None:
    """Poll until the window has nothing left loading (or the deadline passes), then ``done()``."""
    deadline = time.monotonic() + timeout_s
    quiet_polls = [0]

    def poll() -> None:
        settled = window.is_settled()
        quiet_polls[0] = quiet_polls[0] + 1 if settled else 0
        if quiet_polls[0] >= 3 or time.monotonic() > deadline:
            timer.stop()
            done()

    timer = QTimer(window, interval=SETTLE_POLL_MS)
    timer.timeout.connect(poll)
    timer.start()


def _run_loop(app: QApplication) -> int:
    """The Qt loop, driven by qasync: asyncio code may run on the UI thread too (it can await a
    task's future with ``asyncio.wrap_future``); work off the UI thread goes through TaskRunner."""
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        return int(loop.run_forever() or 0)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def run_app(args: argparse.Namespace) -> int:
    app = create_application()
    # The loop ends when *our* window closes. Qt's own "quit when the last window closes" could
    # fire later (when a window is destroyed), with no loop running, and then make every later
    # event loop in this process return at once (tests run several apps in one process).
    app.setQuitOnLastWindowClosed(False)
    window = open_window(args)
    window.closed.connect(app.quit)
    outcome = {"code": 0}
    screenshot = getattr(args, "screenshot", None)
    if screenshot:
        def capture() -> None:
            target = Path(screenshot).expanduser()
            target.parent.mkdir(parents=True, exist_ok=True)
            if not render_window(window).save(str(target), "PNG"):
                print(f"imgengine: could not write {target}", file=sys.stderr)
                outcome["code"] = 1
            app.quit()

        _settle_then(window, SCREENSHOT_TIMEOUT_S, capture)
    code = _run_loop(app)
    window.closed.disconnect(app.quit)
    if window.isVisible():
        window.close()
    window.deleteLater()
    return outcome["code"] or code
