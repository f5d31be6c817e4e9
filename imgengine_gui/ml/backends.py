"""Where and how models run: device, precision and backend, each falling back with a reason.

Every fallback appends one line to ``runtime.notes`` and never raises: the chain is
tensorrt -> compile -> eager for backends, cuda -> cpu for the device, and
fp16 -> bf16 -> fp32 on CPUs. torch is imported inside functions so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import Runtime

if TYPE_CHECKING:
    import torch
    from torch import nn

_upload_streams = threading.local()


def resolve_runtime(
    settings: Any = None,
    *,
    device: str | None = None,
    precision: str | None = None,
    backend: str | None = None,
    num_threads: int | None = None,
) -> Runtime:
    """Turn requested settings into what this machine can serve; every downgrade leaves a note.

    ``settings`` is anything with ``device``/``precision``/``backend`` attributes (``Settings``);
    keyword arguments override it. ``num_threads`` 0 means one per CPU core.
    """
    device = device or getattr(settings, "device", None) or "auto"
    precision = precision or getattr(settings, "precision", None) or "fp32"
    backend = backend or getattr(settings, "backend", None) or "eager"
    if num_threads is None:
        num_threads = getattr(settings, "num_threads", 0) or 0
    notes: list[str] = []

    resolved_device = _resolve_device(device, notes)
    resolved_precision = _resolve_precision(precision, resolved_device, notes)
    resolved_backend = _resolve_backend(backend, resolved_device, notes)
    threads = num_threads if num_threads > 0 else max(1, os.cpu_count() or 1)
    return Runtime(
        device=resolved_device,
        precision=resolved_precision,
        backend=resolved_backend,
        num_threads=threads,
        notes=notes,
    )


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def cpu_supports_bf16() -> bool:
    """True when the CPU runs bf16 natively (AVX512-BF16 / AMX); emulated bf16 is slower than fp32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def tensorrt_missing_reason(device: str) -> str | None:
    """Why TensorRT cannot serve on ``device``, or None when it can."""
    if device != "cuda":
        return "needs CUDA"
    if importlib.util.find_spec("torch_tensorrt") is None:
        return "torch_tensorrt is not installed"
    return None


def compile_missing_reason() -> str | None:
    """Why torch.compile cannot serve here, or None when it may (a real failure shows on first run)."""
    import torch

    try:
        import torch._dynamo

        if not torch._dynamo.is_dynamo_supported():
            return "torch.compile is not supported on this Python"
    except (ImportError, RuntimeError) as error:
        return f"torch.compile is unavailable ({error})"
    return None


def _resolve_device(device: str, notes: list[str]) -> str:
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        notes.append("cuda unavailable: no CUDA device visible to PyTorch; using cpu")
        return "cpu"
    return device


def _resolve_precision(precision: str, device: str, notes: list[str]) -> str:
    if device == "cpu" and precision in ("fp16", "bf16"):
        if cpu_supports_bf16():
            if precision == "fp16":
                notes.append("fp16 on cpu is slow: this CPU runs bf16 natively; using bf16")
            return "bf16"
        notes.append(f"{precision} on cpu: this CPU has no native bf16; using fp32")
        return "fp32"
    if device == "cuda" and precision == "bf16":
        import torch

        if not torch.cuda.is_bf16_supported():
            notes.append("bf16 unsupported by this GPU; using fp16")
            return "fp16"
    if device == "cuda" and precision == "int8":
        notes.append("int8 on cuda: calibrated int8 runs on cpu only; using fp16")
        return "fp16"
    return precision


def _resolve_backend(backend: str, device: str, notes: list[str]) -> str:
    if backend == "tensorrt":
        reason = tensorrt_missing_reason(device)
        if reason is None:
            return backend
        backend = "compile"
        fallback_reason = compile_missing_reason()
        if fallback_reason is not None:
            backend = "eager"
        notes.append(f"tensorrt unavailable: {reason}; using {backend}")
        return backend
    if backend == "compile":
        reason = compile_missing_reason()
        if reason is not None:
            notes.append(f"compile unavailable: {reason}; using eager")
            return "eager"
    return backend


# --- preparing a module ---------------------------------------------------------------------------


def prepare_module(
    module: nn.Module,
    runtime: Runtime,
    example_input: torch.Tensor,
    *,
    max_batch: int | None = None,
    cache_dir: Path | None = None,
    name: str = "",
) -> Callable[..., Any]:
    """Put ``module`` on the runtime's device in eval mode and wrap it with the runtime's backend.

    ``example_input`` is one batch on the target device (its batch dimension is the dynamic one;
    ``max_batch`` defaults to its size). 4-D inputs switch the module to channels_last. A backend
    that fails falls back down tensorrt -> compile -> eager, noting why in ``runtime.notes``.
    """
    import torch

    label = f"{name}: " if name else ""
    module = module.eval().to(runtime.device)
    if example_input.dim() == 4:
        module = module.to(memory_format=torch.channels_last)
        example_input = example_input.contiguous(memory_format=torch.channels_last)

    backend = runtime.backend
    if backend == "tensorrt":
        try:
            return _tensorrt_module(
                module, runtime, example_input, max_batch or example_input.shape[0], cache_dir
            )
        except Exception as error:  # any build failure falls back, with its reason
            reason = tensorrt_missing_reason(runtime.device) or _one_line(error)
            runtime.notes.append(f"{label}tensorrt failed: {reason}; using compile")
            backend = "compile"
    if backend == "compile":
        try:
            compiled = torch.compile(module)
            with torch.inference_mode(), autocast(runtime):
                compiled(example_input)
            return compiled
        except Exception as error:  # inductor errors have many types
            runtime.notes.append(f"{label}compile failed: {_one_line(error)}; using eager")
    return module


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    message = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return message[:200]


def _tensorrt_module(
    module: nn.Module,
    runtime: Runtime,
    example_input: torch.Tensor,
    max_batch: int,
    cache_dir: Path | None,
) -> Callable[..., Any]:
    reason = tensorrt_missing_reason(runtime.device)
    if reason is not None:
        raise RuntimeError(reason)
    import torch
    import torch_tensorrt

    item_shape = tuple(example_input.shape[1:])
    opt_batch = min(max(1, example_input.shape[0]), max_batch)
    trt_input = torch_tensorrt.Input(
        min_shape=(1, *item_shape),
        opt_shape=(opt_batch, *item_shape),
        max_shape=(max_batch, *item_shape),
        dtype=example_input.dtype,
    )
    precisions = {torch.float32}
    if runtime.precision == "fp16":
        precisions.add(torch.float16)
    elif runtime.precision == "bf16":
        precisions.add(torch.bfloat16)

    path = engine_cache_path(
        module, runtime.precision, (1, max_batch), item_shape, cache_dir=cache_dir
    )
    if path.is_file():
        try:
            loaded = torch_tensorrt.load(str(path))
            engine = loaded.module() if hasattr(loaded, "module") else loaded
            with torch.inference_mode():
                engine(example_input[:1])  # the batch range survived the round trip
            return engine
        except Exception as error:  # a stale or broken engine is rebuilt
            runtime.notes.append(f"tensorrt cache unusable ({_one_line(error)}); rebuilding")

    engine = torch_tensorrt.compile(
        module, ir="dynamo", inputs=[trt_input], enabled_precisions=precisions
    )
    _save_engine(torch_tensorrt, engine, path, trt_input, runtime)
    return engine


def _save_engine(trt: Any, engine: Any, path: Path, trt_input: Any, runtime: Runtime) -> None:
    """Save as an ExportedProgram; the ``Input`` (not a tensor) keeps the dynamic batch range."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        trt.save(engine, str(partial), arg_inputs=[trt_input])
        partial.replace(path)
    except Exception as error:  # the engine still serves this run; a static save would not
        partial.unlink(missing_ok=True)
        runtime.notes.append(f"tensorrt engine not cached: {_one_line(error)}")


def engine_cache_path(
    module: nn.Module,
    precision: str,
    batch_range: tuple[int, int],
    item_shape: Sequence[int],
    *,
    cache_dir: Path | None = None,
) -> Path:
    """Engine file keyed by weights, precision, batch range, input shape, GPU and TensorRT version."""
    if cache_dir is None:
        from imgengine_gui.settings import cache_dir as default_cache_dir

        cache_dir = default_cache_dir() / "tensorrt"
    key = hashlib.sha256()
    for part in (
        state_dict_hash(module),
        precision,
        f"{batch_range[0]}-{batch_range[1]}",
        "x".join(str(s) for s in item_shape),
        _gpu_name(),
        _tensorrt_version(),
    ):
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
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else "no-gpu"


def _tensorrt_version() -> str:
    for package in ("tensorrt", "torch_tensorrt"):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        return f"{package}-{getattr(module, '__version__', 'unknown')}"
    return "no-tensorrt"


# --- running ---------------------------------------------------------------------------------------


def autocast(runtime: Runtime) -> contextlib.AbstractContextManager[Any]:
    """Mixed precision for the runtime: fp16/bf16 on CUDA, bf16 on CPU; fp32 and int8 run as is."""
    import torch

    if runtime.device == "cuda" and runtime.precision in ("fp16", "bf16"):
        dtype = torch.float16 if runtime.precision == "fp16" else torch.bfloat16
        return torch.autocast("cuda", dtype=dtype)
    if runtime.device == "cpu" and runtime.precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def to_device_batch(
    tensors: torch.Tensor | Sequence[torch.Tensor], runtime: Runtime, *, channels_last: bool = False
) -> torch.Tensor:
    """Stack CPU tensors into one batch on the runtime's device.

    On CUDA the batch is pinned and copied on a side stream with ``non_blocking``, so the upload
    overlaps work already queued on the compute stream; the compute stream waits only for the copy.
    """
    import torch

    batch = tensors if isinstance(tensors, torch.Tensor) else torch.stack(list(tensors))
    if channels_last and batch.dim() == 4:
        batch = batch.contiguous(memory_format=torch.channels_last)
    if runtime.device != "cuda":
        return batch
    if batch.device.type == "cuda":
        return batch
    stream = _upload_stream()
    compute = torch.cuda.current_stream()
    with torch.cuda.stream(stream):
        uploaded = batch.pin_memory().to("cuda", non_blocking=True)
    compute.wait_stream(stream)
    uploaded.record_stream(compute)
    return uploaded


def _upload_stream() -> Any:
    import torch

    stream = getattr(_upload_streams, "stream", None)
    if stream is None:
        stream = torch.cuda.Stream()
        _upload_streams.stream = stream
    return stream


# --- int8 ------------------------------------------------------------------------------------------


def check_int8_agreement(
    reference_fn: Callable[[Any], Any],
    int8_fn: Callable[[Any], Any],
    sample_batches: Iterable[Any],
    min_agreement: float = 0.97,
) -> tuple[bool, float]:
    """Top-1 agreement of ``int8_fn`` with ``reference_fn`` over the sample; (accepted, agreement).

    Each function maps a batch to scores shaped (N, classes) (tensor or array). No samples: refused.
    """
    import torch

    agree = total = 0
    for batch in sample_batches:
        reference = torch.as_tensor(_as_scores(reference_fn(batch)))
        candidate = torch.as_tensor(_as_scores(int8_fn(batch)))
        if reference.shape != candidate.shape:
            return False, 0.0
        reference_top = reference.float().reshape(reference.shape[0], -1).argmax(dim=1)
        candidate_top = candidate.float().reshape(candidate.shape[0], -1).argmax(dim=1)
        agree += int((reference_top == candidate_top).sum())
        total += reference_top.numel()
    if total == 0:
        return False, 0.0
    agreement = agree / total
    return agreement >= min_agreement, agreement


def _as_scores(output: Any) -> Any:
    if isinstance(output, (tuple, list)):  # (features, logits) models: compare the logits
        output = output[-1]
    logits = getattr(output, "logits", None)
    return logits if logits is not None else output


def quantize_int8(
    module: nn.Module,
    runtime: Runtime,
    calibration_images: Sequence[torch.Tensor],
    *,
    min_agreement: float = 0.97,
    name: str = "",
) -> nn.Module:
    """Dynamic int8 quantisation of Linear layers on CPU, kept only when it agrees with fp32.

    ``calibration_images`` are preprocessed batches from the user's photos. Refused (not applicable,
    no samples, or agreement below ``min_agreement``): the fp32 module comes back and a note says why.
    """
    label = f"{name}: " if name else ""
    if runtime.precision != "int8":
        return module
    if runtime.device != "cpu":
        runtime.notes.append(f"{label}int8 needs the cpu device; using fp32")
        return module

    import torch
    from torch import nn

    if not any(isinstance(layer, nn.Linear) for layer in module.modules()):
        runtime.notes.append(f"{label}int8 not applicable: no Linear layers; using fp32")
        return module
    if not calibration_images:
        runtime.notes.append(f"{label}int8 refused: no photos to check agreement on; using fp32")
        return module
    module = module.eval()
    try:
        from torch.ao.quantization import quantize_dynamic

        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=".*quantize.* deprecated", category=UserWarning
            )
            quantized = quantize_dynamic(module, {nn.Linear}, dtype=torch.qint8)
    except Exception as error:  # engines missing on some builds
        runtime.notes.append(f"{label}int8 unavailable: {_one_line(error)}; using fp32")
        return module

    def run(model: nn.Module) -> Callable[[Any], Any]:
        def forward(batch: Any) -> Any:
            with torch.inference_mode():
                return _as_scores(model(batch))

        return forward

    accepted, agreement = check_int8_agreement(
        run(module), run(quantized), calibration_images, min_agreement
    )
    count = sum(int(batch.shape[0]) for batch in calibration_images)
    if not accepted:
        runtime.notes.append(
            f"{label}int8 refused: top-1 agreement {agreement:.3f} < {min_agreement:.2f} "
            f"on {count} photos; using fp32"
        )
        return module
    runtime.notes.append(f"{label}int8 accepted: top-1 agreement {agreement:.3f} on {count} photos")
    return quantized
