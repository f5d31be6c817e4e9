"""RAW+JPEG pairs: two files of one shot, linked so that neither is offered as a duplicate."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Sequence


def present_photos(conn: sqlite3.Connection) -> list[tuple[int, str, str | None]]:
    """(id, path, format) of every photo whose file is present."""
    return [tuple(r) for r in conn.execute("SELECT id, path, format FROM photos WHERE missing = 0")]


def replace_pairs(conn: sqlite3.Connection, pairs: Sequence[tuple[int, int]], kind: str) -> None:
    """Store ``pairs`` (both directions) as the whole set of links of ``kind``."""
    conn.execute("DELETE FROM photo_pairs WHERE kind = ?", (kind,))
    conn.executemany(
        "INSERT OR IGNORE INTO photo_pairs(photo_id, partner_id, kind) VALUES (?, ?, ?)",
        [(a, b, kind) for a, b in pairs] + [(b, a, kind) for a, b in pairs],
    )


def partners(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> dict[int, list[str]]:
    """Photo id -> paths of the files it is paired with."""
    out: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(photo_ids), 900):
        chunk = list(photo_ids[start : start + 900])
        for photo_id, path in conn.execute(
            "SELECT l.photo_id, p.path FROM photo_pairs l JOIN photos p ON p.id = l.partner_id"
            f" WHERE l.photo_id IN ({','.join('?' * len(chunk))}) ORDER BY l.photo_id, p.path",
            chunk,
        ):
            out[photo_id].append(path)
    return out


def paired_ids(conn: sqlite3.Connection) -> set[int]:
    return {r[0] for r in conn.execute("SELECT photo_id FROM photo_pairs")}
