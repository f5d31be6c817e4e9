"""Catalog reads of the library view that are too slow for the UI thread on a large library
(no Qt): run on the ``reads`` task lane, each with a read-only connection of its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.catalog import ordering, personal_tags, queries
from imgengine_gui.catalog.reader import opened


@dataclass
class LiveRead:
    """What a live reload during a run shows: counts, the sidebar's folders, the grid's ids."""

    counts: dict[str, int]
    folders: list[dict[str, Any]]
    ordered: ordering.Ordered


@dataclass
class FolderChoices:
    """The filter panel's choices within one folder (None: the whole library)."""

    scenes: list[tuple[str, int]]
    objects: list[tuple[str, int]]
    cameras: list[tuple[str, int]]
    my_tags: list[tuple[str, int]]


def read_live(catalog: Path, photo_filter: queries.PhotoFilter, key: str,
              reverse: bool) -> LiveRead | None:
    if not Path(catalog).exists():
        return None
    with opened(catalog, readonly=True) as conn:
        return LiveRead(queries.counts(conn), queries.folders(conn),
                        ordering.sorted_photo_ids(conn, photo_filter, key, reverse))


def read_choices(catalog: Path, folder: str | None) -> FolderChoices | None:
    if not Path(catalog).exists():
        return None
    with opened(catalog, readonly=True) as conn:
        return FolderChoices(queries.tag_counts(conn, "scene", folder),
                             queries.tag_counts(conn, "object", folder),
                             queries.camera_counts(conn, folder),
                             personal_tags.tag_counts(conn, folder))


def read_ids(catalog: Path, photo_filter: queries.PhotoFilter, key: str,
             reverse: bool) -> ordering.Ordered:
    if not Path(catalog).exists():
        return ordering.Ordered([], None)
    with opened(catalog, readonly=True) as conn:
        return ordering.sorted_photo_ids(conn, photo_filter, key, reverse)
