"""``prepare()``: the one path from a loaded model to a session that runs it the way Runtime asks."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from imgengine_gui.ml.runtime.onnx_session import OnnxModel, prepare_onnx
from imgengine_gui.ml.runtime.plain_session import prepare_plain
from imgengine_gui.ml.runtime.spec import InputRange, Runtime, Served


@runtime_checkable
class Session(Protocol):
    """What ``prepare`` returns: call it to run the model; ``served`` says what runs it."""

    name: str
    served: Served

    def __call__(self, *inputs: Any) -> Any: ...


def prepare(
    model: Any,
    runtime: Runtime,
    example: Any = None,
    *,
    name: str,
    ranges: Sequence[InputRange] | None = None,
    eager_only: str | None = None,
    fp32_on_cpu: str | None = None,
    library: str | None = None,
    cache_dir: Path | None = None,
) -> Session:
    """Prepare any model for ``runtime``; every fallback adds one ``name:``-prefixed note.

    - a ``torch.nn.Module``: ``example`` is one input batch (a tensor, or a tuple for several
      inputs); TensorRT engines accept batches 1..``runtime.max_batch`` of its item shape unless
      ``ranges`` says otherwise; see ``torch_session.prepare_torch``;
    - an ``OnnxModel``: onnxruntime with TensorRT/CUDA/CPU execution providers;
    - any other callable (dlib, a numpy classifier): run as is on the CPU; ``library`` names it.
    """
    if isinstance(model, OnnxModel):
        return prepare_onnx(model, runtime, name=name, cache_dir=cache_dir)
    if _is_torch_module(model):
        from imgengine_gui.ml.runtime.torch_session import prepare_torch

        examples = [] if example is None else list(example) if isinstance(example, tuple) else [example]
        return prepare_torch(
            model, runtime, examples, name=name, ranges=ranges, eager_only=eager_only,
            fp32_on_cpu=fp32_on_cpu, cache_dir=cache_dir,
        )  # fmt: skip
    if callable(model):
        return prepare_plain(model, runtime, name=name, library=library or "python")
    raise TypeError(f"{name}: cannot prepare {type(model).__name__}")


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)
