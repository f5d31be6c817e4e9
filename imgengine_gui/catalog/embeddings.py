"""The one reader of stored image embeddings (search, "more like this", duplicate verification)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from imgengine_gui.catalog import Connection


@dataclass(slots=True)
class EmbeddingMatrix:
    """Embeddings of present photos, one row per photo and model, all of one dimension."""

    photo_ids: list[int] = field(default_factory=list)
    model_ids: list[str] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.photo_ids)


def _rows(conn: Connection, *, model_id: str | None = None, photo_id: int | None = None):
    sql = (
        "SELECT e.photo_id, e.model_id, e.vector FROM embeddings e"
        " JOIN photos p ON p.id = e.photo_id WHERE p.missing = 0"
    )
    args: list[Any] = []
    if model_id is not None:
        sql += " AND e.model_id = ?"
        args.append(model_id)
    if photo_id is not None:
        sql += " AND e.photo_id = ?"
        args.append(photo_id)
    for pid, model, blob in conn.execute(sql + " ORDER BY e.photo_id, e.model_id", args):
        yield pid, model, np.frombuffer(blob, dtype=np.float32)


def embedding_matrix(conn: Connection, model_id: str | None = None) -> EmbeddingMatrix:
    """Stored embeddings (of one model when given); rows of another dimension are left out."""
    rows = list(_rows(conn, model_id=model_id))
    if not rows:
        return EmbeddingMatrix()
    size = rows[0][2].size
    rows = [r for r in rows if r[2].size == size]
    return EmbeddingMatrix([r[0] for r in rows], [r[1] for r in rows], np.stack([r[2] for r in rows]))


def photo_embeddings(conn: Connection, photo_id: int) -> list[tuple[str, np.ndarray]]:
    """(model id, vector) of every embedding stored for one photo, by model id."""
    return [(model, vector) for _, model, vector in _rows(conn, photo_id=photo_id)]


def embedding_per_photo(conn: Connection) -> dict[int, np.ndarray]:
    """One embedding per present photo (the first model's, by model id)."""
    found: dict[int, np.ndarray] = {}
    for pid, _, vector in _rows(conn):
        found.setdefault(pid, vector)
    return found


def has_embeddings(conn: Connection, model_id: str) -> bool:
    """Whether any image embedding of this model is stored (text search can work)."""
    row = conn.execute("SELECT 1 FROM embeddings WHERE model_id = ? LIMIT 1", (model_id,))
    return row.fetchone() is not None
