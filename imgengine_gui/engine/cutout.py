"""Background removal for one photo: SegFormer when present, else a labelled classical fallback."""

from __future__ import annotations

import functools
from pathlib import Path

from imgengine_gui.catalog import Connection, queries
from imgengine_gui.settings import Settings

CUTOUT_LONG_SIDE = 1600


def subject_boxes(conn: Connection | None, path: Path) -> list[list[float]]:
    """Person and face boxes the ML phase stored for this photo (normalised), to seed GrabCut."""
    if conn is None:
        return []
    from imgengine_gui.ml.cutout import expand_face_box

    people, faces = queries.subject_boxes(conn, str(path))
    return people or [expand_face_box(box) for box in faces]


def cut_out(path: Path, settings: Settings, conn: Connection | None = None):
    """Returns ml.cutout.CutoutResult for the photo at ``path`` (decoded once, reduced)."""
    from imgengine_gui.analysis.decode import decode_reduced
    from imgengine_gui.ml.cutout import remove_background
    from imgengine_gui.ml.errors import ModelUnavailable

    decoded = decode_reduced(Path(path), CUTOUT_LONG_SIDE)
    try:
        segmenter = _segmenter(settings.segmentation_model, settings.device)
    except ModelUnavailable:
        segmenter = None
    return remove_background(
        decoded.image, segmenter=segmenter, boxes=subject_boxes(conn, Path(path).resolve())
    )


@functools.lru_cache(maxsize=2)
def _segmenter(model_id: str, device: str):
    """SegFormer loaded once per model and device: each preview must not reload it."""
    from imgengine_gui.ml.backends import resolve_runtime
    from imgengine_gui.ml.full.segmentation import SegformerSegmenter

    segmenter = SegformerSegmenter(model_id)
    segmenter.load(resolve_runtime(device=device, precision="fp32", backend="eager"))
    return segmenter
