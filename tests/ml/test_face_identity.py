"""dlib face descriptors on real faces: same person close, different people far, the quality
gate, the cap on crowded photos, and model files refused by checksum."""

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
def analyzer():
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.identified_faces import IdentifiedFaceAnalyzer

    analyzer = IdentifiedFaceAnalyzer(MtcnnFaceAnalyzer())
    analyzer.load(Runtime())
    return analyzer


def _photo(corpus_dir, name) -> Image.Image:
    from imgengine_gui.analysis.decode import decode_reduced

    folder = corpus_dir.parent / "faces-dev"
    if not folder.is_dir():
        pytest.skip(f"faces-dev corpus not found next to {corpus_dir}")
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


def test_a_corrupt_model_file_is_refused(tmp_path, monkeypatch, analyzer, corpus_dir):
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

    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.identified_faces import IdentifiedFaceAnalyzer

    runtime = Runtime()
    refused = IdentifiedFaceAnalyzer(MtcnnFaceAnalyzer())
    refused.load(runtime)
    assert any("not recognised" in note and "integrity" in note for note in runtime.notes)
    (result,) = refused.run([_photo(corpus_dir, DEV[0])])
    assert len(result["faces"]) == 1 and "identity" not in result  # found, not identified


def test_never_loads_the_68_point_predictor():
    import inspect

    assert "68" not in inspect.getsource(face_identity).replace("68-point", "")


def test_recognising_people_can_be_turned_off():
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.identified_faces import IdentifiedFaceAnalyzer
    from imgengine_gui.ml.registry import build_analyzer
    from imgengine_gui.settings import Settings

    assert isinstance(build_analyzer("faces", Settings()), IdentifiedFaceAnalyzer)
    plain = build_analyzer("faces", Settings(recognize_people=False))
    assert isinstance(plain, MtcnnFaceAnalyzer)
