"""Background removal for one photo: U²-Net-p (or SegFormer), GrabCut only as the last fallback."""

from __future__ import annotations

from pathlib import Path

from imgengine_gui.catalog import Connection, queries
from imgengine_gui.settings import Settings

CUTOUT_LONG_SIDE = 1600  # the GUI preview; `imgengine cutout` keeps the photo's size
FULL_SIZE = 1 << 16


def subject_boxes(conn: Connection | None, path: Path) -> list[list[float]]:
    """Person and face boxes the ML phase stored for this photo (normalised), to seed GrabCut."""
    if conn is None:
        return []
    from imgengine_gui.ml.cutout import expand_face_box

    people, faces = queries.subject_boxes(conn, str(path))
    return people or [expand_face_box(box) for box in faces]


def cut_out(
    path: Path,
    settings: Settings,
    conn: Connection | None = None,
    *,
    long_side: int | None = CUTOUT_LONG_SIDE,
):
    """Returns ml.cutout.CutoutResult for the photo at ``path``, decoded once at ``long_side``
    (None: full size). The segmenter loads once and runs on the device thread."""
    from imgengine_gui.analysis.decode import decode_reduced
    from imgengine_gui.ml.cutout import load_segmenter, remove_background

    decoded = decode_reduced(Path(path), long_side or FULL_SIZE)
    segmenter, notes = load_segmenter(settings)
    if segmenter is not None:
        return remove_background(decoded.image, segmenter=segmenter)
    return remove_background(
        decoded.image,
        boxes=subject_boxes(conn, Path(path).resolve()),
        fallback_reason="; ".join(notes) or None,
    )
