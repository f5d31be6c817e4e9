"""Catalog reads of the library view that are too slow for the UI thread on a large library
(no Qt): run on the ``reads`` task lane, each with a read-only connection of its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.catalog import embeddings, ordering, personal_tags, queries
from imgengine_gui.catalog.reader import CatalogReader, opened

NO_COUNTS = ("photos", "not_images", "missing", "errors", "clusters")
Version = tuple[int, int] | None  # the catalog's data_version as a reader of the lane saw it


@dataclass
class LiveRead:
    """What a live reload during a run shows: counts, the sidebar's folders, the grid's ids."""

    version: Version
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


@dataclass
class LibraryRead:
    """Everything a full reload shows (after a run, a trash, new settings)."""

    version: Version
    counts: dict[str, int]
    folders: list[dict[str, Any]]
    choices: FolderChoices  # the filter panel's, within the folder shown
    all_tags: list[tuple[str, int]]  # the sidebar's personal tags, over the whole library
    clip: bool  # text search can work: image embeddings of the scenes model are stored
    ordered: ordering.Ordered


def read_live(catalog: Path, versions: CatalogReader, seen: Version,
              photo_filter: queries.PhotoFilter, key: str, reverse: bool) -> LiveRead | None:
    """None when nothing was committed since ``seen`` (or there is no catalog yet)."""
    version = versions.data_version()  # before the data: a commit in between is read next time
    if (version is not None and version == seen) or not Path(catalog).exists():
        return None
    with opened(catalog, readonly=True) as conn:
        return LiveRead(version, queries.counts(conn), queries.folders(conn),
                        ordering.sorted_photo_ids(conn, photo_filter, key, reverse))


def read_library(catalog: Path, versions: CatalogReader, folder: str | None,
                 photo_filter: queries.PhotoFilter, key: str, reverse: bool,
                 scenes_model: str) -> LibraryRead:
    versions.close()  # opened afresh: a catalog read before its migration was an in-memory copy
    version = versions.data_version()
    if not Path(catalog).exists():
        return LibraryRead(version, dict.fromkeys(NO_COUNTS, 0), [],
                           FolderChoices([], [], [], []), [], False, ordering.Ordered([], None))
    with opened(catalog, readonly=True) as conn:
        return LibraryRead(version, queries.counts(conn), queries.folders(conn),
                           _choices(conn, folder), personal_tags.tag_counts(conn, None),
                           embeddings.has_embeddings(conn, scenes_model),
                           ordering.sorted_photo_ids(conn, photo_filter, key, reverse))


def read_choices(catalog: Path, folder: str | None) -> FolderChoices | None:
    if not Path(catalog).exists():
        return None
    with opened(catalog, readonly=True) as conn:
        return _choices(conn, folder)


def _choices(conn: Any, folder: str | None) -> FolderChoices:
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


def read_problems(catalog: Path) -> list[dict[str, Any]]:
    """Every folder's stored problems (the problems dock)."""
    if not Path(catalog).exists():
        return []
    with opened(catalog, readonly=True) as conn:
        return queries.list_photos(conn, queries.PhotoFilter(has_errors=True))


def read_photo(catalog: Path, photo_id: int) -> dict[str, Any] | None:
    """One photo with everything the detail view shows (missing files too)."""
    if not Path(catalog).exists():
        return None
    with opened(catalog, readonly=True) as conn:
        found = queries.list_photos(
            conn, queries.PhotoFilter(photo_ids=(photo_id,), include_missing=True)
        )
    return found[0] if found else None


def read_photo_id(catalog: Path, path: str) -> int | None:
    if not Path(catalog).exists():
        return None
    with opened(catalog, readonly=True) as conn:
        row = queries.photo_by_path(conn, path)
    return row["id"] if row is not None else None
