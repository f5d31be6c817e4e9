"""Ratings, flags, labels, keywords and named regions: as read from files, and as set by the user.

Values read from a photo or its XMP sidecar live in ``metadata`` (rating, flag, label) and in
``photo_keywords`` / ``photo_regions`` with source 'file'; a re-read replaces them. What the
user sets in the app lives in ``annotations`` and in rows with source 'user', and wins: a
re-read never undoes it.
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

USER_FIELDS = ("rating", "flag", "label")


class RegionFacts(Protocol):
    """A named area the metadata phase read (``analysis.metadata_xmp.Region``)."""

    name: str | None
    kind: str | None
    box: tuple[float, float, float, float] | None


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values)) or "NULL"


def store_read(
    conn: sqlite3.Connection, photo_id: int, keywords: Iterable[str], regions: Iterable[RegionFacts]
) -> None:
    """Replace what the metadata phase read for one photo (keywords, named regions)."""
    conn.execute("DELETE FROM photo_keywords WHERE photo_id = ? AND source = 'file'", (photo_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO photo_keywords(photo_id, keyword, source) VALUES (?, ?, 'file')",
        [(photo_id, k) for k in keywords],
    )
    conn.execute("DELETE FROM photo_regions WHERE photo_id = ? AND source = 'file'", (photo_id,))
    conn.executemany(
        "INSERT INTO photo_regions(photo_id, name, kind, x0, y0, x1, y1, source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'file')",
        [(photo_id, r.name, r.kind, *(r.box or (None,) * 4)) for r in regions],
    )


def set_user_field(conn: sqlite3.Connection, photo_ids: Sequence[int], name: str, value) -> None:
    if name not in USER_FIELDS:
        raise ValueError(f"not an annotation field: {name}")
    now = time.time()
    conn.executemany(
        f"INSERT INTO annotations(photo_id, {name}, updated_at) VALUES (?, ?, ?)"
        f" ON CONFLICT(photo_id) DO UPDATE SET {name} = excluded.{name},"
        " updated_at = excluded.updated_at",
        [(photo_id, value, now) for photo_id in photo_ids],
    )


def add_user_keywords(
    conn: sqlite3.Connection, photo_ids: Sequence[int], keywords: Sequence[str]
) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO photo_keywords(photo_id, keyword, source) VALUES (?, ?, 'user')",
        [(p, k) for p in photo_ids for k in keywords],
    )


def remove_keywords(
    conn: sqlite3.Connection, photo_ids: Sequence[int], keywords: Sequence[str]
) -> None:
    """Gone from the catalog whatever their source (the sidecar, when written, loses them too)."""
    conn.executemany(
        "DELETE FROM photo_keywords WHERE photo_id = ? AND keyword = ?",
        [(p, k) for p in photo_ids for k in keywords],
    )


def keyword_sources(conn: sqlite3.Connection, keyword: str) -> dict[int, set[str]]:
    """Photo id -> where its ``keyword`` came from ('file', 'user', 'tag': a personal tag)."""
    out: dict[int, set[str]] = defaultdict(set)
    for photo_id, source in conn.execute(
        "SELECT photo_id, source FROM photo_keywords WHERE keyword = ?", (keyword,)
    ):
        out[photo_id].add(source)
    return dict(out)


def add_tag_keyword(conn: sqlite3.Connection, photo_ids: Sequence[int], keyword: str) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO photo_keywords(photo_id, keyword, source) VALUES (?, ?, 'tag')",
        [(p, keyword) for p in photo_ids],
    )


def remove_tag_keyword(conn: sqlite3.Connection, photo_ids: Sequence[int], keyword: str) -> None:
    """The tag's own rows, and the file's echo of what the tag wrote to the sidecar."""
    conn.executemany(
        "DELETE FROM photo_keywords WHERE photo_id = ? AND keyword = ? AND source IN ('tag', 'file')",
        [(p, keyword) for p in photo_ids],
    )


def add_user_region(
    conn: sqlite3.Connection, photo_id: int, name: str, kind: str, box: Sequence[float] | None
) -> None:
    conn.execute(
        "INSERT INTO photo_regions(photo_id, name, kind, x0, y0, x1, y1, source)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'user')",
        (photo_id, name, kind, *(box or (None,) * 4)),
    )


def set_sidecar(conn: sqlite3.Connection, photo_id: int, sidecar: str) -> None:
    """The sidecar a photo now has (written by us): shown before the next metadata read."""
    conn.execute("UPDATE metadata SET sidecar = ? WHERE photo_id = ?", (sidecar, photo_id))


def photos_by_path(conn: sqlite3.Connection, paths: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Path -> the photo fields a sidecar writer needs, for cataloged photos among ``paths``."""
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(paths), 900):
        chunk = list(paths[start : start + 900])
        for row in conn.execute(
            "SELECT p.id, p.path, m.display_width, m.display_height FROM photos p"
            f" LEFT JOIN metadata m ON m.photo_id = p.id WHERE p.path IN ({_marks(chunk)})",
            chunk,
        ):
            out[row[1]] = {"id": row[0], "path": row[1], "size": (row[2], row[3])}
    return out


def photo_paths(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = conn.execute(
        "SELECT p.id, p.path, m.display_width, m.display_height FROM photos p"
        f" LEFT JOIN metadata m ON m.photo_id = p.id WHERE p.id IN ({_marks(photo_ids)})",
        list(photo_ids),
    )
    return {r[0]: {"id": r[0], "path": r[1], "size": (r[2], r[3])} for r in rows}


def for_photos(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What `photos --json` shows: the user's value over the file's; keywords of both."""
    out: dict[int, dict[str, Any]] = {}
    keywords: dict[int, list[str]] = defaultdict(list)
    people: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(photo_ids), 900):
        chunk = list(photo_ids[start : start + 900])
        for row in conn.execute(
            "SELECT m.photo_id, COALESCE(a.rating, m.rating), COALESCE(a.flag, m.flag),"
            " COALESCE(a.label, m.label) FROM metadata m"
            " LEFT JOIN annotations a ON a.photo_id = m.photo_id"
            f" WHERE m.photo_id IN ({_marks(chunk)})",
            chunk,
        ):
            out[row[0]] = {"rating": row[1], "flag": row[2], "label": row[3]}
        for photo_id, keyword in conn.execute(
            "SELECT photo_id, keyword FROM photo_keywords"
            f" WHERE photo_id IN ({_marks(chunk)}) ORDER BY photo_id, source, rowid",
            chunk,
        ):
            if keyword not in keywords[photo_id]:
                keywords[photo_id].append(keyword)
        for photo_id, name in conn.execute(
            "SELECT DISTINCT photo_id, name FROM photo_regions WHERE name IS NOT NULL"
            f" AND photo_id IN ({_marks(chunk)}) ORDER BY photo_id, name",
            chunk,
        ):
            people[photo_id].append(name)
    for photo_id in photo_ids:
        entry = out.setdefault(photo_id, {"rating": None, "flag": None, "label": None})
        entry["keywords"] = keywords.get(photo_id, [])
        entry["named_people"] = people.get(photo_id, [])
    return out
