"""dlib face descriptors on real faces: same person close, different people far, the quality
gate, the cap on crowded photos, model files refused by checksum, and the descriptor step after
the detector (only the faces its filter kept, served by dlib, outside the ML phase's version)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgengine_gui.ml import weights
from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.offline import face_identity
from imgengine_gui.ml.offline.face_identity import FaceDescriber

DEV = ("train__obama__obama.jpg", "test__obama1.jpg", "train__biden__biden2.jpg")


@pytest.fixture(scope="module")
def pair():
    """The face detector and the descriptor step after it, loaded as a run loads them."""
    from imgengine_gui.ml.offline.face_descriptors import FaceDescriptorAnalyzer
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

    faces, descriptors = MtcnnFaceAnalyzer(), FaceDescriptorAnalyzer()
    faces.load(Runtime())
    descriptors.load(Runtime())
    return faces, descriptors


@pytest.fixture(scope="module")
def analyzer(pair):
    """Detect, then describe what was found (``found[i]``), merged as the executor merges."""
    faces, descriptors = pair

    class Both:
        def run(self, images):
            found = faces.run(images)
            described = descriptors.run(images, found)
            return [{**f, **d} for f, d in zip(found, described, strict=True)]

    return Both()


def _photo(corpus_dir, name) -> Image.Image:
    from imgengine_gui.analysis.decode import decode_reduced

    folder = corpus_dir.parent / "faces-dev"
    if not folder.is_dir():
        pytest.skip(f"photo corpus not found: no faces-dev next to {corpus_dir}")
    return decode_reduced(folder / name, 1024).image


def test_same_person_close_different_people_far(analyzer, corpus_dir):
    results = analyzer.run([_photo(corpus_dir, name) for name in DEV])
    vectors = []
    for result in results:
        (face,) = result["faces"]
        assert face["quality"].identifiable and result["identity"] == face_identity.IDENTITY_VERSION
        assert face["descriptor"].dtype == np.float32 and face["descriptor"].shape == (128,)
        vectors.append(face["descriptor"])
    obama, obama_again, biden = vectors
    assert np.linalg.norm(obama - obama_again) < 0.6
    assert np.linalg.norm(obama - biden) > 0.6


def test_small_or_blurred_faces_get_no_identity(analyzer, corpus_dir):
    from PIL import ImageFilter

    image = _photo(corpus_dir, DEV[0])
    tiny = image.resize((image.width // 8, image.height // 8))  # the face ~30 px
    blurred = image.filter(ImageFilter.GaussianBlur(8))
    for result in analyzer.run([tiny, blurred]):
        assert result["faces"], "the detector still finds the face"
        assert all(f["descriptor"] is None and not f["quality"].identifiable for f in result["faces"])


def test_a_crowd_is_capped_and_says_so(monkeypatch, corpus_dir):
    monkeypatch.setattr(face_identity, "MAX_DESCRIBED", 2)
    describer = FaceDescriber()
    describer.load()
    image = np.asarray(_photo(corpus_dir, DEV[0]))
    boxes = [[0.3, 0.1, 0.7, 0.4], [0.35, 0.12, 0.68, 0.38], [0.0, 0.0, 0.05, 0.05]]
    (faces,) = describer.describe([image], [boxes])
    assert [vector is not None for _, vector in faces] == [True, True, False]
    assert "only the 2 largest" in face_identity.capped_note(len(boxes))
    assert face_identity.capped_note(2) is None


def test_a_corrupt_model_file_is_refused(tmp_path, monkeypatch, corpus_dir):
    real = weights.locate(face_identity.RESNET)
    broken = tmp_path / real.name
    data = bytearray(real.read_bytes())
    data[len(data) // 2] ^= 0xFF
    broken.write_bytes(bytes(data))
    monkeypatch.setattr(
        face_identity, "locate", lambda w: broken if w is face_identity.RESNET else weights.locate(w)
    )
    with pytest.raises(ModelUnavailable, match="integrity"):
        FaceDescriber().load()

    from imgengine_gui.ml.executor import DeviceExecutor
    from imgengine_gui.ml.offline.face_descriptors import FaceDescriptorAnalyzer
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

    results: list = []
    executor = DeviceExecutor(
        [MtcnnFaceAnalyzer(), FaceDescriptorAnalyzer()], Runtime(), on_results=results.extend
    ).start()
    executor.submit("obama", _photo(corpus_dir, DEV[0]))
    executor.close(timeout=120)
    assert [row["name"] for row in executor.loaded] == ["faces"]
    assert any("not recognised" in note and "integrity" in note for note in executor.notes)
    ((_, result),) = results
    assert len(result["faces"]) == 1 and "identity" not in result  # found, not identified


def test_never_loads_the_68_point_predictor():
    import inspect

    assert "68" not in inspect.getsource(face_identity).replace("68-point", "")


def test_recognising_people_can_be_turned_off():
    from imgengine_gui.ml.registry import choose_analyzers
    from imgengine_gui.settings import Settings

    names = [a.name for a in choose_analyzers(Settings())[0]]
    assert names[names.index("faces") + 1] == "face_descriptors"  # right after, needing faces
    assert "face_descriptors" not in [
        a.name for a in choose_analyzers(Settings(recognize_people=False))[0]
    ]


def test_descriptors_see_only_the_faces_the_filter_kept(pair, corpus_dir, monkeypatch):
    """Through the executor: the detector's calibrated filter runs before any descriptor."""
    from imgengine_gui.ml.executor import DeviceExecutor
    from imgengine_gui.ml.offline import face_filter

    faces, descriptors = pair
    described: list[int] = []
    real = descriptors.describer.describe

    def spy(images, boxes):
        described.extend(len(photo_boxes) for photo_boxes in boxes)
        return real(images, boxes)

    monkeypatch.setattr(descriptors.describer, "describe", spy)
    photos = [_photo(corpus_dir, name) for name in DEV]

    def run() -> list[dict]:
        results: list = []
        executor = DeviceExecutor([faces, descriptors], Runtime(), on_results=results.extend)
        executor.start()
        for number, image in enumerate(photos):
            executor.submit(number, image)
        executor.close(timeout=120)
        return [result for _, result in sorted(results, key=lambda item: item[0])]

    kept = run()
    assert described == [1, 1, 1]
    assert all(r["identity"] == face_identity.IDENTITY_VERSION for r in kept)
    assert [len(r["faces"]) for r in kept] == [1, 1, 1] and all(
        f["descriptor"] is not None and f["box"] for r in kept for f in r["faces"]
    )
    assert kept[0]["people"] == 1

    described.clear()
    strict = face_filter.FaceRules(min_score=1.01)  # no detection passes
    monkeypatch.setattr(face_filter, "calibrated_rules", lambda: strict)
    refused = run()
    assert described == [0, 0, 0]  # nothing described that the filter dropped
    assert [r["faces"] for r in refused] == [[], [], []]
    assert all(r["people"] == 0 and r["identity"] for r in refused)


def test_a_photo_whose_detector_failed_keeps_its_faces_unknown(pair):
    """No "faces" from the detector: the descriptor step adds nothing (no empty faces list)."""
    _, descriptors = pair
    image = Image.new("RGB", (64, 48))
    assert descriptors.run([image, image], [{}, {"faces": []}]) == [
        {},
        {"faces": [], "identity": face_identity.IDENTITY_VERSION},
    ]


def test_descriptors_are_served_by_dlib_and_left_out_of_the_ml_version(pair):
    from imgengine_gui.ml.model_versions import serving_keys

    faces, descriptors = pair
    assert descriptors.served.text == "cpu · dlib · fp32"
    assert serving_keys([faces, descriptors]) == serving_keys([faces])
