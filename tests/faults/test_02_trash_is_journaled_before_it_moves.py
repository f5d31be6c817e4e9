"""2. Every move to the trash is in the journal before it happens, so every move can be undone."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import sys
from pathlib import Path

from faultlib import assert_one_line_error, picture, read_only, run, spawn, tree, wait_for

from imgengine_gui.catalog.db import connect
from imgengine_gui.engine import trash

SLOW_TRASH = Path(__file__).with_name("slow_trash.py")


def _copies_library(root: Path, pictures: int) -> Path:
    """``pictures`` photos, each with a byte-identical copy (one extra copy each to trash)."""
    root.mkdir()
    for i in range(pictures):
        picture(i, (320, 240)).save(root / f"pic{i}.jpg", quality=85)
        shutil.copyfile(root / f"pic{i}.jpg", root / f"pic{i}_copy.jpg")
    return root


def _trashed(trash_dir: Path) -> list[Path]:
    files = trash_dir / "files"
    return sorted(files.iterdir()) if files.is_dir() else []


def test_kill_9_during_trash_then_undo_restores_every_file(tmp_path, cli, private_trash):
    """Fault: `kill -9` of `duplicates --trash` right after a file moved, before anything else.
    Does: the intent was committed before the move; `--undo` finds the file in the trash and
    restores it with the others."""
    root = _copies_library(tmp_path / "photos", 6)
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")[0] == 0
    before = tree(root)
    proc = spawn(sys.executable, str(SLOW_TRASH), "duplicates", "--catalog", str(catalog),
                 "--trash", env={"SLOW_TRASH_S": "2"})
    try:
        wait_for(lambda: len(_trashed(private_trash)) >= 2, proc, timeout=120)
        proc.send_signal(signal.SIGKILL)  # during the pause after the second move
    finally:
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert len(tree(root)) == len(before) - 2
    conn = sqlite3.connect(catalog)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    code, out, err = cli("duplicates", "--catalog", catalog, "--undo")
    assert code == 0, err
    assert tree(root) == before
    assert _trashed(private_trash) == []
    assert "Nothing to undo" in cli("duplicates", "--catalog", catalog, "--undo")[1]


def test_a_catalog_that_cannot_record_moves_nothing(tmp_path, cli, tmpfs, private_trash):
    """Fault: `duplicates --trash` on a read-only catalog (and a read-only connection handed to
    the engine).
    Does: refuses before the first move, with one line and exit code 4; no file moves."""
    root = _copies_library(tmp_path / "photos", 2)
    home = tmp_path / "catalog-home"
    home.mkdir()
    catalog = home / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")[0] == 0
    before = tree(root)

    readonly_conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    try:
        trash.trash_photos(readonly_conn, trash.losers(readonly_conn))
        raise AssertionError("a read-only catalog accepted a trash action")
    except Exception as exc:
        assert "read-only" in str(exc) or "readonly" in str(exc), exc
    readonly_conn.close()
    assert tree(root) == before

    with read_only(home, tmpfs) as frozen:
        done = run("duplicates", "--catalog", frozen / "catalog.sqlite", "--trash")
        assert done.returncode == 4, done.stderr
        assert_one_line_error(done.stderr, "catalog")
    assert tree(root) == before and _trashed(private_trash) == []


def test_an_intent_whose_move_happened_is_undoable_and_one_that_did_not_is_dropped(
    tmp_path, cli, private_trash
):
    """Fault: a crash between "about to move" and "moved" (or before the move).
    Does: the next undo (or analysis, or `duplicates`) finds the file in the trash and journals
    it as moved; an intent whose file is still in place is dropped."""
    from send2trash import send2trash  # here: it reads $XDG_DATA_HOME when first imported

    from imgengine_gui.catalog import journal

    root = _copies_library(tmp_path / "photos", 2)
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")[0] == 0
    before = tree(root)
    conn = connect(catalog)
    (moved_id, moved), (kept_id, kept) = trash.losers(conn)
    action = journal.start_trash_action(conn)
    journal.record_intent(conn, action, moved_id, moved)
    journal.record_intent(conn, action, kept_id, kept)
    send2trash(moved)  # ... and the process died here
    conn.close()

    code, out, err = cli("duplicates", "--catalog", catalog, "--undo")
    assert code == 0, err
    assert f"found in the trash (undoable): {moved}" in err and f"restored {moved}" in out
    assert tree(root) == before
    conn = connect(catalog)
    assert journal.pending_items(conn) == []
    conn.close()
