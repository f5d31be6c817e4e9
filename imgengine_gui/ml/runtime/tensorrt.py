"""TensorRT engines for torch modules: built once per weights, precision, shape ranges and GPU.

Each input's range (``InputRange``) becomes a ``torch_tensorrt.Input`` profile, so an engine
accepts every batch the executor can feed (1..``Runtime.max_batch``) and nothing else. Engines are
saved as ExportedPrograms under the cache folder and reloaded on the next run.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.runtime import probes
from imgengine_gui.ml.runtime.resolve import one_line
from imgengine_gui.ml.runtime.spec import InputRange, Runtime

if TYPE_CHECKING:
    import torch
    from torch import nn


def build_engine(
    module: nn.Module,
    runtime: Runtime,
    examples: Sequence[torch.Tensor],
    ranges: Sequence[InputRange],
    cache_dir: Path | None,
) -> Any:
    """A TensorRT engine for ``module`` (from the cache when one fits); raises when none can be built."""
    reason = probes.tensorrt_missing_reason(runtime.device)
    if reason is not None:
        raise RuntimeError(reason)
    import torch
    import torch_tensorrt

    trt_inputs = [
        torch_tensorrt.Input(
            min_shape=r.min, opt_shape=r.opt, max_shape=r.max, dtype=example.dtype
        )
        for r, example in zip(ranges, examples, strict=True)
    ]
    precisions = {torch.float32}
    if runtime.precision == "fp16":
        precisions.add(torch.float16)
    elif runtime.precision == "bf16":
        precisions.add(torch.bfloat16)

    path = engine_cache_path(module, runtime.precision, ranges, cache_dir=cache_dir)
    if path.is_file():
        try:
            loaded = torch_tensorrt.load(str(path))
            engine = loaded.module() if hasattr(loaded, "module") else loaded
            smallest = [example[:1] for example in examples]
            with torch.inference_mode():
                engine(*smallest)  # the batch range survived the round trip
            return engine
        except Exception as error:  # a stale or broken engine is rebuilt
            runtime.note(f"tensorrt cache unusable ({one_line(error)}); rebuilding")

    engine = torch_tensorrt.compile(
        module, ir="dynamo", inputs=trt_inputs, enabled_precisions=precisions
    )
    _save_engine(torch_tensorrt, engine, path, trt_inputs, runtime)
    return engine


def _save_engine(trt: Any, engine: Any, path: Path, trt_inputs: list[Any], runtime: Runtime) -> None:
    """Save as an ExportedProgram; ``Input``s (not tensors) keep the dynamic shape ranges."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        trt.save(engine, str(partial), arg_inputs=trt_inputs)
        partial.replace(path)
    except Exception as error:  # the engine still serves this run; a static save would not
        partial.unlink(missing_ok=True)
        runtime.note(f"tensorrt engine not cached: {one_line(error)}")


def engine_cache_path(
    module: nn.Module,
    precision: str,
    ranges: Sequence[InputRange],
    *,
    cache_dir: Path | None = None,
) -> Path:
    """Engine file keyed by weights, precision, input ranges, GPU and TensorRT version."""
    if cache_dir is None:
        from imgengine_gui.settings import cache_dir as default_cache_dir

        cache_dir = default_cache_dir() / "tensorrt"
    key = hashlib.sha256()
    shapes = ";".join(f"{r.min}-{r.opt}-{r.max}" for r in ranges)
    for part in (state_dict_hash(module), precision, shapes, _gpu_name(), _tensorrt_version()):
        key.update(part.encode() + b"\0")
    return cache_dir / f"{type(module).__name__}-{key.hexdigest()[:24]}.ep"


def state_dict_hash(module: nn.Module) -> str:
    """Hash of every parameter and buffer: name, dtype, shape and bytes."""
    import torch

    digest = hashlib.blake2b(digest_size=16)
    digest.update(type(module).__qualname__.encode())
    for name, tensor in module.state_dict().items():
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}".encode())
        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        if flat.numel():
            digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _gpu_name() -> str:
    return probes.gpu_name() or "no-gpu"


def _tensorrt_version() -> str:
    for package in ("tensorrt", "torch_tensorrt"):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        return f"{package}-{getattr(module, '__version__', 'unknown')}"
    return "no-tensorrt"
