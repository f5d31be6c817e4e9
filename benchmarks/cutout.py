"""Cutout timing for ``python -m benchmarks.bench``: background removal of one camera-sized photo.

The model loads once first (as in the app, where it stays loaded); then the full cutout is
timed: decode at full size, U²-Net-p on the device thread, guided-filter edges at full size, RGBA. Writing the PNG is not
timed (it depends on the compression level more than on the cutout).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from imgengine_gui.settings import Settings


def time_cutout(photo: Path, settings: Settings, repeats: int = 3) -> dict[str, Any]:
    """Median wall and CPU seconds of ``repeats`` full-size cutouts of ``photo``, and what served."""
    from imgengine_gui.engine.cutout import cut_out
    from imgengine_gui.ml.cutout import load_segmenter

    started = time.perf_counter()
    load_segmenter(settings)
    load_s = time.perf_counter() - started
    walls, cpus, result = [], [], None
    for _ in range(max(1, repeats)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = cut_out(photo, settings, long_side=None)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert result is not None
    width, height = result.rgba.size
    return {
        "photo": photo.name,
        "size": f"{width}x{height}",
        "megapixels": round(width * height / 1e6, 1),
        "seconds": round(statistics.median(walls), 3),
        "cpu_seconds": round(statistics.median(cpus), 3),
        "load_s": round(load_s, 2),
        "repeats": len(walls),
        "method": result.method,
    }


def cutout_line(timing: dict[str, Any]) -> str:
    return (
        f"cutout: {timing['size']} ({timing['megapixels']} MP) in {timing['seconds']:.2f} s "
        f"(CPU {timing['cpu_seconds']:.2f} s, median of {timing['repeats']}; model load "
        f"{timing['load_s']:.2f} s once) by {timing['method']}"
    )
