"""Read-only access to the catalog for the UI thread (reads are cheap; writes happen on workers).

``CatalogReader`` keeps one read-only connection, opened lazily (the catalog may not exist before
the first analysis), and never raises into a UI slot: a busy catalog reads as empty this time.
``opened`` is the short-lived connection for work done off the UI thread.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.catalog import embeddings, ordering, personal_tags, queries
from imgengine_gui.catalog.db import CatalogError, connect

log = logging.getLogger(__name__)
UI_BUSY_TIMEOUT_MS = 250  # the UI thread waits this long for a writer at most, then shows nothing


@contextlib.contextmanager
def opened(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection of its own for one job on a worker thread, closed afterwards."""
    conn = connect(path, readonly=readonly)
    try:
        yield conn
    finally:
        conn.close()


def opened_if_present(path: Path) -> contextlib.AbstractContextManager[sqlite3.Connection | None]:
    """A read-only connection when the catalog exists, else None (e.g. a cutout before any run)."""
    return opened(path, readonly=True) if Path(path).exists() else contextlib.nullcontext()


def _no_counts() -> dict[str, int]:
    return {"photos": 0, "not_images": 0, "missing": 0, "errors": 0, "clusters": 0}


@dataclass(slots=True)
class GridRow:
    photo_id: int
    name: str
    path: str
    thumb: str | None
    error: str | None
    size: tuple[int, int] | None = None  # as displayed (after the EXIF orientation)
    rating: int | None = None  # -1 (rejected) or 0-5 stars
    flag: str | None = None  # "pick" or "reject"


def _size(width: int | None, height: int | None) -> tuple[int, int] | None:
    return (width, height) if width and height else None


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _tolerant(default: Callable[[], Any]):
    """A read that finds the catalog busy shows nothing this time instead of raising in a UI
    slot; the next reload (or run end) reads again. Other errors are logged, then the connection
    is reopened on the next read (the catalog may have been half-created or replaced)."""

    def wrap(method):
        @functools.wraps(method)
        def safe(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                if not _is_busy(exc):
                    log.warning("reading the catalog %s failed in %s: %s",
                                self.path, method.__name__, exc)
                    self.close()
                return default()

        return safe

    return wrap


class CatalogReader:
    """The UI thread's reads; each method answers one question the window asks."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._opened = 0  # connections opened so far: data_version is per connection

    @property
    def conn(self) -> sqlite3.Connection | None:
        if self._conn is None and self.path.exists():
            try:
                self._conn = connect(self.path, readonly=True)
                queries.wait_when_busy(self._conn, UI_BUSY_TIMEOUT_MS)
                self._opened += 1
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

    @_tolerant(lambda: ordering.Ordered([], None))
    def ordered(self, photo_filter: queries.PhotoFilter, key: str, reverse: bool) -> ordering.Ordered:
        conn = self.conn
        if conn is None:
            return ordering.Ordered([], None)
        return ordering.sorted_photo_ids(conn, photo_filter, key, reverse)

    @_tolerant(lambda: None)
    def data_version(self) -> tuple[int, int] | None:
        """Changes whenever another connection commits (None: no catalog yet)."""
        conn = self.conn
        if conn is None:
            return None
        return self._opened, queries.data_version(conn)

    @_tolerant(dict)
    def rows(self, ids: Sequence[int]) -> dict[int, GridRow]:
        """What the grid cells show (``grid_rows`` reads the ids 900 at a time)."""
        conn = self.conn
        if conn is None or not ids:
            return {}
        found = queries.grid_rows(conn, list(ids))
        return {
            pid: GridRow(pid, os.path.basename(p["path"]), p["path"], p["thumbnail"], p["error"],
                         _size(p.get("display_width"), p.get("display_height")),
                         p.get("rating"), p.get("flag"))
            for pid, p in found.items()
        }  # fmt: skip

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
    def personal_tag_counts(self, folder: str | None) -> list[tuple[str, int]]:
        conn = self.conn
        return personal_tags.tag_counts(conn, folder) if conn is not None else []

    @_tolerant(list)
    def camera_counts(self, folder: str | None) -> list[tuple[str, int]]:
        conn = self.conn
        return queries.camera_counts(conn, folder) if conn is not None else []

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
        return embeddings.has_embeddings(conn, model_id) if conn is not None else False
