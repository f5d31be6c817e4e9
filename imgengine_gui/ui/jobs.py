"""Work the UI hands to worker threads. Each job opens its own catalog connection (no Qt here)."""

from __future__ import annotations

from pathlib import Path

from imgengine_gui.catalog import queries
from imgengine_gui.catalog.reader import opened
from imgengine_gui.engine import trash
from imgengine_gui.settings import Settings


def trash_photos(catalog_path: Path, photos: list[tuple[int, str]]) -> trash.TrashReport:
    with opened(catalog_path) as conn:
        return trash.trash_photos(conn, photos)


def trash_duplicates(catalog_path: Path, cluster_ids: list[int]) -> trash.TrashReport:
    with opened(catalog_path) as conn:
        return trash.trash_photos(conn, trash.losers(conn, cluster_ids))


def undo_trash(catalog_path: Path) -> trash.TrashReport:
    with opened(catalog_path) as conn:
        return trash.undo_last(conn)


def can_undo(catalog_path: Path) -> bool:
    if not Path(catalog_path).exists():
        return False
    with opened(catalog_path, readonly=True) as conn:
        return trash.can_undo(conn)


def set_keeper(catalog_path: Path, cluster_id: int, photo_id: int) -> tuple[int, int]:
    from imgengine_gui.engine.duplicates import set_keeper as engine_set_keeper

    with opened(catalog_path) as conn:
        engine_set_keeper(conn, cluster_id, photo_id)
        conn.commit()
    return cluster_id, photo_id


def export_duplicates(catalog_path: Path, target: Path) -> tuple[int, Path]:
    from imgengine_gui.cli.library import export_clusters

    with opened(catalog_path, readonly=True) as conn:
        clusters = queries.clusters(conn)
    export_clusters(clusters, target)
    return len(clusters), target


def read_clusters(catalog_path: Path) -> list[dict]:
    if not Path(catalog_path).exists():
        return []
    with opened(catalog_path, readonly=True) as conn:
        return queries.clusters(conn)


def search_text(catalog_path: Path, text: str, settings: Settings, limit: int = 200) -> list[int]:
    from imgengine_gui.engine.search import search_text as engine_search_text

    with opened(catalog_path, readonly=True) as conn:
        return [hit.photo_id for hit in engine_search_text(conn, text, settings, limit=limit)]


def similar_photos(catalog_path: Path, path: str, limit: int = 200) -> list[int]:
    from imgengine_gui.engine.search import search_similar

    with opened(catalog_path, readonly=True) as conn:
        return [hit.photo_id for hit in search_similar(conn, Path(path), limit=limit)]
