"""Writing analysis results. Each function takes the writer's connection (see writer.py)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import numpy as np

from imgengine_gui.catalog.people import store_faces

# metadata column -> attribute of the metadata result (the only place their names differ)
METADATA_COLUMNS = {
    "width": "width", "height": "height", "orientation": "orientation", "taken_at": "taken_at",
    "taken_at_source": "taken_at_source", "make": "camera_make", "model": "camera_model",
    "lens": "lens", "iso": "iso", "f_number": "f_number", "exposure_time": "exposure_time",
    "focal_length": "focal_length", "gps_lat": "gps_lat", "gps_lon": "gps_lon",
    "gps_alt": "gps_alt", "frames": "frames", "display_width": "display_width",
    "display_height": "display_height", "reader": "reader", "sidecar": "sidecar",
    "rating": "rating", "flag": "flag", "label": "label",
}  # fmt: skip


class MetadataFacts(Protocol):
    """What the metadata phase found (``analysis.metadata.PhotoMetadata``)."""

    format: str | None
    width: int | None
    height: int | None
    orientation: int
    display_width: int | None
    display_height: int | None
    taken_at: str | None
    taken_at_source: str
    camera_make: str | None
    camera_model: str | None
    lens: str | None
    iso: int | None
    f_number: float | None
    exposure_time: float | None
    focal_length: float | None
    gps_lat: float | None
    gps_lon: float | None
    gps_alt: float | None
    frames: int
    rating: int | None
    flag: str | None
    label: str | None
    sidecar: str | None
    reader: str


class ContentFacts(Protocol):
    """What the content phase derived (``analysis.content.ContentResult``)."""

    sha256: str
    phash: str
    dhash: str
    sharpness: float
    exposure: float
    thumb_path: str
    preview_path: str
    decoded_width: int
    decoded_height: int
    signature: bytes | None


def upsert_folder(conn: sqlite3.Connection, path: str) -> int:
    conn.execute(
        "INSERT INTO folders(path, added_at) VALUES (?, ?) ON CONFLICT(path) DO NOTHING",
        (path, time.time()),
    )
    return conn.execute("SELECT id FROM folders WHERE path = ?", (path,)).fetchone()[0]


def set_phase(
    conn: sqlite3.Connection,
    photo_id: int,
    phase: str,
    version: str,
    *,
    error: str | None = None,
    warnings: Iterable[str] = (),
    error_class: str | None = None,
) -> None:
    """``error_class``: "photo" (final while the file is unchanged) or "environment" (retried)."""
    conn.execute(
        "INSERT OR REPLACE INTO phase_status(photo_id, phase, state, error, warnings,"
        " analyzer_version, updated_at, error_class) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            photo_id,
            phase,
            "error" if error else "done",
            error,
            json.dumps(list(warnings)),
            version,
            time.time(),
            (error_class or "photo") if error else None,
        ),
    )


def store_metadata(conn: sqlite3.Connection, photo_id: int, meta: MetadataFacts) -> None:
    row = [getattr(meta, attribute) for attribute in METADATA_COLUMNS.values()]
    conn.execute(
        f"INSERT OR REPLACE INTO metadata(photo_id, {', '.join(METADATA_COLUMNS)})"
        f" VALUES (?{', ?' * len(METADATA_COLUMNS)})",
        (photo_id, *row),
    )
    if meta.format:
        conn.execute("UPDATE photos SET format = ? WHERE id = ?", (meta.format, photo_id))


def store_content(conn: sqlite3.Connection, photo_id: int, content: ContentFacts) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO content(photo_id, phash, dhash, sharpness, exposure, thumb_path,"
        " preview_path, decoded_width, decoded_height, signature) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            photo_id,
            content.phash,
            content.dhash,
            content.sharpness,
            content.exposure,
            content.thumb_path,
            content.preview_path,
            content.decoded_width,
            content.decoded_height,
            content.signature,
        ),
    )
    conn.execute("UPDATE photos SET sha256 = ? WHERE id = ?", (content.sha256, photo_id))


def store_ml(
    conn: sqlite3.Connection, photo_id: int, result: Mapping[str, Any], model_ids: Mapping[str, str]
) -> None:
    """Replace a photo's ML results; ``model_ids`` maps result key -> model that produced it."""
    conn.execute("DELETE FROM tags WHERE photo_id = ?", (photo_id,))
    conn.execute("DELETE FROM embeddings WHERE photo_id = ?", (photo_id,))
    rows = []
    for kind, key in (("scene", "scenes"), ("object", "objects"), ("face", "faces")):
        for item in result.get(key) or ():
            box = item.get("box")
            rows.append(
                (
                    photo_id,
                    kind,
                    item.get("label", "face"),
                    float(item["score"]),
                    json.dumps([round(float(v), 5) for v in box]) if box is not None else None,
                    model_ids.get(key, "?"),
                )
            )
    conn.executemany(
        "INSERT INTO tags(photo_id, kind, label, score, box, model_id) VALUES (?,?,?,?,?,?)", rows
    )
    faces = result.get("faces")
    conn.execute(
        "INSERT OR REPLACE INTO ml_summary(photo_id, people, faces, models) VALUES (?,?,?,?)",
        (
            photo_id,
            result.get("people"),
            len(faces) if faces is not None else None,
            json.dumps(dict(model_ids), sort_keys=True),
        ),
    )
    embedding = result.get("embedding")
    if embedding is not None:
        vector = np.asarray(embedding, dtype=np.float32).ravel()
        conn.execute(
            "INSERT OR REPLACE INTO embeddings(photo_id, model_id, dim, vector) VALUES (?,?,?,?)",
            (photo_id, model_ids.get("embedding", "?"), vector.size, vector.tobytes()),
        )
    store_faces(conn, photo_id, result)
