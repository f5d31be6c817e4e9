"""Torch modules prepared for the runtime: device, channels_last, eager / compile / TensorRT.

A backend that fails falls back tensorrt -> compile -> eager with one note naming the model.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.runtime import tensorrt
from imgengine_gui.ml.runtime.int8 import (
    MIN_AGREEMENT,
    Measure,
    quantize_linear_int8,
    top1_agreement,
)
from imgengine_gui.ml.runtime.resolve import ensure_device, inference, one_line
from imgengine_gui.ml.runtime.spec import InputRange, Runtime, Served

if TYPE_CHECKING:
    import torch
    from torch import nn

_upload_streams = threading.local()


class TorchSession:
    """A prepared torch module. Calling it runs under inference mode at the served precision."""

    def __init__(self, name: str, module: Any, source: nn.Module, served: Served, runtime: Runtime):
        self.name = name
        self.module = module  # what runs: the module, its compiled form or a TensorRT engine
        self.source = source  # the eager module it came from
        self.served = served
        self.runtime = runtime

    def __call__(self, *inputs: Any) -> Any:
        with inference(self.served.device, self.served.precision):
            return self.module(*inputs)

    @property
    def device(self) -> torch.device:
        import torch

        return torch.device(self.served.device)

    def upload(self, tensors: Any, *, channels_last: bool = False) -> torch.Tensor:
        return to_device_batch(tensors, self.served.device, channels_last=channels_last)

    def quantize_int8(
        self,
        calibration: Sequence[Any],
        *,
        measure: Measure = top1_agreement,
        min_agreement: float = MIN_AGREEMENT,
    ) -> bool:
        """With precision int8 on the CPU: int8 Linear layers, kept only if they agree with fp32."""
        label = f"{self.name}: "
        if self.runtime.precision != "int8" or self.served.precision == "int8":
            return self.served.precision == "int8"
        if self.served.device != "cpu":
            self.runtime.note(f"{label}int8 needs the cpu device; using {self.served.precision}")
            return False
        if self.served.backend != "eager":
            self.runtime.note(f"{label}int8 runs eager only; keeping {self.served.backend}")
            return False
        quantized = quantize_linear_int8(
            self.source, calibration, label=label, notes=self.runtime.notes,
            min_agreement=min_agreement, measure=measure,
        )  # fmt: skip
        if quantized is None:
            return False
        self.module = quantized
        self.served = replace(self.served, precision="int8")
        return True


def prepare_torch(
    module: nn.Module,
    runtime: Runtime,
    examples: Sequence[torch.Tensor],
    *,
    name: str,
    ranges: Sequence[InputRange] | None = None,
    eager_only: str | None = None,
    fp32_on_cpu: str | None = None,
    cache_dir: Path | None = None,
) -> TorchSession:
    """Put ``module`` on the runtime's device in eval mode, wrapped by the runtime's backend.

    ``examples`` are one batch per input on any device; by default each input may take batches of
    1..``runtime.max_batch`` of the example's item shape, and ``ranges`` overrides that (inputs
    whose other dimensions vary too). 4-D inputs switch the module to channels_last.
    ``eager_only``/``fp32_on_cpu`` give the reason this model refuses the other backends / a
    reduced precision on the CPU.
    """
    import torch

    label = f"{name}: "
    device = ensure_device(runtime)
    precision = "fp32" if runtime.precision == "int8" else runtime.precision
    if fp32_on_cpu and device == "cpu" and precision != "fp32":
        runtime.note(f"{label}fp32 on cpu ({fp32_on_cpu})")
        precision = "fp32"
    source = module.eval().to(device)
    examples = [example.to(device) for example in examples]
    if examples and examples[0].dim() == 4:
        source = source.to(memory_format=torch.channels_last)
        examples[0] = examples[0].contiguous(memory_format=torch.channels_last)

    backend = runtime.backend
    if eager_only and backend != "eager":
        runtime.note(f"{label}eager ({eager_only})")
        backend = "eager"
    runner: Any = source
    if backend == "tensorrt":
        if ranges is None:
            ranges = [InputRange.batch(tuple(e.shape[1:]), runtime.max_batch) for e in examples]
        try:
            runner = tensorrt.build_engine(source, runtime, examples, ranges, cache_dir)
        except Exception as error:  # any build failure falls back, with its reason
            runtime.note(f"{label}tensorrt failed: {one_line(error)}; using compile")
            backend = "compile"
    if backend == "compile":
        try:
            compiled = torch.compile(source)
            with inference(device, precision):
                compiled(*examples)
            runner = compiled
        except Exception as error:  # inductor errors have many types
            runtime.note(f"{label}compile failed: {one_line(error)}; using eager")
            backend = "eager"
    return TorchSession(name, runner, source, Served(device, backend, precision), runtime)


def to_device_batch(
    tensors: torch.Tensor | Sequence[torch.Tensor], device: str, *, channels_last: bool = False
) -> torch.Tensor:
    """Stack CPU tensors into one batch on ``device``.

    On CUDA the batch is pinned and copied on a side stream with ``non_blocking``, so the upload
    overlaps work already queued on the compute stream; the compute stream waits only for the copy.
    """
    import torch

    batch = tensors if isinstance(tensors, torch.Tensor) else torch.stack(list(tensors))
    if channels_last and batch.dim() == 4:
        batch = batch.contiguous(memory_format=torch.channels_last)
    if device != "cuda" or batch.device.type == "cuda":
        return batch
    stream = getattr(_upload_streams, "stream", None)
    if stream is None:
        stream = _upload_streams.stream = torch.cuda.Stream()
    compute = torch.cuda.current_stream()
    with torch.cuda.stream(stream):
        uploaded = batch.pin_memory().to("cuda", non_blocking=True)
    compute.wait_stream(stream)
    uploaded.record_stream(compute)
    return uploaded
