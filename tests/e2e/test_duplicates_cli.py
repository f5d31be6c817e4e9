"""Duplicates through the CLI: clusters, export formats, keeper override, trash and undo."""

from __future__ import annotations

import csv
import json

import pytest
from PIL import Image, ImageEnhance


@pytest.fixture
def library(tmp_path, private_trash):
    from skimage import data

    root = tmp_path / "photos"
    root.mkdir()
    astronaut = Image.fromarray(data.astronaut())
    astronaut.save(root / "astronaut.jpg", quality=95)
    (root / "copy of astronaut.jpg").write_bytes((root / "astronaut.jpg").read_bytes())
    astronaut.resize((256, 256)).save(root / "astronaut_small.jpg", quality=80)
    ImageEnhance.Brightness(astronaut).enhance(1.15).save(root / "astronaut_bright.png")
    Image.fromarray(data.coffee()).save(root / "coffee.jpg", quality=92)
    Image.fromarray(data.chelsea()).save(root / "chelsea.jpg", quality=92)
    return root


def test_clusters_export_keep_trash_and_undo(library, tmp_path, cli, private_trash):
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("analyze", library, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0, err
    export = tmp_path / "d.json"
    code, _, _ = cli("duplicates", "--catalog", catalog, "--export", export)
    assert code == 0
    clusters = json.loads(export.read_text())["clusters"]
    members = sorted(sorted(f["path"].rsplit("/", 1)[-1] for f in c["files"]) for c in clusters)
    names = {n for c in members for n in c}
    assert names == {"astronaut.jpg", "copy of astronaut.jpg", "astronaut_small.jpg", "astronaut_bright.png"}
    assert {c["kind"] for c in clusters} <= {"exact", "near"}
    for c in clusters:
        assert sum(f["keep"] for f in c["files"]) == 1
        assert all(f["reason"] for f in c["files"])
        assert set(c["files"][0]) == {"path", "keep", "width", "height", "size_bytes", "reason"}
    small = next(f for c in clusters for f in c["files"] if f["path"].endswith("astronaut_small.jpg"))
    assert not small["keep"]

    export_csv = tmp_path / "d.csv"
    assert cli("duplicates", "--catalog", catalog, "--export", export_csv)[0] == 0
    rows = list(csv.DictReader(export_csv.open()))
    assert len(rows) == sum(len(c["files"]) for c in clusters)

    code, out, _ = cli("duplicates", "--catalog", catalog, "--trash", "--dry-run")
    assert code == 0 and "would move" in out
    assert (library / "astronaut_small.jpg").exists()

    code, out, _ = cli("duplicates", "--catalog", catalog, "--keep", library / "astronaut_small.jpg")
    assert code == 0
    code, out, err = cli("duplicates", "--catalog", catalog, "--trash")
    assert code == 0, err
    assert (library / "astronaut_small.jpg").exists()  # the user's keeper stays
    assert not (library / "astronaut.jpg").exists()
    trashed = list((private_trash / "files").iterdir())
    assert any(p.name.startswith("astronaut") for p in trashed)
    assert (library / "coffee.jpg").exists() and (library / "chelsea.jpg").exists()

    code, out, err = cli("duplicates", "--catalog", catalog, "--undo")
    assert code == 0, err
    assert (library / "astronaut.jpg").exists() and (library / "copy of astronaut.jpg").exists()
    assert (library / "astronaut_bright.png").exists()
    code, out, _ = cli("duplicates", "--catalog", catalog, "--undo")
    assert "Nothing to undo" in out
