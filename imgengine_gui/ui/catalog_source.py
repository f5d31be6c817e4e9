"""Read-only access to the catalog for the UI thread (reads are cheap; writes happen on workers)."""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.catalog import queries
from imgengine_gui.catalog.db import CatalogError, connect


def _no_counts() -> dict[str, int]:
    return {"photos": 0, "missing": 0, "errors": 0, "clusters": 0}


@dataclass(slots=True)
class GridRow:
    photo_id: int
    name: str
    path: str
    thumb: str | None
    error: str | None


def _tolerant(default: Callable[[], Any]):
    """A read that finds the catalog busy or half-created (first run) shows nothing this time
    instead of raising in a UI slot; the next reload (or run end) reads again."""

    def wrap(method):
        @functools.wraps(method)
        def safe(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error:
                self.close()
                return default()

        return safe

    return wrap


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
    @_tolerant(list)
    def ids(self, photo_filter: queries.PhotoFilter) -> list[int]:
        conn = self.conn
        return queries.photo_ids(conn, photo_filter) if conn is not None else []

    @_tolerant(dict)
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

    @_tolerant(lambda: None)
    def photo(self, photo_id: int) -> dict[str, Any] | None:
        conn = self.conn
        if conn is None:
            return None
        found = queries.list_photos(
            conn, queries.PhotoFilter(photo_ids=(photo_id,), include_missing=True)
        )
        return found[0] if found else None

    @_tolerant(lambda: None)
    def photo_id_for(self, path: str) -> int | None:
        conn = self.conn
        row = queries.photo_by_path(conn, path) if conn is not None else None
        return row["id"] if row is not None else None

    # -- sidebar and filters ----------------------------------------------------------------
    @_tolerant(list)
    def folders(self) -> list[dict[str, Any]]:
        conn = self.conn
        return queries.folders(conn) if conn is not None else []

    @_tolerant(_no_counts)
    def counts(self) -> dict[str, int]:
        conn = self.conn
        return queries.counts(conn) if conn is not None else _no_counts()

    @_tolerant(list)
    def tag_counts(self, kind: str, folder: str | None) -> list[tuple[str, int]]:
        conn = self.conn
        return queries.tag_counts(conn, kind, folder) if conn is not None else []

    @_tolerant(list)
    def camera_counts(self) -> list[tuple[str, int]]:
        conn = self.conn
        return queries.camera_counts(conn) if conn is not None else []

    @_tolerant(list)
    def clusters(self) -> list[dict[str, Any]]:
        conn = self.conn
        return queries.clusters(conn) if conn is not None else []

    @_tolerant(list)
    def problems(self) -> list[dict[str, Any]]:
        conn = self.conn
        if conn is None:
            return []
        return queries.list_photos(conn, queries.PhotoFilter(has_errors=True))

    @_tolerant(bool)
    def has_embeddings(self, model_id: str) -> bool:
        """Whether text search can work: image embeddings of this CLIP model are stored."""
        conn = self.conn
        if conn is None:
            return False
        row = conn.execute(
            "SELECT 1 FROM embeddings WHERE model_id = ? LIMIT 1", (model_id,)
        ).fetchone()
        return row is not None
