"""New formats, RAW+JPEG pairs and the metadata migration, through `imgengine analyze`."""

from __future__ import annotations

import os
import sqlite3

import pillow_jxl  # noqa: F401  (lets Pillow write the JPEG XL test files)
from PIL import Image
from raw_files import write_dng

from imgengine_gui.catalog.schema import MIGRATIONS


def _scene(size=(320, 240), seed=0) -> Image.Image:
    """A smooth random picture: different seeds give pictures no detector calls duplicates."""
    import numpy as np

    cells = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(cells).resize(size, Image.Resampling.BICUBIC)


def test_avif_jxl_raw_and_unsupported_formats_are_cataloged(tmp_path, cli, photos_json):
    root = tmp_path / "photos"
    root.mkdir()
    shot = _scene()
    shot.save(root / "IMG_0001.JPG", quality=92)
    write_dng(root / "IMG_0001.DNG", raw_size=(640, 480), preview=shot)  # its RAW+JPEG pair
    _scene(seed=1).save(root / "phone.avif", quality=80)
    _scene(seed=2).save(root / "web.jxl", effort=1)
    (root / "layers.psd").write_bytes(b"8BPS\x00\x01" + b"\0" * 200)
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0, err
    photos = {os.path.basename(p["path"]): p for p in photos_json(catalog)}
    assert set(photos) == {"IMG_0001.JPG", "IMG_0001.DNG", "phone.avif", "web.jxl", "layers.psd"}
    for name in ("IMG_0001.JPG", "IMG_0001.DNG", "phone.avif", "web.jxl"):
        photo = photos[name]
        assert photo["error"] is None, (name, photo["error"])
        assert photo["thumbnail"] and os.path.isfile(photo["thumbnail"]), name
    assert photos["layers.psd"]["error"].endswith(": format not supported: PSD (Photoshop)")
    raw, jpeg = photos["IMG_0001.DNG"], photos["IMG_0001.JPG"]
    assert (raw["format"], raw["width"], raw["height"]) == ("DNG", 640, 480)
    assert raw["paired_with"] == [jpeg["path"]] and jpeg["paired_with"] == [raw["path"]]
    assert (photos["phone.avif"]["format"], photos["web.jxl"]["format"]) == ("AVIF", "JXL")
    # the RAW's preview is the JPEG itself: a pair, never a duplicate to trash
    code, out, _ = cli("duplicates", "--catalog", catalog, "--json")
    clustered = {f["path"] for c in __import__("json").loads(out)["clusters"] for f in c["files"]}
    assert raw["path"] not in clustered and jpeg["path"] not in clustered


def test_two_copies_of_a_jpeg_next_to_a_raw_still_cluster(tmp_path, cli):
    root = tmp_path / "photos"
    root.mkdir()
    shot = _scene(seed=3)
    shot.save(root / "IMG_0002.JPG", quality=92)
    shot.save(root / "IMG_0002 copy.JPG", quality=80)
    write_dng(root / "IMG_0002.DNG", preview=shot)
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")[0] == 0
    code, out, _ = cli("duplicates", "--catalog", catalog, "--json")
    clusters = __import__("json").loads(out)["clusters"]
    assert [sorted(os.path.basename(f["path"]) for f in c["files"]) for c in clusters] == [
        ["IMG_0002 copy.JPG", "IMG_0002.JPG"]
    ]


def _my_migration() -> int:
    return next(i for i, sql in enumerate(MIGRATIONS) if "CREATE TABLE photo_pairs" in sql)


def test_the_migration_derives_displayed_sizes_for_old_rows(tmp_path):
    from imgengine_gui.catalog.db import connect

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    for number in range(_my_migration()):
        old.executescript("BEGIN;" + MIGRATIONS[number] + f"PRAGMA user_version = {number + 1};")
    old.execute("INSERT INTO photos(id, path, size, mtime_ns, first_seen, last_seen)"
                " VALUES (1, '/p/a.jpg', 1, 1, 0, 0)")  # fmt: skip
    old.execute("INSERT INTO metadata(photo_id, width, height, orientation) VALUES (1, 600, 450, 6)")
    old.commit()
    old.close()
    conn = connect(path)
    row = conn.execute("SELECT display_width, display_height, reader FROM metadata").fetchone()
    assert tuple(row) == (450, 600, None)  # None: read by the old reader, to be re-read
    for table in ("annotations", "photo_keywords", "photo_regions", "photo_pairs"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0


def test_photos_of_the_old_reader_get_only_their_metadata_read_again(tmp_path, cli, photos_json):
    root = tmp_path / "photos"
    root.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2021:04:11 15:47:53"
    _scene().save(root / "portrait.jpg", exif=exif)
    _scene(seed=5).save(root / "plain.png")
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")[0] == 0
    conn = sqlite3.connect(catalog)
    # what the old reader left: metadata phase at version 1, no reader recorded
    conn.execute("UPDATE phase_status SET analyzer_version = '1' WHERE phase = 'metadata'")
    conn.execute("UPDATE metadata SET reader = NULL")
    conn.commit()
    content = conn.execute("SELECT * FROM content ORDER BY photo_id").fetchall()
    content_status = conn.execute(
        "SELECT photo_id, updated_at FROM phase_status WHERE phase = 'content' ORDER BY photo_id"
    ).fetchall()
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0 and "2 photos analyzed" in err
    assert conn.execute("SELECT * FROM content ORDER BY photo_id").fetchall() == content
    assert conn.execute(
        "SELECT photo_id, updated_at FROM phase_status WHERE phase = 'content' ORDER BY photo_id"
    ).fetchall() == content_status
    photos = {os.path.basename(p["path"]): p for p in photos_json(catalog)}
    assert {p["metadata_reader"] for p in photos.values()} == {"exiv2"}
    portrait = photos["portrait.jpg"]
    assert (portrait["width"], portrait["height"], portrait["orientation"]) == (320, 240, 6)
    assert (portrait["display_width"], portrait["display_height"]) == (240, 320)
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert "0 photos analyzed" in err
