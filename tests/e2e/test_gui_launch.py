from __future__ import annotations

import os
import subprocess
import sys


def test_without_a_display_the_app_explains_and_points_to_the_cli():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "imgengine_gui"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 7  # Exit.NO_DISPLAY
    assert "no display" in result.stderr
    assert "imgengine analyze" in result.stderr and "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Aborted" not in result.stderr and "core dumped" not in result.stderr
