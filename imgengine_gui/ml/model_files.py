"""Which files of a full-tier model the loaders read, and which model folders are refused.

Weights are read from safetensors only: a folder whose weights are pickle files (``*.bin``,
``*.pt``, ...) is refused, whatever its other files, because unpickling can run code.
"""

from __future__ import annotations

import re
from pathlib import Path

from imgengine_gui.ml.errors import ModelUnavailable

CONFIG_FILES = frozenset({
    "config.json", "preprocessor_config.json", "processor_config.json",
    "image_processor_config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json", "vocab.txt", "merges.txt",
    "spiece.model", "sentencepiece.bpe.model", "tokenizer.model",
})  # fmt: skip
SAFE_WEIGHTS = re.compile(r"model(-\d{5}-of-\d{5})?\.safetensors|model\.safetensors\.index\.json")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")


def is_wanted(name: str) -> bool:
    """A repo file the loaders need: top-level configs, tokenizer files, safetensors weights."""
    return "/" not in name and (name in CONFIG_FILES or SAFE_WEIGHTS.fullmatch(name) is not None)


def has_safe_weights(names: list[str]) -> bool:
    return any(name.endswith(".safetensors") and SAFE_WEIGHTS.fullmatch(name) for name in names)


def pickle_weights(names: list[str]) -> list[str]:
    return sorted(name for name in names if name.lower().endswith(PICKLE_SUFFIXES))


def weights_refusal(folder: Path) -> str | None:
    """Why ``folder`` must not be loaded (its weights are pickle files only), else None."""
    names = [path.name for path in folder.iterdir()] if folder.is_dir() else []
    pickled = pickle_weights(names)
    if not pickled or has_safe_weights(names):
        return None
    return (
        f"{folder} has pickle weights only ({', '.join(pickled)}); Image Engine loads "
        "safetensors only: re-save it with save_pretrained() or download a safetensors "
        "revision (`imgengine models download TASK --revision R`)"
    )


def require_safe_weights(folder: Path) -> Path:
    """``folder`` when its weights are safetensors, else ``ModelUnavailable`` saying why."""
    refusal = weights_refusal(folder)
    if refusal is not None:
        raise ModelUnavailable(refusal)
    return folder
