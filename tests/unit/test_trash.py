from __future__ import annotations

from imgengine_gui.catalog.db import connect
from imgengine_gui.engine.trash import losers


def _cluster(conn, keeper_missing: bool) -> None:
    conn.execute("DELETE FROM photos")
    conn.execute("DELETE FROM clusters")
    for pid, path, missing in ((1, "/p/keep.jpg", int(keeper_missing)), (2, "/p/copy.jpg", 0)):
        conn.execute(
            "INSERT INTO photos(id, path, size, mtime_ns, missing, first_seen, last_seen)"
            " VALUES (?, ?, 1, 1, ?, 0, 0)",
            (pid, path, missing),
        )
    conn.execute("INSERT INTO clusters(id, kind, created_at) VALUES (1, 'near', 0)")
    conn.executemany(
        "INSERT INTO cluster_members(cluster_id, photo_id, keep) VALUES (1, ?, ?)", [(1, 1), (2, 0)]
    )


def test_the_last_present_copy_is_never_a_loser(tmp_path):
    conn = connect(tmp_path / "c.sqlite")
    _cluster(conn, keeper_missing=False)
    assert losers(conn) == [(2, "/p/copy.jpg")]
    _cluster(conn, keeper_missing=True)  # the keeper vanished: the copy is all that is left
    assert losers(conn) == []
