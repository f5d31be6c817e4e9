"""TensorRT engines accept every batch the executor feeds, at every real call site.

A fake ``torch_tensorrt`` builds "engines" that refuse any input outside the profile they were
built for, as TensorRT does; every analyzer then runs through the DeviceExecutor at a batch size
from settings, with a full batch and a partial one.
"""

from __future__ import annotations

import sys

import pytest
import torch
from PIL import Image

from imgengine_gui.ml.executor import DeviceExecutor
from imgengine_gui.ml.runtime import Runtime, prepare, probes

pytestmark = pytest.mark.tensorrt
BATCH = 5  # from settings; neither 1 nor any analyzer's own default


class ShapeCheckedEngine:
    """Runs the module only for inputs inside the profile, like a TensorRT engine."""

    def __init__(self, module, inputs) -> None:
        self.module = module
        self.inputs = inputs
        self.seen: list[tuple[int, ...]] = []

    def __call__(self, *tensors):
        if len(tensors) != len(self.inputs):
            raise RuntimeError(f"engine built for {len(self.inputs)} inputs, got {len(tensors)}")
        for tensor, spec in zip(tensors, self.inputs, strict=True):
            shape = tuple(tensor.shape)
            inside = len(shape) == len(spec.min_shape) and all(
                low <= size <= high
                for low, size, high in zip(spec.min_shape, shape, spec.max_shape, strict=True)
            )
            if not inside:
                raise RuntimeError(
                    f"shape {shape} is outside the engine's profile "
                    f"{spec.min_shape}..{spec.max_shape}"
                )
            self.seen.append(shape)
        return self.module(*tensors)


class FakeTorchTensorRT:
    __version__ = "0.0-fake"

    def __init__(self) -> None:
        self.engines: list[ShapeCheckedEngine] = []
        self.saved: dict[str, ShapeCheckedEngine] = {}

    class Input:
        def __init__(self, min_shape, opt_shape, max_shape, dtype) -> None:
            self.min_shape, self.opt_shape, self.max_shape = min_shape, opt_shape, max_shape
            assert all(a <= b <= c for a, b, c in zip(min_shape, opt_shape, max_shape, strict=True))

    def compile(self, module, ir, inputs, enabled_precisions):
        assert ir == "dynamo"
        engine = ShapeCheckedEngine(module, inputs)
        self.engines.append(engine)
        return engine

    def save(self, engine, path, arg_inputs):
        assert all(isinstance(spec, self.Input) for spec in arg_inputs)
        with open(path, "wb") as handle:
            handle.write(b"engine")
        self.saved[path] = engine

    def load(self, path):
        engine = self.saved[path + ".partial"]  # saved there, then renamed

        class Program:
            def module(self):
                return engine

        return Program()


@pytest.fixture
def fake_tensorrt(monkeypatch):
    fake = FakeTorchTensorRT()
    monkeypatch.setitem(sys.modules, "torch_tensorrt", fake)
    monkeypatch.setattr(probes, "tensorrt_missing_reason", lambda device: None)
    return fake


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    from skimage import data

    names = ("astronaut", "chelsea", "coffee", "rocket", "astronaut", "coffee", "chelsea")
    images = [Image.fromarray(getattr(data, name)()).convert("RGB") for name in names]
    images[4] = images[4].crop((0, 0, 512, 300))  # other shapes: pads and pyramids differ
    images[5] = images[5].resize((300, 500))
    return images


def _analyzer(kind: str, request):
    if kind == "mobilenet":
        from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

        return MobileNetSceneAnalyzer()
    if kind == "mtcnn":
        from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

        return MtcnnFaceAnalyzer()
    if kind == "clip":
        from imgengine_gui.ml.full.clip import ClipSceneAnalyzer

        return ClipSceneAnalyzer(str(request.getfixturevalue("tiny_clip_dir")))
    from imgengine_gui.ml.full.detection import DetectionAnalyzer

    return DetectionAnalyzer(str(request.getfixturevalue(f"tiny_{kind}_dir")), threshold=0.3)


@pytest.mark.parametrize("kind", ["mobilenet", "mtcnn", "clip", "rtdetr", "detr"])
def test_engines_serve_full_and_partial_batches_from_settings(kind, fake_tensorrt, photos, request):
    analyzer = _analyzer(kind, request)
    runtime = Runtime(backend="tensorrt", max_batch=1)  # the executor must widen it
    results, errors = [], []
    executor = DeviceExecutor(
        [analyzer], runtime, batch_size=BATCH, on_results=results.extend,
        on_error=lambda key, name, message: errors.append(message), linger_s=5.0,
    )  # fmt: skip
    executor.start()
    for index, photo in enumerate(photos):  # a batch of 5, then one of 2
        executor.submit(index, photo)
    executor.close()
    assert errors == []
    assert len(results) == len(photos) and executor.analyzers == [analyzer]
    assert fake_tensorrt.engines, "no engine was built"
    text = {"text"} if kind == "clip" else set()  # CLIP's text tower is eager by design
    backends = {role: s.served.backend for role, s in analyzer.sessions.items()}
    assert backends == {role: "eager" if role in text else "tensorrt" for role in backends}
    assert all(note.startswith("scenes text: eager (") for note in runtime.notes)
    main = fake_tensorrt.engines[0]
    assert all(spec.min_shape[0] == 1 and spec.max_shape[0] >= BATCH for spec in main.inputs)
    if kind == "mtcnn":  # photos of different sizes run apart; R-Net sees every candidate
        rnet = fake_tensorrt.engines[1]
        assert rnet.inputs[0].max_shape[0] == BATCH * 400
        assert max(shape[0] for shape in rnet.seen) > BATCH
    else:
        assert {shape[0] for shape in main.seen} >= {BATCH, len(photos) - BATCH}


def test_an_engine_built_for_batch_one_refuses_the_executors_batches(fake_tensorrt):
    """What the fake guards against: an engine from a batch-1 example cannot serve batch 5."""
    from torch import nn

    session = prepare(nn.Linear(4, 2), Runtime(backend="tensorrt", max_batch=1), torch.zeros(1, 4),
                      name="tiny")  # fmt: skip
    assert session.served.backend == "tensorrt"
    with pytest.raises(RuntimeError, match="outside the engine's profile"):
        session(torch.zeros(BATCH, 4))


def test_segformer_cutouts_run_on_an_engine_for_their_single_photos(
    fake_tensorrt, photos, tiny_segformer_dir
):
    from imgengine_gui.ml.cutout import remove_background
    from imgengine_gui.ml.full.segmentation import SegformerSegmenter

    segmenter = SegformerSegmenter(str(tiny_segformer_dir))
    segmenter.load(Runtime(backend="tensorrt", max_batch=1))  # as the cutout loads it
    for photo in photos[3:6]:  # different shapes
        assert remove_background(photo, segmenter=segmenter).mask.size == photo.size
    assert segmenter.served.backend == "tensorrt"
    assert [shape[0] for shape in fake_tensorrt.engines[0].seen] == [1, 1, 1]
