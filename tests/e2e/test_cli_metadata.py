"""`imgengine analyze` + `imgengine photos --json` against exiftool on the real corpus."""

from __future__ import annotations

import json
import math
from datetime import datetime

import pytest
from exiftool_fields import EXIFTOOL_TAGS

FIELDS = {**EXIFTOOL_TAGS, "orientation": "Orientation"}


def _same(ours, truth) -> bool:
    if isinstance(truth, (int, float)) and not isinstance(truth, bool):
        return ours is not None and math.isclose(float(ours), float(truth), rel_tol=1e-3, abs_tol=1e-5)
    return ours is not None and str(ours).strip() == str(truth).strip()


def _date(truth: dict) -> str | None:
    raw = truth.get("DateTimeOriginal") or truth.get("CreateDate")
    if not raw or raw.startswith("0000"):
        return None
    try:
        return datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


@pytest.fixture(scope="module")
def analyzed(corpus_dir, tmp_path_factory):
    from imgengine_gui.cli.main import main

    catalog = tmp_path_factory.mktemp("cat") / "catalog.sqlite"
    assert main(["analyze", str(corpus_dir), "--catalog", str(catalog), "--phases", "metadata", "--quiet"]) == 0
    return catalog


def test_photos_json_agrees_with_exiftool(analyzed, corpus_dir, photos_json):
    truth = json.loads((corpus_dir / "exiftool-truth.json").read_text())
    photos = {p["path"]: p for p in photos_json(analyzed)}
    assert len(photos) == len(truth)
    compared = agreed = 0
    misses = []
    for rel, expected in truth.items():
        ours = photos[str((corpus_dir / rel).resolve())]
        for field, tag in FIELDS.items():
            if tag in expected:
                compared += 1
                if _same(ours[field], expected[tag]):
                    agreed += 1
                else:
                    misses.append((rel, field, ours[field], expected[tag]))
        date = _date(expected)
        if date:
            compared += 1
            if (ours["taken_at"] or "")[:19] == date:
                agreed += 1
            else:
                misses.append((rel, "taken_at", ours["taken_at"], date))
    assert compared > 400
    assert agreed / compared >= 0.98, misses


def test_photos_json_has_the_documented_fields(analyzed, photos_json):
    photo = photos_json(analyzed)[0]
    for key in ("path", "size_bytes", "width", "height", "orientation", "taken_at", "camera_make",
                "camera_model", "lens", "iso", "f_number", "exposure_time", "focal_length",
                "gps_lat", "gps_lon", "gps_alt", "error", "warnings"):
        assert key in photo
    assert isinstance(photo["warnings"], list)


def test_offset_and_gps_signs(analyzed, corpus_dir, photos_json):
    photos = {p["path"]: p for p in photos_json(analyzed)}
    heic = photos[str((corpus_dir / "heic" / "IMG_5195.HEIC").resolve())]
    assert heic["taken_at"] == "2021-04-11T15:47:53-05:00"
    assert heic["gps_lon"] < 0 < heic["gps_lat"]


def test_rescan_of_unchanged_folder_reanalyzes_nothing(analyzed, corpus_dir, cli):
    code, _, err = cli("analyze", corpus_dir, "--catalog", analyzed, "--phases", "metadata")
    assert code == 0
    assert "0 new, 0 changed, 60 unchanged" in err
    assert "0 photos analyzed" in err


def test_bad_arguments_exit_2_with_a_message(cli, tmp_path):
    code, _, err = cli("analyze", tmp_path / "nope")
    assert code == 2 and "folder not found" in err
    code, _, err = cli("analyze", tmp_path, "--phases", "metadata,colour")
    assert code == 2 and "unknown phase colour" in err
    code, _, err = cli("photos", "--catalog", tmp_path / "none.sqlite")
    assert code == 2 and "no catalog" in err
    with pytest.raises(SystemExit) as exc:
        cli("analyze", tmp_path, "--device", "tpu")
    assert exc.value.code == 2


def test_vanished_photos_stay_missing_until_purged(tmp_path, cli, photos_json):
    from PIL import Image

    root = tmp_path / "photos"
    root.mkdir()
    for name in ("a.jpg", "b.jpg"):
        Image.new("RGB", (40, 30), (10, 200, 30)).save(root / name)
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata")[0] == 0
    (root / "b.jpg").unlink()
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata")
    assert code == 0 and "1 missing" in err
    assert len(photos_json(catalog)) == 1
    code, out, _ = cli("purge", "--catalog", catalog, "--dry-run")
    assert "would forget" in out and "b.jpg" in out
    code, out, _ = cli("purge", "--catalog", catalog)
    assert code == 0 and "b.jpg" in out
    import sqlite3

    conn = sqlite3.connect(catalog)
    assert conn.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM metadata").fetchone()[0] == 1
