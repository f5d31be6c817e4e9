"""Full tier (CLIP, RT-DETR/DETR, SegFormer) on tiny random models saved like real downloads."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from imgengine_gui.ml.base import Analyzer, Runtime
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.full.clip import ClipSceneAnalyzer
from imgengine_gui.ml.full.detection import DetectionAnalyzer
from imgengine_gui.ml.full.segmentation import (
    SegformerSegmenter,
    subject_label_ids,
)
from imgengine_gui.ml.runtime import hf
from imgengine_gui.ml.tags import TAGS

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    from skimage import data

    images = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket(), data.camera()]
    photos = []
    for array in images:
        image = Image.fromarray(array).convert("RGB")
        image.thumbnail((160, 160))
        photos.append(image)
    return photos


@pytest.fixture(scope="module")
def clip(tiny_clip_dir) -> ClipSceneAnalyzer:
    analyzer = ClipSceneAnalyzer(str(tiny_clip_dir), threshold=0.0, max_scenes=len(TAGS))
    analyzer.load(Runtime())
    return analyzer


@pytest.fixture
def empty_hf_cache(tmp_path, monkeypatch) -> Path:
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


def _fake_hf_cache(cache: Path, model_id: str, model_dir: Path) -> Path:
    """The layout `hf download` leaves: refs/main names a snapshot folder of the files."""
    repo = cache / ("models--" + model_id.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    shutil.copytree(model_dir, snapshot)
    return snapshot


# --- finding models --------------------------------------------------------------------------


def test_locate_model_accepts_a_local_folder(tiny_clip_dir):
    assert hf.locate_model(str(tiny_clip_dir)) == tiny_clip_dir


def test_locate_model_finds_the_hf_cache_snapshot(empty_hf_cache, tiny_clip_dir):
    snapshot = _fake_hf_cache(empty_hf_cache, "tiny-org/tiny-clip", tiny_clip_dir)
    assert hf.locate_model("tiny-org/tiny-clip") == snapshot
    analyzer = ClipSceneAnalyzer("tiny-org/tiny-clip", threshold=0.0)
    analyzer.load(Runtime())
    assert analyzer.run([Image.new("RGB", (80, 60), "teal")])[0]["scenes"]


@pytest.mark.parametrize("make", [ClipSceneAnalyzer, DetectionAnalyzer, SegformerSegmenter])
def test_missing_model_says_where_it_looked(empty_hf_cache, make):
    with pytest.raises(ModelUnavailable) as caught:
        make("nobody/no-such-model").load(Runtime())
    message = str(caught.value)
    assert "nobody/no-such-model" in message
    assert str(empty_hf_cache / "models--nobody--no-such-model") in message


def test_missing_folder_names_the_folder(tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    with pytest.raises(ModelUnavailable, match="config.json") as caught:
        ClipSceneAnalyzer(str(folder)).load(Runtime())
    assert str(folder) in str(caught.value)
    assert hf.locate_model(str(folder)) is None


def test_hub_is_never_contacted_even_when_online_mode_is_on(
    monkeypatch, empty_hf_cache, tiny_clip_dir, tiny_rtdetr_dir, tiny_segformer_dir
):
    from huggingface_hub import constants

    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network use in a test")

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ClipSceneAnalyzer(str(tiny_clip_dir)).load(Runtime())
    DetectionAnalyzer(str(tiny_rtdetr_dir)).load(Runtime())
    SegformerSegmenter(str(tiny_segformer_dir)).load(Runtime())
    with pytest.raises(ModelUnavailable):
        ClipSceneAnalyzer("openai/clip-vit-base-patch32").load(Runtime())
    assert attempts == []


# --- CLIP scenes and embeddings ----------------------------------------------------------------


def test_clip_follows_the_analyzer_protocol(clip):
    assert isinstance(clip, Analyzer)
    assert (clip.name, clip.tier, clip.stores) == ("scenes", "full", ("scenes", "embedding"))


def test_clip_scenes_come_from_the_tag_vocabulary_best_first(clip, photos):
    for result in clip.run(photos):
        labels = [scene["label"] for scene in result["scenes"]]
        scores = [scene["score"] for scene in result["scenes"]]
        assert labels and set(labels) <= set(TAGS)
        assert len(set(labels)) == len(labels)
        assert scores == sorted(scores, reverse=True)
        assert min(scores) >= 0.0 and max(scores) <= 1.0
        # every tag kept but portrait, which comes from the face boxes (ml/photo_tags.py)
        assert len(labels) == len(TAGS) - 1 and "portrait" not in labels
        assert sum(scores) < 1.0 + 1e-3


def test_clip_threshold_keeps_only_confident_scenes(tiny_clip_dir, photos):
    analyzer = ClipSceneAnalyzer(str(tiny_clip_dir), threshold=0.08, max_scenes=3)
    analyzer.load(Runtime())
    for result in analyzer.run(photos):
        assert len(result["scenes"]) <= 3
        assert all(scene["score"] >= 0.08 for scene in result["scenes"])


def test_clip_embeddings_are_unit_float32_and_batch_independent(clip, photos):
    batched = clip.run(photos)
    one_by_one = [clip.run([photo])[0] for photo in photos]
    for together, alone in zip(batched, one_by_one, strict=True):
        vector = together["embedding"]
        assert vector.dtype == np.float32 and vector.ndim == 1
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
        np.testing.assert_allclose(vector, alone["embedding"], atol=1e-4)
        assert [s["label"] for s in together["scenes"][:3]] == [
            s["label"] for s in alone["scenes"][:3]
        ]
    assert not np.allclose(batched[0]["embedding"], batched[1]["embedding"], atol=1e-3)


def test_encode_text_gives_unit_vectors_in_the_image_space(clip, photos):
    texts = ["a photo of a beach", "a dog on the grass", "snowy mountains at sunset"]
    vectors = clip.encode_text(texts)
    image_dim = clip.run(photos[:1])[0]["embedding"].shape[0]
    assert vectors.shape == (3, image_dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(vectors[0], vectors[1], atol=1e-3)
    np.testing.assert_allclose(clip.encode_text(texts[1:2])[0], vectors[1], atol=1e-4)
    assert clip.encode_text([]).shape == (0, image_dim)


def test_clip_bf16_autocast_stays_close_to_fp32(tiny_clip_dir, clip, photos):
    from imgengine_gui.ml.runtime.probes import cpu_supports_bf16

    if not cpu_supports_bf16():
        pytest.skip("this CPU has no native bf16")
    low = ClipSceneAnalyzer(str(tiny_clip_dir), threshold=0.0)
    low.load(Runtime(precision="bf16"))
    reference = np.stack([r["embedding"] for r in clip.run(photos)])
    reduced = np.stack([r["embedding"] for r in low.run(photos)])
    assert reduced.dtype == np.float32
    assert np.min(np.sum(reference * reduced, axis=1)) > 0.98


def test_clip_int8_calibrates_its_linear_layers_on_photos_and_says_how_it_agreed(
    tiny_clip_dir, clip, photos
):
    runtime = Runtime(precision="int8")
    low = ClipSceneAnalyzer(str(tiny_clip_dir), threshold=0.0)
    low.load(runtime)
    assert low.served.precision == "fp32"  # until calibrated
    low.calibrate(photos)
    (note,) = [n for n in runtime.notes if "int8" in n]
    assert note.startswith("scenes: int8 ") and "agreement" in note
    if "accepted" in note:
        assert low.sessions["image"].served.precision == "int8"
        reference = np.stack([r["embedding"] for r in clip.run(photos)])
        reduced = np.stack([r["embedding"] for r in low.run(photos)])
        assert np.min(np.sum(reference * reduced, axis=1)) > 0.99


# --- objects and people --------------------------------------------------------------------------


@pytest.fixture(params=["rtdetr", "detr"], scope="module")
def detector(request) -> DetectionAnalyzer:
    folder = request.getfixturevalue(f"tiny_{request.param}_dir")
    analyzer = DetectionAnalyzer(str(folder), threshold=0.3)
    analyzer.load(Runtime())
    return analyzer


def test_detector_follows_the_analyzer_protocol(detector):
    assert isinstance(detector, Analyzer)
    assert (detector.name, detector.tier, detector.stores) == (
        "objects",
        "full",
        ("objects", "people"),
    )


def test_detections_are_normalised_labelled_and_count_people(detector, photos, detection_labels):
    results = detector.run(photos)
    assert len(results) == len(photos)
    for result in results:
        scores = [item["score"] for item in result["objects"]]
        assert scores == sorted(scores, reverse=True)
        assert all(score >= detector.threshold for score in scores)
        for item in result["objects"]:
            assert item["label"] in detection_labels
            x0, y0, x1, y1 = item["box"]
            assert 0.0 <= x0 <= x1 <= 1.0 and 0.0 <= y0 <= y1 <= 1.0
        assert result["people"] == sum(item["label"] == "person" for item in result["objects"])
    assert sum(result["people"] for result in results) > 0


def test_detections_do_not_depend_on_the_batch(detector, photos):
    same_size = [photo.resize((160, 120)) for photo in photos]
    batched = detector.run(same_size)
    for photo, together in zip(same_size, batched, strict=True):
        alone = detector.run([photo])[0]
        assert alone["people"] == together["people"]
        assert [o["label"] for o in alone["objects"]] == [o["label"] for o in together["objects"]]
        for a, b in zip(alone["objects"], together["objects"], strict=True):
            assert a["score"] == pytest.approx(b["score"], abs=1e-4)
            np.testing.assert_allclose(a["box"], b["box"], atol=1e-4)


def test_higher_threshold_keeps_a_subset(tiny_rtdetr_dir, photos):
    loose = DetectionAnalyzer(str(tiny_rtdetr_dir), threshold=0.2)
    strict = DetectionAnalyzer(str(tiny_rtdetr_dir), threshold=0.6)
    for analyzer in (loose, strict):
        analyzer.load(Runtime())
    for few, many in zip(strict.run(photos), loose.run(photos), strict=True):
        assert len(few["objects"]) <= len(many["objects"])
        assert few["people"] <= many["people"]


# --- segmentation ---------------------------------------------------------------------------------


def test_subject_classes_are_things_not_stuff():
    ade = {
        0: "wall", 1: "building;edifice", 2: "sky", 3: "floor;flooring", 6: "road;route",
        9: "grass", 12: "person;individual;someone;somebody;mortal;soul",
        20: "car;auto;automobile;machine;motorcar", 78: "arcade machine",
        126: "animal;animate;being;beast;brute;creature;fauna", 127: "bicycle",
    }  # fmt: skip
    assert subject_label_ids(ade) == [12, 20, 126, 127]


def test_subject_mask_has_the_image_shape_and_range(tiny_segformer_dir):
    segmenter = SegformerSegmenter(str(tiny_segformer_dir))
    segmenter.load(Runtime())
    assert [label.split(";")[0] for label in segmenter.subject_labels] == [
        "person",
        "car",
        "animal",
    ]
    image = Image.fromarray(
        np.random.default_rng(1).integers(0, 255, (210, 333, 3), dtype=np.uint8)
    )
    mask = segmenter.subject_mask(image)
    assert mask.shape == (210, 333) and mask.dtype == np.float32
    assert mask.min() >= 0.0 and mask.max() <= 1.0
