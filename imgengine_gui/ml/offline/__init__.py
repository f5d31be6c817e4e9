"""The offline ML tier: models whose weights ship as pip packages, so it serves with no download.

- ``scenes.MobileNetSceneAnalyzer``: ImageNet MobileNetV2 -> scene tags + a 1280-d embedding;
- ``faces.MtcnnFaceAnalyzer``: MTCNN -> face boxes + people count.

Importing this package (or the analyzer modules) does not import torch; ``load()`` does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgengine_gui.ml.base import Runtime
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

__all__ = ["MobileNetSceneAnalyzer", "MtcnnFaceAnalyzer", "autocast_for", "autocast_note"]


def autocast_note(runtime: Runtime) -> str | None:
    """Why ``runtime.precision`` cannot be honoured by autocast here, or None when it can."""
    import torch

    precision, device = runtime.precision, runtime.device
    if precision == "fp32":
        return None
    if precision == "int8":
        return "offline models: int8 is not used for MobileNetV2/MTCNN; they run fp32"
    if device == "cuda":
        if precision == "bf16" and not torch.cuda.is_bf16_supported():
            return "offline models: this GPU has no bf16; they run fp32"
        return None
    if not _cpu_bf16_supported():
        return f"offline models: this CPU has no fast bf16; {precision} runs as fp32"
    if precision == "fp16":
        return "offline models: fp16 on CPU runs as bf16"
    return None


def autocast_for(runtime: Runtime) -> contextlib.AbstractContextManager[Any]:
    """The autocast context for ``runtime`` (fp16/bf16 on CUDA, bf16 on capable CPUs), else a no-op."""
    import torch

    precision, device = runtime.precision, runtime.device
    if precision not in ("fp16", "bf16"):
        return contextlib.nullcontext()
    if device == "cuda":
        if precision == "bf16" and not torch.cuda.is_bf16_supported():
            return contextlib.nullcontext()
        dtype = torch.float16 if precision == "fp16" else torch.bfloat16
        return torch.autocast("cuda", dtype=dtype)
    if not _cpu_bf16_supported():
        return contextlib.nullcontext()
    return torch.autocast("cpu", dtype=torch.bfloat16)


def _cpu_bf16_supported() -> bool:
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def __getattr__(name: str) -> Any:
    if name == "MobileNetSceneAnalyzer":
        from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

        return MobileNetSceneAnalyzer
    if name == "MtcnnFaceAnalyzer":
        from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

        return MtcnnFaceAnalyzer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
