"""Cheap image-quality measures on the decoded (reduced) image."""

from __future__ import annotations

import numpy as np
from PIL import Image

_SHARPNESS_SIDE = 512
_CLIP_LOW = 5 / 255
_CLIP_HIGH = 250 / 255


def quality_gray(image: Image.Image | np.ndarray) -> np.ndarray:
    """The ~512 px float32 grayscale the measures work on; pass it to them to convert once."""
    if isinstance(image, np.ndarray):
        return image
    factor = round(max(image.size) / _SHARPNESS_SIDE)
    if factor >= 2:
        image = image.reduce(factor)
    return np.asarray(image.convert("L"), dtype=np.float32)


def sharpness(image: Image.Image | np.ndarray) -> float:
    """Variance of the Laplacian on a ~512 px grayscale copy; higher = sharper (0 for flat)."""
    gray = quality_gray(image)
    if gray.shape[0] < 3 or gray.shape[1] < 3:
        return 0.0
    laplacian = (
        gray[:-2, 1:-1] + gray[2:, 1:-1] + gray[1:-1, :-2] + gray[1:-1, 2:] - 4.0 * gray[1:-1, 1:-1]
    )
    return float(laplacian.var())


def exposure(image: Image.Image | np.ndarray) -> float:
    """Mean luminance in 0..1 (0 = black, 1 = white)."""
    return float(quality_gray(image).mean() / 255.0)


def clipping(image: Image.Image | np.ndarray) -> tuple[float, float]:
    """(share of crushed shadows, share of blown highlights) in 0..1."""
    gray = quality_gray(image) / 255.0
    return float((gray <= _CLIP_LOW).mean()), float((gray >= _CLIP_HIGH).mean())
