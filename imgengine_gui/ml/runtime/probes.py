"""What this machine offers the models: CUDA, bf16, torch.compile, TensorRT, onnxruntime providers.

The one place these are asked (the settings dialog's hardware note calls in here too). torch and
onnxruntime are imported inside the functions.
"""

from __future__ import annotations

import importlib.util

TENSORRT_PACKAGE_HINT = "needs the torch-tensorrt package (pip install imgengine-gui[tensorrt])"


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def gpu_name() -> str | None:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def cpu_supports_bf16() -> bool:
    """True when the CPU runs bf16 natively (AVX512-BF16 / AMX); emulated bf16 is slower than fp32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def cuda_supports_bf16() -> bool:
    import torch

    return bool(torch.cuda.is_bf16_supported())


def torch_tensorrt_installed() -> bool:
    return importlib.util.find_spec("torch_tensorrt") is not None


def tensorrt_missing_reason(device: str) -> str | None:
    """Why TensorRT cannot serve torch modules on ``device``, or None when it can."""
    if device != "cuda":
        return "needs CUDA"
    if not torch_tensorrt_installed():
        return "torch_tensorrt is not installed"
    return None


def compile_missing_reason() -> str | None:
    """Why torch.compile cannot serve here, or None when it may (a real failure shows on first run)."""
    try:
        import torch._dynamo

        if not torch._dynamo.is_dynamo_supported():
            return "torch.compile is not supported on this Python"
    except (ImportError, RuntimeError) as error:
        return f"torch.compile is unavailable ({error})"
    return None


def onnx_providers() -> list[str]:
    """onnxruntime's execution providers built into the installed package."""
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def probe_cuda() -> tuple[bool, str | None, str]:
    """(CUDA usable, the GPU's name, a note): a broken driver is reported, never raised."""
    try:
        cuda = cuda_available()
        return cuda, gpu_name() if cuda else None, ""
    except Exception as error:  # a broken CUDA driver must not stop the app
        return False, None, f"torch could not check: {error}"
