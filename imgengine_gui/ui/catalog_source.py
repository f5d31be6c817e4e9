"""Read-only access to the catalog for the UI thread (reads are cheap; writes happen on workers)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.catalog import queries
from imgengine_gui.catalog.db import CatalogError, connect


@dataclass(slots=True)
class GridRow:
    photo_id: int
    name: str
    path: str
    thumb: str | None
    error: str | None


class CatalogSource:
    """Opens the catalog lazily (it may not exist before the first analysis)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection | None:
        if self._conn is None and self.path.exists():
            try:
                self._conn = connect(self.path, readonly=True)
            except (CatalogError, sqlite3.Error):
                self._conn = None
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- grid -------------------------------------------------------------------------------
    def ids(self, photo_filter: queries.PhotoFilter) -> list[int]:
        conn = self.conn
        return queries.photo_ids(conn, photo_filter) if conn is not None else []

    def rows(self, ids: Sequence[int]) -> dict[int, GridRow]:
        conn = self.conn
        if conn is None or not ids:
            return {}
        found = queries.list_photos(
            conn, queries.PhotoFilter(photo_ids=tuple(ids), include_missing=True)
        )
        return {
            p["id"]: GridRow(p["id"], os.path.basename(p["path"]), p["path"], p["thumbnail"], p["error"])
            for p in found
        }

    def photo(self, photo_id: int) -> dict[str, Any] | None:
        conn = self.conn
        if conn is None:
            return None
        found = queries.list_photos(
            conn, queries.PhotoFilter(photo_ids=(photo_id,), include_missing=True)
        )
        return found[0] if found else None

    def photo_id_for(self, path: str) -> int | None:
        conn = self.conn
        row = queries.photo_by_path(conn, path) if conn is not None else None
        return row["id"] if row is not None else None

    # -- sidebar and filters ----------------------------------------------------------------
    def folders(self) -> list[dict[str, Any]]:
        conn = self.conn
        return queries.folders(conn) if conn is not None else []

    def counts(self) -> dict[str, int]:
        conn = self.conn
        if conn is None:
            return {"photos": 0, "missing": 0, "errors": 0, "clusters": 0}
        return queries.counts(conn)

    def tag_counts(self, kind: str, folder: str | None) -> list[tuple[str, int]]:
        conn = self.conn
        return queries.tag_counts(conn, kind, folder) if conn is not None else []

    def camera_counts(self) -> list[tuple[str, int]]:
        conn = self.conn
        return queries.camera_counts(conn) if conn is not None else []

    def clusters(self) -> list[dict[str, Any]]:
        conn = self.conn
        return queries.clusters(conn) if conn is not None else []

    def problems(self) -> list[dict[str, Any]]:
        conn = self.conn
        if conn is None:
            return []
        return queries.list_photos(conn, queries.PhotoFilter(has_errors=True))

    def has_embeddings(self, model_id: str) -> bool:
        """Whether text search can work: image embeddings of this CLIP model are stored."""
        conn = self.conn
        if conn is None:
            return False
        row = conn.execute(
            "SELECT 1 FROM embeddings WHERE model_id = ? LIMIT 1", (model_id,)
        ).fetchone()
        return row is not None
