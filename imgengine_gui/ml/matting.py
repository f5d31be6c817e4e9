"""Edge refinement for cutouts: a low-resolution subject probability -> a soft alpha at full size.

A colour guided filter (He, Sun and Tang) fitted at ``WORK_SIDE`` pixels transfers the photo's own
edges into the mask, and the fitted linear coefficients are upsampled and applied to the full-size
photo (the "fast guided filter"), so hair and fingers follow the pixels rather than the model's
coarse grid, at the cost of a few resizes.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

WORK_SIDE = 1024  # where the filter is fitted; the model sees less, the photo may hold far more
CONTRAST = 1.5  # model probabilities are stretched around 0.5 first: faint halos fade, edges keep
EPSILON = 1e-3  # guided filter regularisation (for colours in 0..1): lower follows finer edges
RADIUS_PER_MODEL_PIXEL = 2.0  # window radius, in units of one model-output pixel at work size
MODEL_SIDE = 320
STRIP_ROWS = 256  # the full-size step runs in strips: a 12 MP photo never needs 4 float planes


def refine_alpha(full: Image.Image, work: Image.Image, probability: np.ndarray) -> Image.Image:
    """Soft alpha (mode "L", ``full``'s size) from ``probability`` (any size, covering the photo).

    ``work`` is ``full`` scaled down to at most ``WORK_SIDE`` (or ``full`` itself when small).
    """
    import cv2

    width, height = work.size
    stretched = np.clip((probability.astype(np.float32) - 0.5) * CONTRAST + 0.5, 0.0, 1.0)
    mask = cv2.resize(stretched, (width, height), interpolation=cv2.INTER_LINEAR)
    guide = np.asarray(work.convert("RGB"), np.float32) / 255.0
    radius = max(2, round(max(width, height) / MODEL_SIDE * RADIUS_PER_MODEL_PIXEL))
    slope, offset = _guided_coefficients(guide, mask, radius, EPSILON)
    if full.size == work.size:
        both = np.concatenate([slope, offset[..., None]], axis=-1)
        return Image.fromarray(_apply(both, guide), "L")
    coefficients = np.concatenate([slope / 255.0, offset[..., None]], axis=-1)
    photo = np.asarray(full.convert("RGB"))
    alpha = np.empty(photo.shape[:2], np.uint8)
    for top in range(0, photo.shape[0], STRIP_ROWS):
        rows = photo[top : top + STRIP_ROWS]
        alpha[top : top + len(rows)] = _apply(_upsampled(coefficients, full.size, top, len(rows)), rows)
    return Image.fromarray(alpha, "L")


def _apply(coefficients: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """alpha = a . colour + b per pixel, as uint8 0..255."""
    alpha = np.einsum("hwc,hwc->hw", coefficients[..., :3], colours, dtype=np.float32)
    alpha += coefficients[..., 3]
    np.clip(alpha, 0.0, 1.0, out=alpha)
    alpha *= 255.0
    return np.rint(alpha).astype(np.uint8)


def _upsampled(small: np.ndarray, size: tuple[int, int], top: int, rows: int) -> np.ndarray:
    """Rows ``top``..``top + rows`` of ``small`` resized bilinearly to ``size`` (as cv2.resize
    would, pixel centres aligned), without making the whole full-size array."""
    import cv2

    width, height = size
    scale_x, scale_y = small.shape[1] / width, small.shape[0] / height
    inverse = np.array(
        [[scale_x, 0.0, 0.5 * scale_x - 0.5], [0.0, scale_y, (top + 0.5) * scale_y - 0.5]]
    )
    return cv2.warpAffine(
        small, inverse, (width, rows), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip


def _box(values: np.ndarray, radius: int) -> np.ndarray:
    import cv2

    side = 2 * radius + 1
    return cv2.boxFilter(values, -1, (side, side), borderType=cv2.BORDER_REFLECT)


def _guided_coefficients(
    guide: np.ndarray, mask: np.ndarray, radius: int, epsilon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel (a, b) with mask ~= a . colour + b locally: (H, W, 3) and (H, W), box-averaged."""
    mean_colour = _box(guide, radius)
    mean_mask = _box(mask, radius)
    covariance_with_mask = _box(guide * mask[..., None], radius) - mean_colour * mean_mask[..., None]
    # the 3x3 colour covariance per pixel, regularised, inverted in closed form (it is symmetric)
    var = {}
    for i, j in ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)):
        var[i, j] = _box(guide[..., i] * guide[..., j], radius) - mean_colour[..., i] * mean_colour[..., j]
        if i == j:
            var[i, j] += epsilon
    rr, rg, rb, gg, gb, bb = (var[0, 0], var[0, 1], var[0, 2], var[1, 1], var[1, 2], var[2, 2])
    inv_rr = gg * bb - gb * gb
    inv_rg = gb * rb - rg * bb
    inv_rb = rg * gb - gg * rb
    inv_gg = rr * bb - rb * rb
    inv_gb = rb * rg - rr * gb
    inv_bb = rr * gg - rg * rg
    determinant = rr * inv_rr + rg * inv_rg + rb * inv_rb
    c = covariance_with_mask
    slope = np.stack(
        [
            inv_rr * c[..., 0] + inv_rg * c[..., 1] + inv_rb * c[..., 2],
            inv_rg * c[..., 0] + inv_gg * c[..., 1] + inv_gb * c[..., 2],
            inv_rb * c[..., 0] + inv_gb * c[..., 1] + inv_bb * c[..., 2],
        ],
        axis=-1,
    ) / determinant[..., None]
    offset = mean_mask - np.einsum("hwc,hwc->hw", slope, mean_colour)
    return _box(slope, radius), _box(offset, radius)
