"""The upgrade path end to end, through the CLI: analyze with the offline tier, download full-tier
models from the test hub, analyze again. Only the changed ML tasks re-run (one decode per photo,
no metadata read, no thumbnail), and their old results are replaced, not mixed."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from PIL import Image

from imgengine_gui.cli.main import main
from imgengine_gui.settings import Settings

MOBILENET = "torchvision/mobilenet_v2-imagenet"


@pytest.fixture
def photos(tmp_path):
    from skimage import data

    root = tmp_path / "photos"
    root.mkdir()
    for name in ("astronaut", "chelsea"):
        Image.fromarray(getattr(data, name)()).save(root / f"{name}.jpg", quality=90)
    return root


@pytest.fixture
def counted(monkeypatch):
    """How often the pipeline decoded, read metadata, built thumbnails, and ran each task."""
    from imgengine_gui.analysis import content, decode, metadata
    from imgengine_gui.ml.full.clip import ClipSceneAnalyzer
    from imgengine_gui.ml.full.detection import DetectionAnalyzer
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    calls: Counter[str] = Counter()

    def counting(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            images = args[1] if label.startswith("run:") else None
            calls[label] += len(images) if images is not None else 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    counting(decode, "decode_reduced", "decode")
    counting(metadata, "read_metadata", "metadata")
    counting(content, "analyze_content", "content")
    for cls in (MobileNetSceneAnalyzer, ClipSceneAnalyzer, MtcnnFaceAnalyzer, DetectionAnalyzer):
        counting(cls, "run", f"run:{cls.__name__}")
    return calls


def _analyze(folder, catalog) -> None:
    assert main(["analyze", str(folder), "--catalog", str(catalog), "--device", "cpu"]) == 0


def _rows(catalog, sql):
    with sqlite3.connect(catalog) as conn:
        return conn.execute(sql).fetchall()


def test_a_download_re_runs_only_its_task_and_replaces_its_tags(
    hf_cache, photos, tmp_path, counted, capsys
):
    catalog = tmp_path / "catalog.sqlite"
    _analyze(photos, catalog)
    assert counted["decode"] == 2 and counted["metadata"] == 2 and counted["content"] == 2
    assert counted["run:MobileNetSceneAnalyzer"] == 2 and counted["run:MtcnnFaceAnalyzer"] == 2
    scene_models = _rows(catalog, "SELECT DISTINCT model_id FROM tags WHERE kind = 'scene'")
    assert set(scene_models) == {(MOBILENET,), ("mtcnn",)}  # the portrait comes from the faces
    portraits = _rows(catalog, "SELECT photo_id, score FROM tags WHERE label = 'portrait'")
    assert len(portraits) == 1  # the astronaut
    faces_before = _rows(catalog, "SELECT photo_id, model, updated_at FROM ml_tasks"
                                  " WHERE task = 'faces' ORDER BY photo_id")
    assert _rows(catalog, "SELECT DISTINCT model FROM ml_tasks WHERE task = 'objects'") == [
        ("none",)
    ]

    assert main(["models", "download", "scenes", "--quiet"]) == 0
    assert main(["models", "download", "objects", "--quiet"]) == 0
    capsys.readouterr()
    counted.clear()
    _analyze(photos, catalog)
    # one small decode per photo for the ML alone: no metadata, no thumbnail
    assert counted["decode"] == 2 and counted["metadata"] == 0 and counted["content"] == 0
    # the CLIP scenes and the detector ran; the face detector, whose model did not change, not
    assert counted["run:ClipSceneAnalyzer"] == 2 and counted["run:DetectionAnalyzer"] == 2
    assert counted["run:MtcnnFaceAnalyzer"] == 0 and counted["run:MobileNetSceneAnalyzer"] == 0
    defaults = Settings()
    assert _rows(catalog, "SELECT DISTINCT model_id FROM embeddings") == [(defaults.scenes_model,)]
    assert (MOBILENET,) not in _rows(catalog, "SELECT DISTINCT model_id FROM tags")
    assert _rows(catalog, "SELECT photo_id, score FROM tags WHERE label = 'portrait'") == portraits
    object_models = _rows(catalog, "SELECT DISTINCT model_id FROM tags WHERE kind = 'object'")
    assert object_models in ([], [(defaults.objects_model,)])
    keys = dict(_rows(catalog, "SELECT DISTINCT task, model FROM ml_tasks WHERE task != 'faces'"))
    assert keys["scenes"].startswith(f"1:{defaults.scenes_model}@")
    assert keys["objects"].startswith(f"1:{defaults.objects_model}@")
    assert _rows(catalog, "SELECT photo_id, model, updated_at FROM ml_tasks"
                          " WHERE task = 'faces' ORDER BY photo_id") == faces_before

    counted.clear()
    _analyze(photos, catalog)  # nothing changed: nothing is due
    assert sum(counted.values()) == 0

    assert main(["models", "remove", "objects"]) == 0
    _analyze(photos, catalog)  # no model serves objects now: its results go, with no decode
    assert sum(counted.values()) == 0
    assert _rows(catalog, "SELECT COUNT(*) FROM tags WHERE kind = 'object'") == [(0,)]
    assert _rows(catalog, "SELECT DISTINCT model FROM ml_tasks WHERE task = 'objects'") == [
        ("none",)
    ]

    counted.clear()  # a redo of one ML task: one decode per photo, that analyzer alone
    args = ["analyze", str(photos), "--catalog", str(catalog), "--device", "cpu", "--quiet"]
    assert main([*args, "--redo", "faces"]) == 0
    assert counted["decode"] == 2 and counted["run:MtcnnFaceAnalyzer"] == 2
    assert counted["metadata"] == counted["content"] == counted["run:ClipSceneAnalyzer"] == 0
