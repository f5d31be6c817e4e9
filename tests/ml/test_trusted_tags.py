"""The offline tier's tags and faces on real photos that used to mislead (issue: flowers tagged
animal, a lamp with a face, the astronaut tagged snow). Photos as the pipeline decodes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imgengine_gui.analysis.decode import decode_reduced
from imgengine_gui.ml.base import Runtime

skimage_data = pytest.importorskip("skimage.data")

NEVER_ANIMALS = (
    "exif-samples/heic/IMG_5195.HEIC",  # phlox among leaves
    "exif-samples/jpg/Canon_PowerShot_S40.jpg",  # frangipani: ImageNet sees a mantis
    "exif-samples/jpg/Pentax_K10D.jpg",  # white rose
    "exif-samples/jpg/mobile/jolla.jpg",  # a leaf
    "exif-samples/heic/samplefilehub.heif",  # desert buttes
    "exif-samples/jpg/Reconyx_HC500_Hyperfire.jpg",  # snowy forest
    "exif-samples/jpg/gps/DSCN0010.jpg",  # hillside town: gazelle 0.28, dingo 0.17
    "exif-samples/jpg/xmp/BlueSquare.jpg",  # a blue rectangle
)


@pytest.fixture(scope="module")
def analyzers():
    import torch

    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    torch.set_num_threads(1)  # shared CI cores
    scenes, faces = MobileNetSceneAnalyzer(), MtcnnFaceAnalyzer()
    for analyzer in (scenes, faces):
        analyzer.load(Runtime())
    return scenes, faces


def _decoded(root: Path, key: str) -> Image.Image:
    return decode_reduced(root / key, 1024).image


def _plot() -> Image.Image:
    image = Image.new("RGB", (640, 480), "white")
    draw = ImageDraw.Draw(image)
    xs = np.linspace(0, 12, 120)
    draw.line([(40 + x * 48, 240 - 150 * np.sin(x)) for x in xs], fill=(31, 119, 180), width=3)
    draw.line([(40, 440), (620, 440)], fill="black", width=2)
    return image


def test_plants_landscapes_documents_plots_and_blanks_are_never_animals(analyzers, corpus_dir):
    scenes, _ = analyzers
    root = corpus_dir.parent
    images = [_decoded(root, key) for key in NEVER_ANIMALS if (root / key).is_file()]
    images += [Image.fromarray(skimage_data.page()).convert("RGB"), _plot(),
               Image.new("RGB", (640, 480), (30, 60, 220))]  # fmt: skip
    for result in scenes.run(images):
        assert not {"animal", "pet"} & {tag["label"] for tag in result["scenes"]}


def test_the_lamp_has_no_face_and_the_couple_two(analyzers, corpus_dir):
    _, faces = analyzers
    root = corpus_dir.parent
    keys = ("exif-samples/jpg/hdr/canon_hdr_YES.jpg", "faces-dev/two_people.jpg",
            "faces-dev/test__kit_with_rose.jpg")  # fmt: skip
    if not all((root / key).is_file() for key in keys):
        pytest.skip("corpus without faces-dev")
    lamp, couple, premiere = faces.run([_decoded(root, key) for key in keys])
    assert lamp == {"faces": [], "people": 0}
    assert couple["people"] == 2 and premiere["people"] == 2


def test_the_astronaut_is_a_portrait_not_snow_through_the_executor(analyzers):
    from imgengine_gui.ml.executor import DeviceExecutor

    collected: list = []
    executor = DeviceExecutor(list(analyzers), Runtime(), on_results=collected.extend).start()
    for name in ("astronaut", "chelsea"):
        executor.submit(name, Image.fromarray(getattr(skimage_data, name)()))
    executor.close()
    results = dict(collected)
    astronaut = [tag["label"] for tag in results["astronaut"]["scenes"]]
    assert astronaut[0] == "portrait" and "snow" not in astronaut
    assert "portrait" not in {tag["label"] for tag in results["chelsea"]["scenes"]}
