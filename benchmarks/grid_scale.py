"""How the photo grid copes with a large library: a model fed N rows (default 100k).

Measures time to first paint of the grid, time until every visible thumbnail is painted, the time
to scroll to the end and paint there, and the memory the grid added. Thumbnails are a handful of
real JPEGs reused across rows, so the numbers are about the model/view/loader, not disk speed.

    python -m benchmarks.grid_scale [--rows 100000] [--grouped] [--json]

``--grouped``: the photos sorted by date, with month headers (12 years of months), as the grid
shows a library sorted by date taken.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class SyntheticSource:
    """Rows for any id, pointing at a few real thumbnail files."""

    def __init__(self, thumbs: list[str]) -> None:
        self.thumbs = thumbs
        self.fetches = 0

    def rows(self, ids: Sequence[int]):
        from imgengine_gui.catalog.reader import GridRow

        self.fetches += 1
        return {
            i: GridRow(i, f"IMG_{i:06d}.jpg", f"/photos/IMG_{i:06d}.jpg",
                       self.thumbs[i % len(self.thumbs)], None)
            for i in ids
        }


def _make_thumbs(folder: Path, count: int = 64) -> list[str]:
    from PIL import Image, ImageDraw

    paths = []
    for i in range(count):
        image = Image.new("RGB", (256, 192), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
        ImageDraw.Draw(image).ellipse((40 + i % 50, 30, 200, 170), fill=(255 - i * 3 % 256, 200, 90))
        path = folder / f"thumb_{i}.jpg"
        image.save(path, quality=85)
        paths.append(str(path))
    return paths


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _months(rows: int, months: int = 144) -> list[str]:
    """Sorted "YYYY-MM" keys spread evenly over the rows."""
    return [f"{2010 + (i * months // rows) // 12}-{(i * months // rows) % 12 + 1:02d}"
            for i in range(rows)]


def measure_grid_scale(
    rows: int = 100_000, *, grouped: bool = False, timeout_s: float = 60.0
) -> dict[str, float]:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from imgengine_gui.ui.bridge import EngineBridge
    from imgengine_gui.ui.grid_view import PhotoGrid
    from imgengine_gui.ui.models import PhotoGridModel
    from imgengine_gui.ui.tasks import TaskRunner
    from imgengine_gui.ui.thumbnails import ImageLoader

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        source = SyntheticSource(_make_thumbs(Path(tmp)))
        bridge = EngineBridge()
        tasks = TaskRunner(bridge)
        loader = ImageLoader(tasks)
        model = PhotoGridModel(source)
        grid = PhotoGrid(model, loader)
        grid.resize(1280, 800)
        painted: list[float] = []

        class PaintSpy(QObject):
            def eventFilter(self, obj, event):  # noqa: N802
                if event.type() == QEvent.Type.Paint and model.rowCount():
                    painted.append(time.perf_counter())
                return False

        spy = PaintSpy()
        grid.viewport().installEventFilter(spy)
        rss_before = _rss_mb()
        grid.show()
        app.processEvents()

        months = _months(rows) if grouped else None
        started = time.perf_counter()
        model.set_ids(range(1, rows + 1), months)
        set_ids_s = time.perf_counter() - started
        deadline = started + timeout_s
        while not painted and time.perf_counter() < deadline:
            app.processEvents()
        first_paint_s = painted[0] - started if painted else float("nan")
        visible_s = _wait_visible(app, grid, loader, started, deadline)
        last = model.index(rows - 1)
        while not grid.visualRect(last).isValid() and time.perf_counter() < deadline:
            app.processEvents()
        layout_done_s = time.perf_counter() - started

        started = time.perf_counter()
        painted.clear()
        grid.scrollToBottom()
        deadline = started + timeout_s
        while not painted and time.perf_counter() < deadline:
            app.processEvents()
        end_visible_s = _wait_visible(app, grid, loader, started, deadline)
        result = {
            "rows": rows,
            "grouped": grouped,
            "set_ids_s": round(set_ids_s, 4),
            "first_paint_s": round(first_paint_s, 4),
            "visible_thumbs_loaded_s": round(visible_s, 4),
            "full_layout_s": round(layout_done_s, 4),
            "scroll_to_end_loaded_s": round(end_visible_s, 4),
            "visible_cells": len(grid.visible_rows()),
            "page_fetches": source.fetches,
            "rss_added_mb": round(_rss_mb() - rss_before, 1),
        }
        grid.close()
        loader.shutdown()
        tasks.shutdown()
        grid.deleteLater()
        app.processEvents()
    return result


def _wait_visible(app, grid, loader, started: float, deadline: float) -> float:
    from imgengine_gui.ui.models import ThumbRole

    while time.perf_counter() < deadline:
        app.processEvents()
        rows = grid.visible_rows()
        side = grid.delegate.cell
        if rows and all(
            loader._pixmaps.get(f"{side}:{grid.grid_model.index(r).data(ThumbRole)}") is not None
            for r in rows
        ):
            app.processEvents()
            return time.perf_counter() - started
        time.sleep(0.002)
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--grouped", action="store_true", help="month headers (sorted by date)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure_grid_scale(args.rows, grouped=args.grouped)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
