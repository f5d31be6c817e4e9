"""dlib's ResNet in its child process: the same descriptors as in this process, bit for bit,
on corpus faces and through the executor; a child that dies is replaced; one that cannot load
the model says why, and the describer then keeps the ResNet in this process with a note."""

from __future__ import annotations

import numpy as np
import pytest

from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.offline import dlib_process, face_identity
from imgengine_gui.ml.offline.dlib_process import DescriptorProcess

FACES = ("train__obama__obama.jpg", "two_people.jpg", "train__biden__biden2.jpg",
         "test__kit_with_rose.jpg", "train__rose_leslie__img1.jpg")  # fmt: skip


@pytest.fixture(scope="module")
def resnet_path() -> str:
    try:
        return face_identity.verified_path(face_identity.RESNET)
    except Exception as error:  # the model package is not installed here
        pytest.skip(f"dlib's models are not available: {error}")


@pytest.fixture(scope="module")
def corpus_photos(corpus_dir):
    from imgengine_gui.analysis.decode import decode_reduced

    folder = corpus_dir.parent / "faces-dev"
    if not folder.is_dir():
        pytest.skip(f"photo corpus not found: no faces-dev next to {corpus_dir}")
    return [decode_reduced(folder / name, 1024).image for name in FACES]


def _chips(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, (150, 150, 3), dtype=np.uint8) for _ in range(count)]


def test_the_child_computes_what_dlib_computes_here_and_is_replaced_when_it_dies(resnet_path):
    import dlib

    chips = _chips(3)
    here = np.asarray(dlib.face_recognition_model_v1(resnet_path).compute_face_descriptor(chips))
    process = DescriptorProcess(resnet_path).start()
    try:
        assert np.array_equal(process(chips), here.astype(np.float32))
        process._child.kill()  # a crash between batches
        process._child.wait()
        assert np.array_equal(process(chips[:1]), here[:1].astype(np.float32))
    finally:
        process.close()
    assert process._child is None


def test_a_child_that_cannot_load_the_model_says_why(tmp_path, resnet_path):
    wrong = tmp_path / "resnet.dat"
    wrong.write_bytes(b"not a model")
    with pytest.raises(RuntimeError, match="integrity"):
        DescriptorProcess(str(wrong)).start()


def test_descriptors_through_the_executor_match_the_serial_in_process_path(
    corpus_photos, monkeypatch
):
    """The whole run's path (detector on the device thread, descriptors on the CPU worker and
    the child) against the old one (both in this process, one after the other): same vectors."""
    from imgengine_gui.ml.executor import DeviceExecutor
    from imgengine_gui.ml.offline.face_descriptors import FaceDescriptorAnalyzer
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

    faces, beside = MtcnnFaceAnalyzer(), FaceDescriptorAnalyzer()
    results: list = []
    executor = DeviceExecutor(
        [faces, beside], Runtime(), batch_size=2, on_results=results.extend
    ).start()
    for number, image in enumerate(corpus_photos):
        executor.submit(number, image)
    executor.close(timeout=180)
    assert isinstance(beside.describer.sessions["descriptors"].function, DescriptorProcess)
    assert beside.describer.sessions["descriptors"].function._child is None  # released
    assert [key for key, _ in results] == list(range(len(FACES)))

    monkeypatch.setattr(dlib_process, "available", lambda: False)
    serial = FaceDescriptorAnalyzer()
    serial.load(Runtime())
    assert not isinstance(serial.describer.sessions["descriptors"].function, DescriptorProcess)
    found = faces.run(corpus_photos)
    expected = serial.run(corpus_photos, found)
    described = 0
    for (_, got), want in zip(results, expected, strict=True):
        assert len(got["faces"]) == len(want["faces"])
        for face, reference in zip(got["faces"], want["faces"], strict=True):
            assert face["box"] == reference["box"]
            if reference["descriptor"] is None:
                assert face["descriptor"] is None
            else:
                assert np.array_equal(face["descriptor"], reference["descriptor"])
                described += 1
    assert described >= len(FACES)  # two_people.jpg has two


def test_a_describer_whose_child_cannot_start_keeps_the_resnet_here(monkeypatch, resnet_path):
    def refuse(self):
        raise RuntimeError("dlib descriptor process: no interpreter")

    monkeypatch.setattr(DescriptorProcess, "start", refuse)
    runtime = Runtime()
    describer = face_identity.FaceDescriber()
    describer.load(runtime, name="face_descriptors")
    assert any("descriptors in this process" in note for note in runtime.notes)
    image = np.random.default_rng(3).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    ((quality, vector),) = describer.describe([image], [[[0.2, 0.2, 0.8, 0.8]]])[0]
    assert quality.identifiable and vector is not None and vector.shape == (128,)
