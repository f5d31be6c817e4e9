"""Image geometry."""

from __future__ import annotations


def fitted_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """``size`` scaled so its long side is ``long_side`` (aspect kept, never upscaled, >= 1 px)."""
    width, height = size
    longest = max(width, height)
    if long_side <= 0 or longest <= long_side:
        return size
    ratio = long_side / longest
    return max(1, round(width * ratio)), max(1, round(height * ratio))
