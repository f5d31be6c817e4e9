"""10. A file that is not an Image Engine catalog is refused before anything is written to it."""

from __future__ import annotations

import sqlite3

import pytest
from faultlib import assert_one_line_error, digest, picture

from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.schema import MIGRATIONS


def _foreign(path, kind):
    if kind == "text":
        path.write_text("name,value\nnot,sqlite\n")
        return
    conn = sqlite3.connect(path)
    if kind == "other app's tables":
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
        conn.execute("INSERT INTO moz_places(url) VALUES ('https://example.org')")
    else:  # another application's id, no tables yet
        conn.execute("PRAGMA application_id = 1179796289")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("kind", ["other app's tables", "other app's id", "text"])
def test_a_foreign_file_is_refused_and_left_as_it_was(tmp_path, cli, kind):
    """Fault: `--catalog` points at another application's SQLite file (or not SQLite at all).
    Does: every command refuses it in one line (exit code 3) before changing anything: no WAL
    switch, no migration, not one byte."""
    photos = tmp_path / "photos"
    photos.mkdir()
    picture(0, (320, 240)).save(photos / "a.jpg")
    catalog = tmp_path / "places.sqlite"
    _foreign(catalog, kind)
    before = digest(catalog)
    for args in (("analyze", photos), ("photos",), ("duplicates",), ("duplicates", "--undo")):
        code, _, err = cli(*args, "--catalog", catalog)
        assert code == 3, (args, err)
        assert_one_line_error(err, str(catalog), "not an Image Engine catalog")
    assert digest(catalog) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos", "places.sqlite"]  # no -wal


def test_a_catalog_of_an_older_version_without_the_id_is_adopted(tmp_path, cli):
    """Fault: a catalog written before catalogs carried an application id.
    Does: it is recognised by its tables, upgraded in place and marked as ours; its photos stay."""
    from imgengine_gui.catalog.schema import APPLICATION_ID

    catalog = tmp_path / "old.sqlite"
    raw = sqlite3.connect(catalog)
    raw.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    raw.execute(
        "INSERT INTO photos(path, size, mtime_ns, first_seen, last_seen) VALUES ('/p/a.jpg', 1, 1, 0, 0)"
    )
    raw.commit()
    raw.close()
    code, out, err = cli("photos", "--catalog", catalog)
    assert code == 0, err
    assert out.startswith("/p/a.jpg")
    conn = connect(catalog)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()
