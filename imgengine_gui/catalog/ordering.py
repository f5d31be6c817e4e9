"""The grid's order: photos of a filter sorted by date taken, date added, name, size or rating,
each with the month it is grouped under when the order is by date."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from imgengine_gui.catalog.queries import RATING_SQL, PhotoFilter, filter_clause

SORT_KEYS = ("taken", "added", "name", "size", "rating")
DATE_SORTS = ("taken", "added")  # grouped by month

# key -> (ORDER BY, the month a photo is grouped under or NULL); each in its natural direction
_ORDER = {
    "taken": ("COALESCE(m.taken_at, ''), p.path", "substr(m.taken_at, 1, 7)"),
    "added": (
        "p.first_seen DESC, p.path",
        "strftime('%Y-%m', p.first_seen, 'unixepoch', 'localtime')",
    ),
    "size": ("p.size DESC, p.path", "NULL"),
    "rating": (f"COALESCE({RATING_SQL}, 0) DESC, COALESCE(m.taken_at, ''), p.path", "NULL"),
    "name": ("p.path", "NULL"),  # re-sorted by file name below
}


@dataclass
class Ordered:
    ids: list[int]
    months: list[str | None] | None  # "YYYY-MM" per photo (None: no date); None: not grouped


def sorted_photo_ids(
    conn: sqlite3.Connection, f: PhotoFilter, key: str = "taken", reverse: bool = False
) -> Ordered:
    """Photo ids in ``key``'s natural order (oldest taken, newest added, A-Z, largest, most
    stars first), or the other way round with ``reverse``."""
    if key not in _ORDER:
        raise ValueError(f"not a sort key: {key!r} (one of {', '.join(SORT_KEYS)})")
    order, month = _ORDER[key]
    where, args = filter_clause(f)
    sql = (
        f"SELECT p.id, {month}, p.path FROM photos p LEFT JOIN metadata m ON m.photo_id = p.id"
        f" LEFT JOIN ml_summary s ON s.photo_id = p.id{where} ORDER BY {order}"
    )
    rows = conn.execute(sql, args).fetchall()
    if key == "name":
        rows.sort(key=lambda row: (os.path.basename(row[2]).casefold(), row[2]))
    if reverse:
        rows.reverse()
    ids = [row[0] for row in rows]
    return Ordered(ids, [row[1] for row in rows] if key in DATE_SORTS else None)
