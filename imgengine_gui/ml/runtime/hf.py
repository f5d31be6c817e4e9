"""Find full-tier models on this machine: a local folder or the Hugging Face cache, never the hub.

A model setting is either a folder holding ``config.json`` or a Hugging Face id already in the
cache. Every ``from_pretrained`` call gets the resolved folder and ``local_files_only=True``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.model_files import require_safe_weights


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache (HF_HUB_CACHE / HF_HOME / XDG_CACHE_HOME, as the hub reads them)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def looks_like_hub_id(model_id: str) -> bool:
    parts = model_id.split("/")
    if model_id.startswith((".", "~", "/")) or "\\" in model_id or ":" in model_id:
        return False
    return 1 <= len(parts) <= 2 and all(parts)


def looks_like_folder(model_id: str) -> bool:
    return model_id.startswith(("/", "~", ".")) or os.sep in model_id.replace("/", "", 1)


def locate_model(model_id: str) -> Path | None:
    """The folder holding ``model_id``: the folder itself, or its HF cache snapshot; else None."""
    folder = Path(model_id).expanduser()
    if (folder / "config.json").is_file():
        return folder
    if not looks_like_hub_id(model_id):
        return None
    from huggingface_hub import snapshot_download

    try:
        snapshot = Path(snapshot_download(model_id, local_files_only=True))
    except Exception:  # not cached, malformed id, broken cache: all mean "not here"
        return None
    return snapshot if (snapshot / "config.json").is_file() else None


def looked_in(model_id: str) -> str:
    """Where ``locate_model`` looks, in words (for notes and ``imgengine models``)."""
    folder = Path(model_id).expanduser()
    if folder.is_dir() or looks_like_folder(model_id):
        return f"folder {folder}"
    return f"HF cache ({hf_hub_cache()}) or folder"


def where_looked(model_id: str) -> list[str]:
    places = [f"folder {Path(model_id).expanduser()} (needs config.json)"]
    if looks_like_hub_id(model_id):
        repo_folder = "models--" + model_id.replace("/", "--")
        places.append(f"Hugging Face cache {hf_hub_cache() / repo_folder}")
    return places


def require_model(model_id: str) -> Path:
    """``locate_model`` or a ``ModelUnavailable`` that says where it looked and what to do.

    A folder whose weights are pickle files only is refused (``model_files``)."""
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
