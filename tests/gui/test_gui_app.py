"""`imgengine gui --screenshot` (run_app) renders each view of a real catalog to a PNG."""

from __future__ import annotations

import argparse
import time

import pytest
from PySide6.QtGui import QImage

from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.settings import Settings
from imgengine_gui.ui.app import run_app
from imgengine_gui.ui.tasks import live_task_threads


@pytest.fixture
def analyzed(tmp_path, photo_folder):
    catalog = tmp_path / "real.sqlite"
    summary = analyze_folder(
        AnalyzeRequest(photo_folder, catalog, Settings(), ("metadata", "content"))
    )
    assert summary.analyzed == 12 and summary.failed == 0
    return catalog


def _distinct_colours(image: QImage) -> int:
    step = max(1, image.width() // 64)
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


@pytest.mark.parametrize("view", ["grid", "duplicates", "settings", "cutout"])
def test_screenshot_of_each_view(qapp, analyzed, tmp_path, view):
    out = tmp_path / f"{view}.png"
    args = argparse.Namespace(catalog=str(analyzed), view=view, screenshot=str(out), folder=None)
    assert run_app(args) == 0
    assert out.stat().st_size > 10_000
    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 700
    assert _distinct_colours(image) > 100  # thumbnails/photos were painted, not a blank window
    deadline = time.monotonic() + 60  # a closed window does not wait for its reads and probes
    while live_task_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not live_task_threads()
