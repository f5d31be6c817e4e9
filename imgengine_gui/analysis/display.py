"""Decoding a photo for the viewer: upright, reduced to what a screen (or a zoom) shows.

The same reduced decode as the content phase (``decode_reduced``: JPEG DCT scaling, HEIF
thumbnails, RAW previews, EXIF orientation applied), asked for the smallest size that still
fills the target box, never less (no slack: a viewer shows every pixel it decodes).
"""

from __future__ import annotations

import math
from pathlib import Path

from imgengine_gui.analysis.decode import DecodedPhoto, decode_reduced


def long_side_to_fill(box: tuple[int, int], displayed: tuple[int, int] | None) -> int:
    """The long side to decode so that a photo of ``displayed`` size (upright; None: unknown)
    fits ``box`` at full sharpness, and no larger than the photo itself."""
    box_w, box_h = max(1, box[0]), max(1, box[1])
    if not displayed or displayed[0] < 1 or displayed[1] < 1:
        return max(box_w, box_h)
    width, height = displayed
    scale = min(box_w / width, box_h / height, 1.0)
    return max(1, math.ceil(max(width, height) * scale))


def decode_for_display(
    path: str | Path, box: tuple[int, int], displayed: tuple[int, int] | None = None
) -> DecodedPhoto:
    """``path`` decoded upright to fill ``box`` (pixels); raises PhotoError when unreadable."""
    return decode_reduced(Path(path), long_side_to_fill(box, displayed), slack=0.0)
