"""Writing analysis results. Each function takes the writer's connection (see writer.py)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from imgengine_gui.catalog.people import store_faces

METADATA_COLUMNS = (
    "width", "height", "orientation", "taken_at", "taken_at_source", "make", "model", "lens",
    "iso", "f_number", "exposure_time", "focal_length", "gps_lat", "gps_lon", "gps_alt", "frames",
    "display_width", "display_height", "reader", "sidecar", "rating", "flag", "label",
)


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


def store_metadata(conn: sqlite3.Connection, photo_id: int, values: Mapping[str, Any]) -> None:
    row = [values.get(column) for column in METADATA_COLUMNS]
    conn.execute(
        f"INSERT OR REPLACE INTO metadata(photo_id, {', '.join(METADATA_COLUMNS)})"
        f" VALUES (?{', ?' * len(METADATA_COLUMNS)})",
        (photo_id, *row),
    )
    if values.get("format"):
        conn.execute("UPDATE photos SET format = ? WHERE id = ?", (values["format"], photo_id))


def store_content(conn: sqlite3.Connection, photo_id: int, content: Any) -> None:
    signature = (getattr(content, "extra", None) or {}).get("signature")
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
            signature,
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
