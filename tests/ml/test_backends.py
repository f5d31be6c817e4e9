from __future__ import annotations

import importlib.util

import pytest
import torch
from torch import nn

from imgengine_gui.ml import backends
from imgengine_gui.ml.backends import (
    autocast,
    check_int8_agreement,
    cpu_supports_bf16,
    engine_cache_path,
    prepare_module,
    quantize_int8,
    resolve_runtime,
    state_dict_hash,
    to_device_batch,
)
from imgengine_gui.ml.base import Runtime
from imgengine_gui.settings import Settings

torch.set_num_threads(2)
HAS_TENSORRT = importlib.util.find_spec("torch_tensorrt") is not None


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


class TinyCnn(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x).mean(dim=(2, 3)))


class TinyClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.layers = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def test_auto_device_follows_cuda_availability(no_cuda):
    runtime = resolve_runtime(Settings(device="auto"))
    assert runtime.device == "cpu"
    assert runtime.notes == []
    assert runtime.num_threads >= 1


@pytest.mark.tensorrt
def test_tensorrt_without_cuda_or_torch_tensorrt_falls_back_with_a_reason(no_cuda):
    runtime = resolve_runtime(device="cpu", backend="tensorrt", precision="fp32")
    assert runtime.backend in ("compile", "eager")
    assert runtime.notes == [f"tensorrt unavailable: needs CUDA; using {runtime.backend}"]


@pytest.mark.tensorrt
def test_tensorrt_reason_names_the_missing_package(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    runtime = resolve_runtime(device="cuda", backend="tensorrt", precision="fp16")
    assert runtime.device == "cuda"
    assert runtime.precision == "fp16"
    assert runtime.notes == ["tensorrt unavailable: torch_tensorrt is not installed; using compile"]


def test_cuda_requested_without_cuda_falls_back_to_cpu(no_cuda):
    runtime = resolve_runtime(Settings(device="cuda", precision="fp32"))
    assert runtime.device == "cpu"
    assert runtime.notes == ["cuda unavailable: no CUDA device visible to PyTorch; using cpu"]


@pytest.mark.parametrize("bf16", [True, False])
def test_fp16_on_cpu_becomes_bf16_when_supported_else_fp32(monkeypatch, no_cuda, bf16):
    monkeypatch.setattr(backends, "cpu_supports_bf16", lambda: bf16)
    runtime = resolve_runtime(device="cpu", precision="fp16")
    assert runtime.precision == ("bf16" if bf16 else "fp32")
    assert len(runtime.notes) == 1
    assert runtime.notes[0].startswith("fp16 on cpu")
    assert runtime.notes[0].endswith(f"using {runtime.precision}")


def test_cpu_bf16_detection_matches_torch():
    assert cpu_supports_bf16() == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def test_autocast_per_runtime():
    x = torch.randn(2, 8)
    layer = nn.Linear(8, 4)
    with autocast(Runtime(device="cpu", precision="bf16")):
        assert layer(x).dtype == torch.bfloat16
    with autocast(Runtime(device="cpu", precision="fp32")):
        assert layer(x).dtype == torch.float32
    with autocast(Runtime(device="cpu", precision="int8")):
        assert layer(x).dtype == torch.float32


def test_eager_prepare_switches_cnn_to_channels_last():
    model = TinyCnn()
    example = torch.randn(2, 3, 16, 16)
    expected = model(example)
    prepared = prepare_module(model, Runtime(backend="eager"), example)
    assert prepared.conv.weight.is_contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        torch.testing.assert_close(prepared(example), expected.detach())


@pytest.mark.slow
def test_compile_on_a_tiny_module_works_or_falls_back_with_a_note():
    model = TinyClassifier().eval()
    example = torch.randn(4, 32)
    with torch.inference_mode():
        expected = model(example)
    runtime = Runtime(backend="compile")
    prepared = prepare_module(model, runtime, example, name="tiny")
    with torch.inference_mode():
        torch.testing.assert_close(prepared(example), expected, rtol=1e-4, atol=1e-4)
    compiled = prepared is not model
    assert compiled or any(n.startswith("tiny: compile failed:") for n in runtime.notes)


def test_compile_failure_falls_back_to_eager(monkeypatch):
    def broken_compile(module, **kwargs):
        def run(*args):
            raise RuntimeError("inductor: no C++ compiler\nlong trace")

        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    model = TinyClassifier()
    runtime = Runtime(backend="compile")
    assert prepare_module(model, runtime, torch.randn(2, 32)) is model
    assert runtime.notes == ["compile failed: RuntimeError: inductor: no C++ compiler; using eager"]


@pytest.mark.tensorrt
def test_tensorrt_build_failure_falls_back_down_the_chain(no_cuda):
    model = TinyClassifier()
    runtime = Runtime(backend="tensorrt")  # as if resolved elsewhere: cuda is missing now
    prepared = prepare_module(model, runtime, torch.randn(2, 32), name="tiny")
    assert runtime.notes[0] == "tiny: tensorrt failed: needs CUDA; using compile"
    with torch.inference_mode():
        assert prepared(torch.randn(3, 32)).shape == (3, 10)


@pytest.mark.tensorrt
@pytest.mark.skipif(not HAS_TENSORRT or not torch.cuda.is_available(), reason="needs TensorRT")
def test_tensorrt_engine_is_built_cached_and_reloaded(tmp_path):
    model = TinyCnn().cuda()
    example = torch.randn(4, 3, 32, 32, device="cuda")
    runtime = Runtime(device="cuda", backend="tensorrt", precision="fp16")
    engine = prepare_module(model, runtime, example, max_batch=8, cache_dir=tmp_path)
    assert list(tmp_path.glob("*.ep"))
    again = prepare_module(model, runtime, example, max_batch=8, cache_dir=tmp_path)
    with torch.inference_mode():
        torch.testing.assert_close(engine(example), again(example))
        torch.testing.assert_close(
            engine(example[:3]).float(), model(example[:3]), atol=5e-2, rtol=5e-2
        )


def test_engine_cache_key_changes_with_weights_precision_and_batch_range(tmp_path):
    model = TinyCnn()
    base = engine_cache_path(model, "fp16", (1, 16), (3, 224, 224), cache_dir=tmp_path)
    assert base == engine_cache_path(model, "fp16", (1, 16), (3, 224, 224), cache_dir=tmp_path)
    assert base.parent == tmp_path
    assert base != engine_cache_path(model, "fp32", (1, 16), (3, 224, 224), cache_dir=tmp_path)
    assert base != engine_cache_path(model, "fp16", (1, 32), (3, 224, 224), cache_dir=tmp_path)
    before = state_dict_hash(model)
    with torch.no_grad():
        model.head.bias[0] += 1
    assert state_dict_hash(model) != before
    assert base != engine_cache_path(model, "fp16", (1, 16), (3, 224, 224), cache_dir=tmp_path)


def test_to_device_batch_stacks_on_cpu():
    batch = to_device_batch(
        [torch.zeros(3, 4, 4), torch.ones(3, 4, 4)], Runtime(), channels_last=True
    )
    assert batch.shape == (2, 3, 4, 4)
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert batch[1].sum() == 48


def test_int8_agreement_refuses_a_broken_int8_model():
    model = TinyClassifier().eval()
    batches = [torch.randn(16, 32) for _ in range(4)]

    def broken(batch):  # a constant class: agrees only where the reference happens to pick 0
        scores = torch.zeros(batch.shape[0], 10)
        scores[:, 0] = 1
        return scores

    with torch.inference_mode():
        accepted, agreement = check_int8_agreement(model, broken, batches)
        expected = sum(int((model(b).argmax(1) == 0).sum()) for b in batches) / 64
    assert not accepted
    assert agreement == pytest.approx(expected)
    assert agreement < 0.97


def test_int8_agreement_accepts_an_identical_model():
    model = TinyClassifier().eval()
    batches = [torch.randn(8, 32) for _ in range(3)]
    with torch.inference_mode():
        assert check_int8_agreement(model, model, batches) == (True, 1.0)
    assert check_int8_agreement(model, model, []) == (False, 0.0)


def test_quantize_int8_keeps_a_model_that_agrees():
    model = TinyClassifier().eval()
    runtime = Runtime(precision="int8")
    samples = [torch.randn(32, 32) for _ in range(2)]
    quantized = quantize_int8(model, runtime, samples, min_agreement=0.8, name="tiny")
    assert quantized is not model
    assert "quantized" in type(quantized.layers[0]).__module__.lower()
    assert runtime.notes[0].startswith("tiny: int8 accepted: top-1 agreement")


def test_quantize_int8_refuses_below_threshold_with_the_measured_agreement(monkeypatch):
    model = TinyClassifier().eval()
    runtime = Runtime(precision="int8")
    monkeypatch.setattr(backends, "check_int8_agreement", lambda *args: (False, 0.5))
    assert quantize_int8(model, runtime, [torch.randn(4, 32)]) is model
    assert runtime.notes == ["int8 refused: top-1 agreement 0.500 < 0.97 on 4 photos; using fp32"]


def test_quantize_int8_not_applicable_without_linear_layers():
    model = nn.Sequential(nn.Conv2d(3, 3, 1))
    runtime = Runtime(precision="int8")
    assert quantize_int8(model, runtime, [torch.randn(1, 3, 4, 4)]) is model
    assert runtime.notes == ["int8 not applicable: no Linear layers; using fp32"]


class FakeTorchTensorRT:
    """Stands in for torch_tensorrt to check the engine cache around it; engines are eager modules."""

    __version__ = "0.0-fake"

    def __init__(self) -> None:
        self.compiled: list[dict] = []
        self.saved: dict[str, nn.Module] = {}
        self.fail_save = False

    class Input:
        def __init__(self, **spec) -> None:
            self.spec = spec

    def compile(self, module, ir, inputs, enabled_precisions):
        self.compiled.append({"ir": ir, **inputs[0].spec, "precisions": enabled_precisions})
        return module

    def save(self, engine, path, arg_inputs):
        if self.fail_save:
            raise RuntimeError("exporter refused")
        assert isinstance(arg_inputs[0], self.Input)  # keeps the dynamic batch range
        with open(path, "wb") as handle:
            handle.write(b"engine")
        self.saved[path] = engine

    def load(self, path):
        partial = path + ".partial"  # prepare_module saves there, then renames
        if partial not in self.saved:
            raise RuntimeError("not a TensorRT program")
        engine = self.saved[partial]

        class Program:
            def module(self):
                return engine

        return Program()


@pytest.fixture
def fake_tensorrt(monkeypatch):
    fake = FakeTorchTensorRT()
    monkeypatch.setitem(__import__("sys").modules, "torch_tensorrt", fake)
    monkeypatch.setattr(backends, "tensorrt_missing_reason", lambda device: None)
    return fake


@pytest.mark.tensorrt
def test_tensorrt_engine_cache_builds_once_then_loads(fake_tensorrt, tmp_path):
    model = TinyClassifier()
    example = torch.randn(4, 32)
    runtime = Runtime(backend="tensorrt", precision="fp16")
    first = prepare_module(model, runtime, example, max_batch=16, cache_dir=tmp_path)
    assert first is model
    (spec,) = fake_tensorrt.compiled
    assert spec["ir"] == "dynamo"
    assert (spec["min_shape"], spec["opt_shape"], spec["max_shape"]) == ((1, 32), (4, 32), (16, 32))
    assert spec["precisions"] == {torch.float32, torch.float16}
    assert len(list(tmp_path.glob("TinyClassifier-*.ep"))) == 1
    second = prepare_module(model, runtime, example, max_batch=16, cache_dir=tmp_path)
    assert second is model
    assert len(fake_tensorrt.compiled) == 1  # served from the cache
    prepare_module(model, runtime, example, max_batch=32, cache_dir=tmp_path)
    assert len(fake_tensorrt.compiled) == 2  # another batch range is another engine
    assert runtime.notes == []


@pytest.mark.tensorrt
def test_tensorrt_unreadable_cache_is_rebuilt_and_save_failure_only_noted(fake_tensorrt, tmp_path):
    model = TinyClassifier()
    example = torch.randn(2, 32)
    runtime = Runtime(backend="tensorrt")
    path = engine_cache_path(model, "fp32", (1, 2), (32,), cache_dir=tmp_path)
    path.write_bytes(b"garbage")
    fake_tensorrt.fail_save = True
    assert prepare_module(model, runtime, example, cache_dir=tmp_path) is model
    assert len(fake_tensorrt.compiled) == 1
    assert runtime.notes[0].startswith("tensorrt cache unusable (RuntimeError: not a TensorRT")
    assert runtime.notes[1] == "tensorrt engine not cached: RuntimeError: exporter refused"
