"""The one reader of stored image embeddings (search, "more like this", duplicate verification,
personal tags)."""

from __future__ import annotations

from collections import Counter
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


def _rows(
    conn: Connection, *, model_id: str | None = None, photo_id: int | None = None
) -> list[tuple[int, str, bytes]]:
    """(photo id, model id, float32 bytes) of present photos, by photo and model."""
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
    return conn.execute(sql + " ORDER BY e.photo_id, e.model_id", args).fetchall()


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


def embedding_matrix(conn: Connection, model_id: str | None = None) -> EmbeddingMatrix:
    """Stored embeddings (of one model when given), by photo id; only rows of the most common
    dimension are kept."""
    rows = _rows(conn, model_id=model_id)
    if not rows:
        return EmbeddingMatrix()
    sizes = Counter(len(blob) for _, _, blob in rows)
    size = max(sizes, key=lambda n: (sizes[n], -n))
    rows = [r for r in rows if len(r[2]) == size]
    matrix = _vector(b"".join(r[2] for r in rows)).reshape(len(rows), size // 4)
    return EmbeddingMatrix([r[0] for r in rows], [r[1] for r in rows], matrix)


def photo_embeddings(conn: Connection, photo_id: int) -> list[tuple[str, np.ndarray]]:
    """(model id, vector) of every embedding stored for one photo, by model id."""
    return [(model, _vector(blob)) for _, model, blob in _rows(conn, photo_id=photo_id)]


def embedding_per_photo(conn: Connection) -> dict[int, np.ndarray]:
    """One embedding per present photo (the first model's, by model id)."""
    found: dict[int, np.ndarray] = {}
    for pid, _, blob in _rows(conn):
        if pid not in found:
            found[pid] = _vector(blob)
    return found


def has_embeddings(conn: Connection, model_id: str) -> bool:
    """Whether any image embedding of this model is stored (text search can work)."""
    row = conn.execute("SELECT 1 FROM embeddings WHERE model_id = ? LIMIT 1", (model_id,))
    return row.fetchone() is not None
