from __future__ import annotations

import os
import shutil
import sqlite3

from PIL import Image

from imgengine_gui.analysis.formats import sniff_format
from imgengine_gui.catalog import records
from imgengine_gui.catalog.db import connect
from imgengine_gui.scan import scan_folder, walk_photos

VERSIONS = {"metadata": "1"}


def _jpeg(path, color=(200, 30, 30), size=(64, 48)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, "JPEG")
    return path


def _scan(conn, root):
    folder_id = records.upsert_folder(conn, str(root))
    result = scan_folder(conn, root, folder_id, VERSIONS)
    conn.commit()
    return result


def _done(conn, result):
    for job in result.jobs:
        records.set_phase(conn, job.photo_id, "metadata", "1")
    conn.commit()


def test_walk_finds_photos_case_insensitively_and_skips_hidden_and_system(tmp_path):
    _jpeg(tmp_path / "a.JPG")
    _jpeg(tmp_path / "sub" / "b.jpeg")
    _jpeg(tmp_path / ".hidden" / "c.jpg")
    _jpeg(tmp_path / "@eaDir" / "d.jpg")
    _jpeg(tmp_path / "$RECYCLE.BIN" / "e.jpg")
    (tmp_path / "notes.txt").write_text("hello")
    names = sorted(os.path.basename(f.path) for f in walk_photos(tmp_path))
    assert names == ["a.JPG", "b.jpeg"]


def test_walk_survives_symlink_loops_and_dangling_links(tmp_path):
    _jpeg(tmp_path / "deep" / "a.jpg")
    os.symlink(tmp_path, tmp_path / "deep" / "loop")
    os.symlink(tmp_path / "gone.jpg", tmp_path / "dangling.jpg")
    problems = []
    found = [os.path.basename(f.path) for f in walk_photos(tmp_path, problems)]
    assert found == ["a.jpg"]
    messages = " ".join(p.message for p in problems)
    assert "loop" in messages and "broken symbolic link" in messages


def test_walk_handles_30_level_deep_folders_and_odd_names(tmp_path):
    deep = tmp_path.joinpath(*[f"level {i}" for i in range(30)])
    _jpeg(deep / "ünïcødé 'quote\" name.jpg")
    found = list(walk_photos(tmp_path))
    assert len(found) == 1 and found[0].path.endswith("ünïcødé 'quote\" name.jpg")


def test_sniff_recognises_content_not_names(tmp_path):
    png = tmp_path / "really_png.jpg"
    Image.new("RGB", (4, 4)).save(png, "PNG")
    assert sniff_format(png.read_bytes()[:32]) == "PNG"
    assert sniff_format(b"hello world, I am text") is None


def test_rescan_reads_only_new_or_changed_and_detects_moves(tmp_path):
    root = tmp_path / "photos"
    a, b = _jpeg(root / "a.jpg"), _jpeg(root / "b.jpg", (0, 90, 0))
    conn = connect(tmp_path / "c.sqlite")
    first = _scan(conn, root)
    assert (first.new, len(first.jobs)) == (2, 2)
    _done(conn, first)
    ids = {r["path"]: r["id"] for r in conn.execute("SELECT id, path FROM photos")}

    again = _scan(conn, root)
    assert (again.unchanged, again.new, len(again.jobs)) == (2, 0, 0)

    os.rename(a, root / "renamed.jpg")  # same inode: a move keeps the analysis
    _jpeg(b, (0, 0, 200), size=(80, 60))  # rewritten: changed
    third = _scan(conn, root)
    assert (third.moved, third.changed, third.new, third.missing) == (1, 1, 0, 0)
    row = conn.execute("SELECT id FROM photos WHERE path = ?", (str(root / "renamed.jpg"),)).fetchone()
    assert row["id"] == ids[str(a)]
    assert [j.path for j in third.jobs] == [str(b)]


def test_moved_across_devices_is_matched_by_content_hash(tmp_path):
    root = tmp_path / "photos"
    a = _jpeg(root / "a.jpg")
    conn = connect(tmp_path / "c.sqlite")
    _done(conn, _scan(conn, root))
    digest = __import__("hashlib").sha256(a.read_bytes()).hexdigest()
    conn.execute("UPDATE photos SET sha256 = ?", (digest,))
    conn.commit()
    copy = root / "elsewhere" / "a-copy.jpg"
    copy.parent.mkdir()
    shutil.copy2(a, copy)  # new inode, same bytes
    a.unlink()
    result = _scan(conn, root)
    assert (result.moved, result.new, result.missing, len(result.jobs)) == (1, 0, 0, 0)


def test_vanished_files_are_marked_missing_not_deleted(tmp_path):
    root = tmp_path / "photos"
    a = _jpeg(root / "a.jpg")
    conn = connect(tmp_path / "c.sqlite")
    _done(conn, _scan(conn, root))
    a.unlink()
    result = _scan(conn, root)
    assert result.missing == 1
    assert conn.execute("SELECT missing FROM photos").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM phase_status").fetchone()[0] == 1


def test_catalog_schema_is_versioned(tmp_path):
    conn = connect(tmp_path / "c.sqlite")
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    raw = sqlite3.connect(tmp_path / "c.sqlite")
    raw.execute("PRAGMA user_version = 999")
    raw.commit()
    raw.close()
    import pytest

    from imgengine_gui.catalog.db import CatalogError

    with pytest.raises((CatalogError, RuntimeError)):
        connect(tmp_path / "c.sqlite")


def test_a_cleared_thumbnail_cache_makes_content_due_again(tmp_path):
    root = tmp_path / "photos"
    _jpeg(root / "a.jpg")
    conn = connect(tmp_path / "c.sqlite")
    result = _scan(conn, root)
    thumb = tmp_path / "thumb.jpg"
    thumb.write_bytes(b"x")
    photo_id = result.jobs[0].photo_id
    conn.execute("INSERT INTO content(photo_id, thumb_path) VALUES (?, ?)", (photo_id, str(thumb)))
    records.set_phase(conn, photo_id, "content", "1")
    conn.commit()
    from imgengine_gui.scan import plan_jobs

    assert plan_jobs(conn, str(root), {"content": "1"}) == []
    thumb.unlink()
    assert [j.phases for j in plan_jobs(conn, str(root), {"content": "1"})] == [("content",)]
