"""Background removal: a SegFormer subject mask when the model is here, else classical GrabCut."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image, ImageFilter

GRABCUT_METHOD = "grabcut (classical fallback: no segmentation model)"
GRABCUT_SIDE = 384  # GrabCut time grows fast with pixels: 512 px took 1-7 s per photo on 2 cores
GRABCUT_ITERATIONS = 4
# With no boxes, the subject is assumed inside the frame minus this margin on every side.
CENTRE_MARGIN = 0.06
BOX_MARGIN = 0.08


class Segmenter(Protocol):
    model_id: str

    def subject_mask(self, image: Image.Image) -> np.ndarray: ...


@dataclass
class CutoutResult:
    rgba: Image.Image
    mask: Image.Image  # mode "L", the rgba's alpha
    method: str


def remove_background(
    image: Image.Image,
    *,
    segmenter: Segmenter | None = None,
    boxes: Sequence[Sequence[float]] | None = None,
) -> CutoutResult:
    """Cut the subject out of ``image`` (oriented, any size).

    ``segmenter`` (a loaded ``SegformerSegmenter``) decides when given. Otherwise GrabCut starts
    from ``boxes`` (normalised [x0, y0, x1, y1] of people or faces; see ``expand_face_box``) or,
    without them, from a centred rectangle.
    """
    rgb = image.convert("RGB")
    if segmenter is not None:
        probability = segmenter.subject_mask(rgb)
        mask = Image.fromarray(np.round(np.clip(probability, 0, 1) * 255).astype(np.uint8), "L")
        method = f"segformer:{segmenter.model_id}"
    else:
        mask = _grabcut_mask(rgb, boxes)
        method = GRABCUT_METHOD
    mask = _feather(mask)
    rgba = rgb.copy()
    rgba.putalpha(mask)
    return CutoutResult(rgba=rgba, mask=mask, method=method)


def expand_face_box(box: Sequence[float]) -> list[float]:
    """From a face box to a generous head-and-shoulders box (normalised, clipped to the frame)."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    return _clip([x0 - width, y0 - 0.5 * height, x1 + width, y1 + 4.0 * height])


def _clip(box: Sequence[float]) -> list[float]:
    return [min(1.0, max(0.0, float(value))) for value in box]


def _feather(mask: Image.Image) -> Image.Image:
    radius = max(1.0, max(mask.size) / 800)
    return mask.filter(ImageFilter.GaussianBlur(radius))


def _seed_rectangles(boxes: Sequence[Sequence[float]] | None) -> list[list[float]]:
    if not boxes:
        margin = CENTRE_MARGIN
        return [[margin, margin, 1 - margin, 1 - margin]]
    rectangles = []
    for x0, y0, x1, y1 in boxes:
        mx, my = BOX_MARGIN * (x1 - x0), BOX_MARGIN * (y1 - y0)
        rectangles.append(_clip([x0 - mx, y0 - my, x1 + mx, y1 + my]))
    return rectangles


def _grabcut_mask(rgb: Image.Image, boxes: Sequence[Sequence[float]] | None) -> Image.Image:
    import cv2

    small = rgb.copy()
    small.thumbnail((GRABCUT_SIDE, GRABCUT_SIDE), Image.Resampling.BILINEAR)
    pixels = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])
    height, width = pixels.shape[:2]
    seeds = np.full((height, width), cv2.GC_BGD, np.uint8)
    for x0, y0, x1, y1 in _seed_rectangles(boxes):
        seeds[round(y0 * height) : round(y1 * height), round(x0 * width) : round(x1 * width)] = (
            cv2.GC_PR_FGD
        )
    # GrabCut needs background samples: the frame's outermost pixels always are.
    seeds[[0, -1], :] = cv2.GC_BGD
    seeds[:, [0, -1]] = cv2.GC_BGD
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.grabCut(
        pixels, seeds, None, background_model, foreground_model,
        GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK,
    )  # fmt: skip
    subject = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8) * 255
    return Image.fromarray(subject, "L").resize(rgb.size, Image.Resampling.BILINEAR)
