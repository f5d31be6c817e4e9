"""Find full-tier models on this machine and run them the way ``Runtime`` asks.

A model setting is either a local folder (holding ``config.json``) or a Hugging Face id
already in the Hugging Face cache. Nothing is ever downloaded: every ``from_pretrained`` call
gets the resolved folder and ``local_files_only=True``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.model_files import require_safe_weights

if TYPE_CHECKING:
    import torch

    from imgengine_gui.ml.base import Runtime


def hf_cache_dir() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _as_folder(model_id: str) -> Path | None:
    path = Path(model_id).expanduser()
    return path if (path / "config.json").is_file() else None


def _looks_like_hub_id(model_id: str) -> bool:
    parts = model_id.split("/")
    if model_id.startswith((".", "~", "/")) or "\\" in model_id or ":" in model_id:
        return False
    return 1 <= len(parts) <= 2 and all(parts)


def _cached_snapshot(model_id: str) -> Path | None:
    if not _looks_like_hub_id(model_id):
        return None
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(model_id, local_files_only=True))
    except Exception:  # not cached, malformed id, broken cache: all mean "not here"
        return None
    return folder if (folder / "config.json").is_file() else None


def locate_model(model_id: str) -> Path | None:
    """The folder holding ``model_id``: the folder itself, or its HF cache snapshot; else None."""
    return _as_folder(model_id) or _cached_snapshot(model_id)


def where_looked(model_id: str) -> list[str]:
    places = [f"folder {Path(model_id).expanduser()} (needs config.json)"]
    if _looks_like_hub_id(model_id):
        repo_folder = "models--" + model_id.replace("/", "--")
        places.append(f"Hugging Face cache {hf_cache_dir() / repo_folder}")
    return places


def require_model(model_id: str) -> Path:
    """``locate_model`` or a ``ModelUnavailable`` that says where it looked and what to do."""
    folder = locate_model(model_id)
    if folder is not None:
        return require_safe_weights(folder)
    raise ModelUnavailable(
        f"Model {model_id!r} is not on this machine (nothing is downloaded). Looked in: "
        + "; ".join(where_looked(model_id))
        + f". Run `hf download {model_id}` on a connected machine, or set the model to a "
        "local folder saved with save_pretrained."
    )


def load_local(loader: Any, folder: Path, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` on a resolved local folder, with the hub switched off."""
    from transformers.utils import logging

    logging.disable_progress_bar()  # per-load "Loading weights" bars would flood the CLI
    try:
        return loader.from_pretrained(str(folder), local_files_only=True, **kwargs)
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"Cannot load {folder}: {error}") from error


# --- running -----------------------------------------------------------------------------


def note(runtime: Runtime, message: str) -> None:
    if message not in runtime.notes:
        runtime.notes.append(message)


def torch_device(runtime: Runtime) -> torch.device:
    import torch

    if runtime.device == "cuda" and not torch.cuda.is_available():
        note(runtime, "CUDA is not available: running on the CPU")
        runtime.device = "cpu"
    return torch.device(runtime.device)


def autocast_dtype(runtime: Runtime) -> torch.dtype | None:
    """The autocast dtype for ``runtime.precision`` on its device; None runs fp32."""
    import torch

    if runtime.precision not in ("fp16", "bf16"):
        return None
    if runtime.device == "cuda":
        return torch.float16 if runtime.precision == "fp16" else torch.bfloat16
    if torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported():
        if runtime.precision == "fp16":
            note(runtime, "fp16 is GPU-only: the CPU runs bf16 instead")
        return torch.bfloat16
    note(runtime, f"{runtime.precision} is not supported by this CPU: running fp32")
    return None


@contextlib.contextmanager
def inference(runtime: Runtime) -> Iterator[None]:
    """``torch.inference_mode`` plus autocast at the runtime's precision."""
    import torch

    dtype = autocast_dtype(runtime)
    with torch.inference_mode():
        if dtype is None:
            yield
        else:
            with torch.autocast(device_type=runtime.device, dtype=dtype):
                yield


def prepare(module: torch.nn.Module, runtime: Runtime, example: Any) -> torch.nn.Module:
    """Hand ``module`` to the backends (compile, TensorRT, int8) when they exist; else eager."""
    try:
        from imgengine_gui.ml.backends import prepare_module
    except ImportError:
        if runtime.backend != "eager":
            note(runtime, f"{runtime.backend} backend is not installed: running eager")
        return module
    return prepare_module(module, runtime, example)
