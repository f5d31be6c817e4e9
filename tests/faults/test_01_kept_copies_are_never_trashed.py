"""1. A kept copy is never trashed: a photo is in one cluster, every cluster has one keeper."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time

import pytest
from faultlib import picture

from imgengine_gui.catalog.db import connect
from imgengine_gui.engine import trash


def _overlapping_library(root):
    """A picture with a byte-identical copy and a smaller copy. The first-scanned exact copy is
    the newer one: as the exact group's extra copy it would lose there, and as the sharpest,
    largest version of the picture it would be kept among the near duplicates."""
    root.mkdir()
    image = picture(0, (640, 480))
    image.save(root / "a_newer.jpg", quality=92)
    shutil.copyfile(root / "a_newer.jpg", root / "b_older.jpg")
    image.resize((320, 240)).save(root / "c_small.jpg", quality=80)
    picture(1, (640, 480)).save(root / "other.jpg", quality=90)
    hour_ago = time.time() - 3600
    os.utime(root / "b_older.jpg", (hour_ago, hour_ago))
    return root


def test_exact_and_near_copies_are_one_cluster_with_one_keeper(tmp_path, cli):
    """Fault: one picture with an exact copy and a near copy (overlapping exact/near groups).
    Does: one cluster per picture and one keeper; the trash confirmation, the files moved and
    the undo all count the same distinct files; every keeper stays in place."""
    root = _overlapping_library(tmp_path / "photos")
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0, err
    code, out, _ = cli("duplicates", "--catalog", catalog, "--json")
    clusters = json.loads(out)["clusters"]
    paths = [f["path"] for c in clusters for f in c["files"]]
    assert len(paths) == len(set(paths)) == 3  # every file in one cluster only
    assert [sum(f["keep"] for f in c["files"]) for c in clusters] == [1]
    keeper = next(f["path"] for f in clusters[0]["files"] if f["keep"])
    copies = {f["path"]: f["reason"] for f in clusters[0]["files"] if not f["keep"]}
    assert os.path.basename(keeper) in ("a_newer.jpg", "b_older.jpg")
    twin = str(root / ("a_newer.jpg" if keeper.endswith("b_older.jpg") else "b_older.jpg"))
    assert copies[twin].startswith("exact copy of the keeper")

    code, out, _ = cli("duplicates", "--catalog", catalog, "--trash", "--dry-run")
    would = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("would")]
    assert sorted(would) == sorted(copies) and len(would) == len(set(would)) == 2
    code, out, err = cli("duplicates", "--catalog", catalog, "--trash")
    assert code == 0, err
    assert "2 files moved to the trash" in out
    assert os.path.exists(keeper) and (root / "other.jpg").exists()
    assert not any(os.path.exists(p) for p in copies)
    code, out, err = cli("duplicates", "--catalog", catalog, "--undo")
    assert code == 0, err
    assert all(os.path.exists(p) for p in copies)


def test_trash_refuses_a_file_that_any_cluster_keeps(tmp_path):
    """Fault: a catalog whose clusters overlap (as older versions wrote them): a file is the
    extra copy in one group and the kept copy in another.
    Does: the engine refuses to trash a file that any cluster marks as kept, and says why."""
    root = tmp_path / "photos"
    root.mkdir()
    files = {name: root / f"{name}.jpg" for name in ("x", "y", "z")}
    for i, path in enumerate(files.values()):
        picture(i).save(path)
    conn = connect(tmp_path / "catalog.sqlite")
    conn.execute("DROP INDEX IF EXISTS cluster_members_one_cluster")  # the old, overlapping shape
    for pid, path in enumerate(files.values(), 1):
        conn.execute(
            "INSERT INTO photos(id, path, size, mtime_ns, first_seen, last_seen)"
            " VALUES (?, ?, 1, 1, 0, 0)",
            (pid, str(path)),
        )
    conn.executemany("INSERT INTO clusters(id, kind, created_at) VALUES (?, ?, 0)",
                     [(1, "exact"), (2, "near")])
    conn.executemany(  # x: extra copy in cluster 1, kept in cluster 2
        "INSERT INTO cluster_members(cluster_id, photo_id, keep) VALUES (?, ?, ?)",
        [(1, 2, 1), (1, 1, 0), (2, 1, 1), (2, 3, 0)],
    )
    conn.commit()
    report = trash.trash_photos(conn, trash.losers(conn))
    assert report.moved == [str(files["z"])]
    assert report.failed == [] and files["x"].exists() and files["y"].exists()
    explicit = trash.trash_photos(conn, [(1, str(files["x"]))])
    assert explicit.moved == [] and "kept copy" in explicit.failed[0][1]
    assert files["x"].exists()
    conn.close()


def test_an_old_catalog_loses_its_overlapping_clusters_on_upgrade(tmp_path):
    """Fault: a catalog of an older version with overlapping clusters is opened.
    Does: the upgrade drops the overlapping clusters (the next analysis finds them again,
    merged) and from then on the catalog itself refuses a file in two clusters."""
    from imgengine_gui.catalog.schema import MIGRATIONS

    path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    raw.executemany(
        "INSERT INTO photos(id, path, size, mtime_ns, first_seen, last_seen) VALUES (?, ?, 1, 1, 0, 0)",
        [(1, "/p/a.jpg"), (2, "/p/b.jpg"), (3, "/p/c.jpg"), (4, "/p/d.jpg"), (5, "/p/e.jpg")],
    )
    raw.executemany("INSERT INTO clusters(id, kind, created_at) VALUES (?, 'x', 0)", [(1,), (2,), (3,)])
    raw.executemany(
        "INSERT INTO cluster_members(cluster_id, photo_id, keep) VALUES (?, ?, ?)",
        [(1, 1, 0), (1, 2, 1), (2, 1, 1), (2, 3, 0), (3, 4, 1), (3, 5, 0)],
    )
    raw.commit()
    raw.close()
    conn = connect(path)
    assert [r[0] for r in conn.execute("SELECT DISTINCT cluster_id FROM cluster_members")] == [3]
    conn.execute("INSERT INTO clusters(id, kind, created_at) VALUES (4, 'x', 0)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO cluster_members(cluster_id, photo_id, keep) VALUES (4, 4, 0)")
    conn.close()
