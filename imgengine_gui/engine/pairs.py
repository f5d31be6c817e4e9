"""RAW+JPEG pairs: a camera set to RAW+JPEG writes IMG_0001.CR2 and IMG_0001.JPG of one shot.

They are linked (``photo_pairs``, kind "raw+jpeg"), shown as a pair, and never offered as
duplicates of each other (analysis/duplicates.py keeps RAW files out of near-duplicate clusters
with other formats). A pair is the RAW and the other files of the same folder and name stem.
"""

from __future__ import annotations

import os
import sqlite3
from collections import defaultdict

from imgengine_gui.analysis.formats import is_raw_format
from imgengine_gui.catalog import pairs
from imgengine_gui.scan.sniff import RAW_EXTENSIONS

KIND = "raw+jpeg"


def raw_jpeg_pairs(photos: list[tuple[int, str, str | None]]) -> list[tuple[int, int]]:
    """(RAW id, other id) for every RAW with a same-named sibling in its folder."""
    groups: dict[tuple[str, str], list[tuple[int, str | None, str]]] = defaultdict(list)
    for photo_id, path, fmt in photos:
        folder, name = os.path.split(path)
        stem, extension = os.path.splitext(name)
        groups[(folder, stem.lower())].append((photo_id, fmt, extension.lower()))
    linked = []
    for members in groups.values():
        if len(members) < 2:
            continue
        raws = [m[0] for m in members if _is_raw(m[1], m[2])]
        others = [m[0] for m in members if not _is_raw(m[1], m[2])]
        linked += [(raw, other) for raw in raws for other in others]
    return linked


def refresh_raw_jpeg_pairs(conn: sqlite3.Connection) -> int:
    found = raw_jpeg_pairs(pairs.present_photos(conn))
    pairs.replace_pairs(conn, found, KIND)
    return len(found)


def _is_raw(fmt: str | None, extension: str) -> bool:
    return is_raw_format(fmt) if fmt is not None else extension in RAW_EXTENSIONS
