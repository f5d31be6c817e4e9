"""6. A catalog problem is one line naming the file and what to do, with its own exit code."""

from __future__ import annotations

import sqlite3

import pytest
from faultlib import assert_one_line_error, digest, fill, picture, read_only, run
from PIL import Image

COMMANDS = (("analyze", "{photos}"), ("photos",), ("duplicates",), ("duplicates", "--trash"))


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(3):
        picture(i, (320, 240)).save(root / f"p{i}.jpg")
    return root


def _args(command, photos, catalog):
    return [part.format(photos=photos) for part in command] + ["--catalog", catalog]


def test_a_folder_given_as_the_catalog(tmp_path, cli, photos):
    """Fault: `--catalog` names a folder.
    Does: one line saying it is a folder and what to pass instead; exit code 3."""
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for command in COMMANDS:
        code, _, err = cli(*_args(command, photos, folder))
        assert code == 3, (command, err)
        assert_one_line_error(err, str(folder), "is a folder")
    assert list(folder.iterdir()) == []


def test_a_catalog_of_a_newer_version_is_refused_unchanged(tmp_path, cli, photos):
    """Fault: the catalog was written by a newer Image Engine (schema v999).
    Does: analyze, photos and duplicates refuse it in one line (exit code 3) and leave the file
    byte for byte as it was."""
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", photos, "--catalog", catalog, "--phases", "metadata")[0] == 0
    raw = sqlite3.connect(catalog)
    raw.execute("PRAGMA user_version = 999")
    raw.commit()
    raw.close()
    before = digest(catalog)
    for command in COMMANDS:
        code, _, err = cli(*_args(command, photos, catalog))
        assert code == 3, (command, err)
        assert_one_line_error(err, str(catalog), "v999", "update Image Engine")
    done = run("analyze", photos, "--catalog", catalog)  # and in a real process
    assert done.returncode == 3
    assert_one_line_error(done.stderr, "v999")
    assert digest(catalog) == before


def test_a_read_only_catalog_on_analyze(tmp_path, cli, tmpfs, photos):
    """Fault: the catalog (and its folder) is read-only.
    Does: analyze says so in one line (exit code 4) before changing anything."""
    home = tmp_path / "home"
    home.mkdir()
    assert cli("analyze", photos, "--catalog", home / "c.sqlite", "--phases", "metadata")[0] == 0
    with read_only(home, tmpfs) as frozen:
        before = digest(frozen / "c.sqlite")
        code, _, err = cli("analyze", photos, "--catalog", frozen / "c.sqlite")
        assert code == 4, err
        assert_one_line_error(err, str(frozen / "c.sqlite"), "read-only")
        assert digest(frozen / "c.sqlite") == before


def test_the_catalog_disk_fills_up(tmp_path, tmpfs):
    """Fault: the catalog's disk fills up during an analysis.
    Does: the run stops, says "the disk is full" in one line (exit code 4); once space is
    freed, the catalog has what it had committed and passes an integrity check."""
    home = tmpfs("catalog-disk", "4m")
    catalog = home / "c.sqlite"
    small = tmp_path / "small"
    small.mkdir()
    picture(0, (320, 240)).save(small / "first.jpg")
    assert run("analyze", small, "--catalog", catalog, "--phases", "metadata").returncode == 0
    big = tmp_path / "big"
    big.mkdir()
    for i in range(400):
        Image.new("RGB", (64, 48), (i % 256, i // 256, 0)).save(big / f"p{i:03d}.jpg")
    filler = fill(home, 24 << 10)
    done = run("analyze", big, "--catalog", catalog, "--phases", "metadata")
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("imgengine: ")]
    assert len(lines) == 1 and "disk is full" in lines[0] and str(catalog) in lines[0]
    filler.unlink()  # space freed: the catalog is whole
    conn = sqlite3.connect(catalog)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM photos WHERE path LIKE ?", (f"{small}%",)).fetchone()[0] == 1
    conn.close()


def test_help_documents_every_exit_code():
    """Fault: a script needs to tell the failures apart.
    Does: `imgengine --help` lists each exit code and its meaning."""
    done = run("--help")
    assert done.returncode == 0
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "5 ", "6 ", "7 ", "130 "):
        assert f"\n  {code}" in done.stdout, code
