"""Requested settings -> what this machine can serve, and how a resolved precision runs in torch.

Every downgrade appends one line to ``runtime.notes`` and never raises: tensorrt -> compile ->
eager for backends, cuda -> cpu for the device, fp16 -> bf16 -> fp32 on CPUs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from imgengine_gui.ml.runtime import probes
from imgengine_gui.ml.runtime.spec import DEFAULT_MAX_BATCH, Runtime


def resolve_runtime(
    settings: Any = None,
    *,
    device: str | None = None,
    precision: str | None = None,
    backend: str | None = None,
    num_threads: int | None = None,
    max_batch: int | None = None,
) -> Runtime:
    """Turn requested settings into what this machine can serve; every downgrade leaves a note.

    ``settings`` is anything with ``device``/``precision``/``backend``/``batch_size`` attributes
    (``Settings``); keyword arguments override it. ``num_threads`` 0 means one per CPU core.
    """
    device = device or getattr(settings, "device", None) or "auto"
    precision = precision or getattr(settings, "precision", None) or "fp32"
    backend = backend or getattr(settings, "backend", None) or "eager"
    if num_threads is None:
        num_threads = getattr(settings, "num_threads", 0) or 0
    if max_batch is None:
        max_batch = getattr(settings, "batch_size", None) or DEFAULT_MAX_BATCH
    notes: list[str] = []
    resolved_device = _resolve_device(device, notes)
    return Runtime(
        device=resolved_device,
        precision=_resolve_precision(precision, resolved_device, notes),
        backend=_resolve_backend(backend, resolved_device, notes),
        num_threads=num_threads if num_threads > 0 else max(1, os.cpu_count() or 1),
        max_batch=max(1, int(max_batch)),
        notes=notes,
    )


def ensure_device(runtime: Runtime) -> str:
    """The runtime's device, moved to the CPU (with a note) when CUDA has gone away since."""
    if runtime.device == "cuda" and not probes.cuda_available():
        runtime.note("cuda unavailable: no CUDA device visible to PyTorch; using cpu")
        runtime.device = "cpu"
    return runtime.device


def _resolve_device(device: str, notes: list[str]) -> Any:
    if device == "auto":
        return "cuda" if probes.cuda_available() else "cpu"
    if device == "cuda" and not probes.cuda_available():
        notes.append("cuda unavailable: no CUDA device visible to PyTorch; using cpu")
        return "cpu"
    return device


def _resolve_precision(precision: str, device: str, notes: list[str]) -> Any:
    if device == "cpu" and precision in ("fp16", "bf16"):
        if probes.cpu_supports_bf16():
            if precision == "fp16":
                notes.append("fp16 on cpu is slow: this CPU runs bf16 natively; using bf16")
            return "bf16"
        notes.append(f"{precision} on cpu: this CPU has no native bf16; using fp32")
        return "fp32"
    if device == "cuda" and precision == "bf16" and not probes.cuda_supports_bf16():
        notes.append("bf16 unsupported by this GPU; using fp16")
        return "fp16"
    if device == "cuda" and precision == "int8":
        notes.append("int8 on cuda: int8 (dynamic, Linear layers) runs on cpu only; using fp16")
        return "fp16"
    return precision


def _resolve_backend(backend: str, device: str, notes: list[str]) -> Any:
    if backend == "tensorrt":
        reason = probes.tensorrt_missing_reason(device)
        if reason is None:
            return backend
        fallback = "eager" if probes.compile_missing_reason() is not None else "compile"
        notes.append(f"tensorrt unavailable: {reason}; using {fallback}")
        return fallback
    if backend == "compile":
        reason = probes.compile_missing_reason()
        if reason is not None:
            notes.append(f"compile unavailable: {reason}; using eager")
            return "eager"
    return backend


def autocast_dtype(device: str, precision: str) -> Any:
    """The torch autocast dtype of a resolved precision on ``device``; None runs as is."""
    import torch

    if precision == "fp16" and device == "cuda":
        return torch.float16
    if precision == "bf16":
        return torch.bfloat16
    return None


@contextlib.contextmanager
def inference(device: str, precision: str) -> Iterator[None]:
    """``torch.inference_mode`` plus autocast at a resolved precision: fp32 and int8 run as is."""
    import torch

    dtype = autocast_dtype(device, precision)
    with torch.inference_mode():
        if dtype is None:
            yield
        else:
            with torch.autocast(device_type=device, dtype=dtype):
                yield


def one_line(error: BaseException) -> str:
    """``Type: first line of the message``, at most 200 characters: for notes."""
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    message = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return message[:200]
