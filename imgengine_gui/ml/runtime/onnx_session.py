"""ONNX models on onnxruntime: TensorRT -> CUDA -> CPU execution providers, each step noted.

The device and backend settings pick the providers: cuda asks for CUDAExecutionProvider (and
TensorrtExecutionProvider when the backend is tensorrt, built for batches 1..max_batch), cpu for
CPUExecutionProvider. What the session actually started with is what ``served`` reports.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from imgengine_gui.ml.runtime import probes
from imgengine_gui.ml.runtime.resolve import ensure_device
from imgengine_gui.ml.runtime.spec import Runtime, Served

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
_WHY_MISSING = {
    CUDA: "onnxruntime-gpu is not installed",
    TENSORRT: "onnxruntime-gpu with TensorRT is not installed",
}


@dataclass(frozen=True)
class OnnxModel:
    """An ONNX graph, as the verified bytes of its file (hash checked before they get here)."""

    data: bytes
    label: str  # file name, for notes and the engine cache


class OrtSession:
    """A prepared onnxruntime session; calling it with arrays (inputs in order) returns outputs."""

    def __init__(self, name: str, session: Any, served: Served) -> None:
        self.name = name
        self.session = session
        self.served = served
        self.input_names = [node.name for node in session.get_inputs()]
        self.input_shapes = [list(node.shape) for node in session.get_inputs()]
        self.output_names = [node.name for node in session.get_outputs()]

    def __call__(self, *arrays: Any, outputs: list[str] | None = None) -> list[Any]:
        feed = dict(zip(self.input_names, arrays, strict=True))
        return self.session.run(outputs, feed)


def prepare_onnx(
    model: OnnxModel, runtime: Runtime, *, name: str, cache_dir: Path | None = None
) -> OrtSession:
    import onnxruntime

    label = f"{name}: "
    device = ensure_device(runtime)
    providers = _available_providers(_wanted_providers(device, runtime.backend), label, runtime)
    precision = _precision(providers[0], runtime, label)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, runtime.num_threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # a provider that cannot start is reported below, once
    provider_options = [
        _provider_options(p, model, runtime, precision, cache_dir) for p in providers
    ]
    with warnings.catch_warnings():  # a provider that cannot start is noted below instead
        warnings.filterwarnings("ignore", message=".*provider", category=UserWarning)
        session = onnxruntime.InferenceSession(
            model.data, options, providers=providers, provider_options=provider_options
        )
    actual = session.get_providers()[0]
    if actual != providers[0]:
        runtime.note(f"{label}{providers[0]} failed to start; using {actual}")
        precision = "fp32"
    serving_device = "cpu" if actual == CPU else "cuda"
    return OrtSession(name, session, Served(serving_device, f"onnxruntime/{actual}", precision))


def _wanted_providers(device: str, backend: str) -> list[str]:
    if device != "cuda":
        return [CPU]
    return [TENSORRT, CUDA, CPU] if backend == "tensorrt" else [CUDA, CPU]


def _available_providers(wanted: list[str], label: str, runtime: Runtime) -> list[str]:
    available = set(probes.onnx_providers())
    kept = [provider for provider in wanted if provider in available or provider == CPU]
    if kept[0] != wanted[0]:
        runtime.note(f"{label}{wanted[0]} unavailable ({_WHY_MISSING[wanted[0]]}); using {kept[0]}")
    return kept


def _precision(provider: str, runtime: Runtime, label: str) -> str:
    if runtime.precision == "fp32":
        return "fp32"
    if provider == TENSORRT and runtime.precision in ("fp16", "bf16"):
        return "fp16"
    runtime.note(f"{label}fp32 on onnxruntime {provider} (its graph is fp32)")
    return "fp32"


def _provider_options(
    provider: str, model: OnnxModel, runtime: Runtime, precision: str, cache_dir: Path | None
) -> dict[str, Any]:
    if provider == CPU:
        return {}
    if provider == CUDA:
        return {"device_id": 0}
    if cache_dir is None:
        from imgengine_gui.settings import cache_dir as default_cache_dir

        cache_dir = default_cache_dir() / "tensorrt"
    options: dict[str, Any] = {
        "trt_fp16_enable": precision == "fp16",
        "trt_engine_cache_enable": True,
        "trt_engine_cache_path": str(cache_dir),
    }
    options.update(tensorrt_profile(model, runtime.max_batch))
    return options


def tensorrt_profile(model: OnnxModel, max_batch: int) -> dict[str, str]:
    """TensorRT profile shapes for inputs whose batch dimension is dynamic: 1..max_batch."""
    import onnxruntime

    probe = onnxruntime.InferenceSession(model.data, providers=[CPU])
    low, top = [], []
    for node in probe.get_inputs():
        shape = list(node.shape)
        if not shape or isinstance(shape[0], int) or not all(isinstance(d, int) for d in shape[1:]):
            continue  # a fixed batch, or other dynamic dimensions: TensorRT's own profile serves
        item = "x".join(str(d) for d in shape[1:])
        low.append(f"{node.name}:1x{item}")
        top.append(f"{node.name}:{max(1, max_batch)}x{item}")
    if not low:
        return {}
    return {
        "trt_profile_min_shapes": ",".join(low),
        "trt_profile_opt_shapes": ",".join(top),
        "trt_profile_max_shapes": ",".join(top),
    }
