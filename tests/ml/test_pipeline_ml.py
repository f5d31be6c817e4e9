"""The whole pipeline with the ML phase, through the CLI: offline tier on real photos, full tier
with tiny random models saved as local folders (so loading, batching and storage all run)."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from imgengine_gui.cli.main import main
from imgengine_gui.ml.tags import TAGS
from imgengine_gui.settings import Settings


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def skimage_folder(tmp_path_factory):
    from skimage import data

    root = tmp_path_factory.mktemp("photos")
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        Image.fromarray(getattr(data, name)()).save(root / f"{name}.jpg", quality=92)
    return root


def _photos(capsys, catalog, *extra) -> dict[str, dict]:
    code, out, err = _run(capsys, "photos", "--catalog", catalog, "--json", *extra)
    assert code == 0, err
    return {p["path"].rsplit("/", 1)[-1]: p for p in json.loads(out)}


def test_offline_tier_finds_the_face_and_the_cat(skimage_folder, tmp_path, capsys):
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = _run(capsys, "analyze", skimage_folder, "--catalog", catalog, "--device", "cpu")
    assert code == 0, err
    assert "offline" in err  # the summary says which tier served
    photos = _photos(capsys, catalog)
    assert photos["astronaut.jpg"]["people"] >= 1
    face = photos["astronaut.jpg"]["faces"][0]["box"]
    assert 0.3 < (face[0] + face[2]) / 2 < 0.65 and (face[1] + face[3]) / 2 < 0.45
    assert photos["coffee.jpg"]["people"] == 0 and photos["coffee.jpg"]["faces"] == []
    cat_tags = {s["label"] for s in photos["chelsea.jpg"]["scenes"]}
    assert {"animal", "pet"} & cat_tags
    assert all(p["scenes"] for p in photos.values())

    with_people = _photos(capsys, catalog, "--people")
    without = _photos(capsys, catalog, "--no-people")
    assert "astronaut.jpg" in with_people and "coffee.jpg" in without
    assert set(with_people) | set(without) == set(photos)
    assert "chelsea.jpg" in _photos(capsys, catalog, "--scene", "animal")

    code, out, _ = _run(capsys, "search", "--catalog", catalog, "--similar",
                        skimage_folder / "chelsea.jpg", "--json")
    assert code == 0
    assert len(json.loads(out)) == 3
    code, _, err = _run(capsys, "search", "--catalog", catalog, "a cat")
    assert code == 1 and "CLIP" in err


def test_full_tier_from_local_folders(
    skimage_folder, tmp_path, capsys, tiny_clip_dir, tiny_rtdetr_dir, tiny_segformer_dir
):
    Settings(
        scenes_model=str(tiny_clip_dir),
        objects_model=str(tiny_rtdetr_dir),
        segmentation_model=str(tiny_segformer_dir),
        cutout_model="segformer",
        batch_size=3,
    ).save()
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = _run(capsys, "analyze", skimage_folder, "--catalog", catalog, "--device", "cpu")
    assert code == 0, err
    assert str(tiny_clip_dir) in err and str(tiny_rtdetr_dir) in err
    assert f"Model objects: {tiny_rtdetr_dir} (full) on cpu · eager · fp32" in err
    photos = _photos(capsys, catalog)
    assert len(photos) == 4
    for photo in photos.values():
        assert photo["error"] is None
        # a random tiny CLIP is never sure of a scene: below the calibrated thresholds
        assert photo["scenes"] is not None and {s["label"] for s in photo["scenes"]} <= set(TAGS)
        persons = [o for o in photo["objects"] if o["label"] == "person"]
        assert photo["people"] == len(persons)
        for obj in photo["objects"]:
            assert all(0.0 <= v <= 1.0 for v in obj["box"])
    with_person = _photos(capsys, catalog, "--object", "person")
    assert set(with_person) == {n for n, p in photos.items() if p["people"]}

    code, out, err = _run(capsys, "search", "--catalog", catalog, "a photo of a cat", "--json")
    assert code == 0, err
    hits = json.loads(out)
    assert len(hits) == 4 and hits[0]["score"] >= hits[-1]["score"]

    out_png = tmp_path / "cut.png"
    code, out, err = _run(capsys, "cutout", skimage_folder / "astronaut.jpg", "-o", out_png,
                          "--catalog", catalog)
    assert code == 0, err
    assert f"SegFormer ({tiny_segformer_dir}) · cpu · eager · fp32" in out
    with Image.open(out_png) as cut:
        assert cut.mode == "RGBA"


def test_cli_cutout_is_u2netp_by_default_with_a_soft_alpha_at_full_size(skimage_folder, tmp_path, capsys):
    import numpy as np

    out_png = tmp_path / "astronaut-cut.png"
    code, out, err = _run(capsys, "cutout", skimage_folder / "astronaut.jpg", "-o", out_png)
    assert code == 0, err
    assert "U²-Net-p (u2netp) · cpu · onnxruntime/CPUExecutionProvider · fp32" in out
    with Image.open(out_png) as cut:
        assert cut.mode == "RGBA" and cut.size == (512, 512)
        alpha = np.asarray(cut)[..., 3] / 255
    assert ((alpha > 0.04) & (alpha < 0.96)).mean() > 0.01  # soft, not a binary cut
    assert alpha[64:170, 185:275].mean() > 0.9  # face
    assert alpha[185:255, 155:285].mean() > 0.9  # collar
    assert alpha[:50, :50].mean() < 0.05 and alpha[:50, -50:].mean() < 0.05  # background corners


def test_cli_models_reports_what_serves_each_task(capsys):
    code, out, err = _run(capsys, "models", "--device", "cpu")
    assert code == 0, err
    assert "scenes: offline MobileNetV2 (offline tier)" in out
    assert "  served by:  cpu · eager · fp32" in out
    assert "segmentation: offline U²-Net-p (offline tier)" in out
    assert "  served by:  U²-Net-p (u2netp) · cpu · onnxruntime/CPUExecutionProvider · fp32" in out
    assert "face_descriptors: dlib-resnet-v1 (offline tier)" in out
    assert "  served by:  cpu · dlib · fp32" in out
    assert "  get it:     imgengine models download scenes" in out  # no CLIP in the cache here
    assert "\nmetadata: exiv2 " in out and "  second pass: " in out

    code, out, err = _run(capsys, "models", "--no-load", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == {"models", "metadata", "notes"}
    rows = {row["task"]: row for row in report["models"]}
    assert set(rows) == {"scenes", "objects", "faces", "segmentation"}  # nothing loaded
    assert rows["scenes"]["hub_id"] == "openai/clip-vit-base-patch32" and rows["scenes"]["served"] is None
    assert report["metadata"]["serving"].startswith("exiv2 ")
