"""Background removal for one photo: SegFormer when present, else a labelled classical fallback."""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path

from imgengine_gui.settings import Settings

CUTOUT_LONG_SIDE = 1600


def subject_boxes(conn: sqlite3.Connection | None, path: Path) -> list[list[float]]:
    """Person and face boxes the ML phase stored for this photo (normalised), to seed GrabCut."""
    if conn is None:
        return []
    from imgengine_gui.ml.cutout import expand_face_box

    rows = conn.execute(
        "SELECT t.kind, t.box FROM tags t JOIN photos p ON p.id = t.photo_id WHERE p.path = ?"
        " AND t.box IS NOT NULL AND (t.kind = 'face' OR (t.kind = 'object' AND t.label = 'person'))",
        (str(path),),
    ).fetchall()
    people = [json.loads(box) for kind, box in rows if kind == "object"]
    return people or [expand_face_box(json.loads(box)) for kind, box in rows if kind == "face"]


def cut_out(path: Path, settings: Settings, conn: sqlite3.Connection | None = None):
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
