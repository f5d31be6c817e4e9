"""Background removal: U²-Net-p by default, SegFormer when chosen, GrabCut as the last fallback.

Segmenters load once per settings and run on the device thread (``ml.runtime.on_device``), so
the GUI preview and ``imgengine cutout`` share one loaded model with the analysis executor's
thread discipline. Their coarse probability is refined against the photo (``ml.matting``) into
a soft alpha at the photo's size.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from PIL import Image, ImageFilter

from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.runtime import Served, on_device, one_line, resolve_runtime

GRABCUT_METHOD = "GrabCut (last fallback: no segmentation model could serve)"
GRABCUT_SIDE = 384  # GrabCut time grows fast with pixels: 512 px took 1-7 s per photo on 2 cores
GRABCUT_ITERATIONS = 4
# With no boxes, the subject is assumed inside the frame minus this margin on every side.
CENTRE_MARGIN = 0.06
BOX_MARGIN = 0.08
_loading = threading.Lock()


class Segmenter(Protocol):
    model_id: str

    def subject_mask(self, image: Image.Image) -> np.ndarray:
        """Subject probability in 0..1 covering the whole image, at any resolution."""
        ...


@dataclass
class CutoutResult:
    rgba: Image.Image
    mask: Image.Image  # mode "L", the rgba's alpha
    method: str  # what served, in words: model, device, backend, precision; or the fallback


def remove_background(
    image: Image.Image,
    *,
    segmenter: Segmenter | None = None,
    boxes: Sequence[Sequence[float]] | None = None,
    fallback_reason: str | None = None,
) -> CutoutResult:
    """Cut the subject out of ``image`` (oriented, any size), keeping its size.

    ``segmenter`` (a loaded ``U2NetpSegmenter`` or ``SegformerSegmenter``) decides when given.
    Otherwise GrabCut, the last fallback, starts from ``boxes`` (normalised [x0, y0, x1, y1] of
    people or faces; see ``expand_face_box``) or, without them, from a centred rectangle.
    """
    from imgengine_gui.ml.executor import fit_long_side
    from imgengine_gui.ml.matting import WORK_SIDE, refine_alpha

    rgb = image.convert("RGB")
    if segmenter is not None:
        work = fit_long_side(rgb, WORK_SIDE)
        probability = on_device(segmenter.subject_mask, work)
        mask = refine_alpha(rgb, work, probability)
        method = describe(segmenter)
    else:
        mask = _feather(_grabcut_mask(rgb, boxes))
        method = GRABCUT_METHOD + (f": {fallback_reason}" if fallback_reason else "")
    rgba = rgb.copy()
    rgba.putalpha(mask)
    return CutoutResult(rgba=rgba, mask=mask, method=method)


def describe(segmenter: Any) -> str:
    """``U²-Net-p (u2netp) · cpu · onnxruntime/CPUExecutionProvider · fp32``."""
    label = getattr(segmenter, "label", type(segmenter).__name__)
    served: Served | None = getattr(segmenter, "served", None)
    where = f" · {served.text}" if served is not None else ""
    return f"{label} ({segmenter.model_id}){where}"


def load_segmenter(settings: Any) -> tuple[Segmenter | None, list[str]]:
    """The segmenter the settings choose, loaded once on the device thread, or None for GrabCut.

    SegFormer (``cutout_model = "segformer"``) falls back to U²-Net-p, which falls back to
    GrabCut; the notes say why at each step.
    """
    from imgengine_gui.ml.registry import choose_tier

    choice = choose_tier("segmentation", settings)
    notes = [choice.note] if choice.note else []
    kinds = ["segformer"] if choice.tier == "full" else []
    kinds += ["u2netp"] if choice.offline_present else []
    for kind in kinds:
        model_id = choice.model if kind == "segformer" else "u2netp"
        try:
            with _loading:  # two previews at once must not load two copies
                segmenter, load_notes = _loaded(
                    kind, model_id, settings.device, settings.backend, settings.precision
                )
        except (ModelUnavailable, RuntimeError, OSError, ValueError) as error:
            notes.append(f"segmentation: {kind} failed to load ({one_line(error)})")
            continue
        return segmenter, notes + load_notes
    return None, notes


@functools.lru_cache(maxsize=2)
def _loaded(
    kind: str, model_id: str, device: str, backend: str, precision: str
) -> tuple[Segmenter, list[str]]:
    """One loaded segmenter per model and runtime: each preview must not reload it."""
    runtime = resolve_runtime(device=device, backend=backend, precision=precision, max_batch=1)
    if kind == "segformer":
        from imgengine_gui.ml.full.segmentation import SegformerSegmenter

        segmenter: Any = SegformerSegmenter(model_id)
    else:
        from imgengine_gui.ml.offline.u2netp import U2NetpSegmenter

        segmenter = U2NetpSegmenter()
    on_device(segmenter.load, runtime)
    return segmenter, list(runtime.notes)


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
