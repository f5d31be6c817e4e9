"""The runtime layer: resolving settings, prepare() for torch / ONNX / plain libraries, the
fallback notes, what each session reports as serving it, int8, and the device thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from torch import nn

from imgengine_gui.ml import weights
from imgengine_gui.ml.runtime import OnnxModel, Runtime, on_device, prepare, probes, resolve_runtime
from imgengine_gui.ml.runtime import int8 as int8_module
from imgengine_gui.ml.runtime.int8 import check_int8_agreement, cosine_agreement
from imgengine_gui.ml.runtime.resolve import inference
from imgengine_gui.ml.runtime.torch_session import to_device_batch
from imgengine_gui.settings import Settings

torch.set_num_threads(2)


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


# --- resolving settings --------------------------------------------------------------------------


def test_auto_device_follows_cuda_availability_and_batch_comes_from_settings(no_cuda):
    runtime = resolve_runtime(Settings(device="auto", batch_size=24))
    assert (runtime.device, runtime.max_batch, runtime.notes) == ("cpu", 24, [])
    assert runtime.num_threads >= 1


def test_cuda_requested_without_cuda_falls_back_to_cpu(no_cuda):
    runtime = resolve_runtime(Settings(device="cuda", precision="fp32"))
    assert runtime.device == "cpu"
    assert runtime.notes == ["cuda unavailable: no CUDA device visible to PyTorch; using cpu"]


@pytest.mark.tensorrt
def test_tensorrt_without_cuda_falls_back_with_a_reason(no_cuda):
    runtime = resolve_runtime(device="cpu", backend="tensorrt", precision="fp32")
    assert runtime.backend in ("compile", "eager")
    assert runtime.notes == [f"tensorrt unavailable: needs CUDA; using {runtime.backend}"]


@pytest.mark.tensorrt
def test_tensorrt_reason_names_the_missing_package(monkeypatch):
    monkeypatch.setattr(probes, "cuda_available", lambda: True)
    monkeypatch.setattr(probes, "cuda_supports_bf16", lambda: True)
    monkeypatch.setattr(probes, "torch_tensorrt_installed", lambda: False)
    runtime = resolve_runtime(device="cuda", backend="tensorrt", precision="fp16")
    assert (runtime.device, runtime.precision) == ("cuda", "fp16")
    assert runtime.notes == ["tensorrt unavailable: torch_tensorrt is not installed; using compile"]


@pytest.mark.parametrize("bf16", [True, False])
def test_fp16_on_cpu_becomes_bf16_when_supported_else_fp32(monkeypatch, no_cuda, bf16):
    monkeypatch.setattr(probes, "cpu_supports_bf16", lambda: bf16)
    runtime = resolve_runtime(device="cpu", precision="fp16")
    assert runtime.precision == ("bf16" if bf16 else "fp32")
    assert len(runtime.notes) == 1
    assert runtime.notes[0].startswith("fp16 on cpu")
    assert runtime.notes[0].endswith(f"using {runtime.precision}")


def test_cpu_bf16_detection_matches_torch():
    assert probes.cpu_supports_bf16() == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def test_inference_autocasts_per_precision():
    x = torch.randn(2, 8)
    layer = nn.Linear(8, 4)
    with inference("cpu", "bf16"):
        assert layer(x).dtype == torch.bfloat16
        assert torch.is_inference_mode_enabled()
    for precision in ("fp32", "int8"):
        with inference("cpu", precision):
            assert layer(x).dtype == torch.float32


# --- torch modules -------------------------------------------------------------------------------


def test_eager_prepare_switches_cnn_to_channels_last_and_reports_what_serves():
    model = TinyCnn()
    example = torch.randn(2, 3, 16, 16)
    expected = model(example).detach()
    session = prepare(model, Runtime(backend="eager"), example, name="tiny")
    assert session.served.text == "cpu · eager · fp32"
    assert session.source.conv.weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(session(example), expected)


def test_a_model_that_keeps_fp32_on_cpu_says_so():
    runtime = Runtime(precision="bf16")
    session = prepare(TinyCnn(), runtime, torch.randn(1, 3, 8, 8), name="tiny",
                      fp32_on_cpu="bf16 is slower here")  # fmt: skip
    assert session.served.precision == "fp32"
    assert runtime.notes == ["tiny: fp32 on cpu (bf16 is slower here)"]


def test_eager_only_models_note_why_they_skip_the_backend(monkeypatch):
    runtime = Runtime(backend="compile")
    session = prepare(TinyClassifier(), runtime, name="text", eager_only="shapes vary")
    assert session.served.backend == "eager"
    assert runtime.notes == ["text: eager (shapes vary)"]


@pytest.mark.slow
def test_compile_on_a_tiny_module_works_or_falls_back_with_a_note():
    model = TinyClassifier().eval()
    example = torch.randn(4, 32)
    with torch.inference_mode():
        expected = model(example)
    runtime = Runtime(backend="compile")
    session = prepare(model, runtime, example, name="tiny")
    torch.testing.assert_close(session(example), expected, rtol=1e-4, atol=1e-4)
    if session.served.backend == "eager":
        assert any(n.startswith("tiny: compile failed:") for n in runtime.notes)


def test_compile_failure_falls_back_to_eager(monkeypatch):
    def broken_compile(module, **kwargs):
        def run(*args):
            raise RuntimeError("inductor: no C++ compiler\nlong trace")

        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    runtime = Runtime(backend="compile")
    session = prepare(TinyClassifier(), runtime, torch.randn(2, 32), name="tiny")
    assert session.served.backend == "eager"
    assert runtime.notes == [
        "tiny: compile failed: RuntimeError: inductor: no C++ compiler; using eager"
    ]


@pytest.mark.tensorrt
def test_tensorrt_build_failure_falls_back_down_the_chain(no_cuda, monkeypatch):
    monkeypatch.setattr(torch, "compile", lambda module, **kwargs: module)
    runtime = Runtime(backend="tensorrt")  # as if resolved elsewhere: cuda is missing now
    session = prepare(TinyClassifier(), runtime, torch.randn(2, 32), name="tiny")
    assert runtime.notes[0] == "tiny: tensorrt failed: RuntimeError: needs CUDA; using compile"
    assert session.served.backend == "compile"
    assert session(torch.randn(3, 32)).shape == (3, 10)


def test_to_device_batch_stacks_on_cpu():
    batch = to_device_batch([torch.zeros(3, 4, 4), torch.ones(3, 4, 4)], "cpu", channels_last=True)
    assert batch.shape == (2, 3, 4, 4)
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert batch[1].sum() == 48


# --- int8 ----------------------------------------------------------------------------------------


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
    assert check_int8_agreement(model, model, []) == (False, 0.0)


def test_cosine_agreement_counts_rows_close_to_fp32():
    reference = torch.eye(4)
    candidate = reference.clone()
    candidate[0] = torch.tensor([0.0, 1.0, 0.0, 0.0])
    assert cosine_agreement(0.99)(reference, candidate) == (3, 4)


def test_int8_session_keeps_linear_int8_when_it_agrees():
    runtime = Runtime(precision="int8")
    session = prepare(TinyClassifier(), runtime, torch.randn(2, 32), name="tiny")
    assert session.served.precision == "fp32"  # until calibrated on photos
    assert session.quantize_int8([(torch.randn(32, 32),)], min_agreement=0.8)
    assert session.served.text == "cpu · eager · int8"
    assert "quantized" in type(session.module.layers[0]).__module__.lower()
    assert runtime.notes[0].startswith("tiny: int8 accepted: agreement")


def test_int8_refused_below_threshold_keeps_fp32_with_the_measured_agreement(monkeypatch):
    monkeypatch.setattr(int8_module, "check_int8_agreement", lambda *args: (False, 0.5))
    runtime = Runtime(precision="int8")
    session = prepare(TinyClassifier(), runtime, torch.randn(2, 32), name="tiny")
    assert not session.quantize_int8([(torch.randn(4, 32),)])
    assert session.served.precision == "fp32"
    assert runtime.notes == ["tiny: int8 refused: agreement 0.500 < 0.97 on 4 photos; using fp32"]


def test_int8_not_applicable_without_linear_layers():
    runtime = Runtime(precision="int8")
    session = prepare(nn.Sequential(nn.Conv2d(3, 3, 1)), runtime, torch.randn(1, 3, 4, 4), name="c")
    assert not session.quantize_int8([(torch.randn(1, 3, 4, 4),)])
    assert runtime.notes == ["c: int8 not applicable: no Linear layers; using fp32"]


# --- onnxruntime and plain libraries -------------------------------------------------------------


@pytest.fixture(scope="module")
def u2netp() -> OnnxModel:
    return OnnxModel(weights.read_verified(weights.U2NETP), weights.U2NETP.name)


def test_onnx_on_cpu_serves_with_the_cpu_provider(u2netp):
    runtime = Runtime(precision="bf16")
    session = prepare(u2netp, runtime, name="cutout")
    assert session.served.text == "cpu · onnxruntime/CPUExecutionProvider · fp32"
    assert runtime.notes == ["cutout: fp32 on onnxruntime CPUExecutionProvider (its graph is fp32)"]
    (mask,) = session(np.zeros((1, 3, 320, 320), np.float32), outputs=session.output_names[:1])
    assert mask.shape == (1, 1, 320, 320)


def test_onnx_cuda_without_onnxruntime_gpu_falls_back_with_a_reason(u2netp, monkeypatch):
    monkeypatch.setattr(probes, "cuda_available", lambda: True)
    monkeypatch.setattr(probes, "onnx_providers", lambda: ["CPUExecutionProvider"])
    runtime = Runtime(device="cuda", backend="tensorrt")
    session = prepare(u2netp, runtime, name="cutout")
    assert session.served.text == "cpu · onnxruntime/CPUExecutionProvider · fp32"
    assert runtime.notes == [
        "cutout: TensorrtExecutionProvider unavailable (onnxruntime-gpu with TensorRT is not "
        "installed); using CPUExecutionProvider"
    ]


def test_onnx_provider_that_fails_to_start_is_reported(u2netp, monkeypatch):
    """A provider onnxruntime lists but cannot start (no driver): the session says what served."""
    monkeypatch.setattr(probes, "cuda_available", lambda: True)
    monkeypatch.setattr(
        probes, "onnx_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    runtime = Runtime(device="cuda")
    session = prepare(u2netp, runtime, name="cutout")
    assert session.served.text == "cpu · onnxruntime/CPUExecutionProvider · fp32"
    assert runtime.notes == ["cutout: CUDAExecutionProvider failed to start; using CPUExecutionProvider"]


def test_plain_library_session_reports_cpu_and_notes_a_cuda_request():
    runtime = Runtime(device="cuda")
    session = prepare(lambda x: x * 2, runtime, name="descriptors", library="dlib")
    assert session(21) == 42
    assert session.served.text == "cpu · dlib · fp32"
    assert runtime.notes == ["descriptors: dlib runs on cpu"]


# --- the device thread ---------------------------------------------------------------------------


def test_on_device_runs_on_one_thread_inline_when_nested_and_reraises():
    names = {on_device(lambda: threading.current_thread().name) for _ in range(3)}
    assert names == {"imgengine-device"}
    assert on_device(lambda: on_device(lambda: threading.current_thread().name)) == "imgengine-device"
    with pytest.raises(ValueError, match="boom"):
        on_device(lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert on_device(lambda: 7) == 7  # still serving after an error
