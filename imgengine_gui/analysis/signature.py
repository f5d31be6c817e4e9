"""A tiny grayscale picture of a photo's content, used to confirm near-duplicate candidates."""

from __future__ import annotations

import numpy as np
from PIL import Image

SIGNATURE_SIDE = 32


def make_signature(view: Image.Image, side: int = SIGNATURE_SIDE) -> bytes:
    """``side`` x ``side`` grayscale (uint8, row-major) of the trimmed view, aspect ignored."""
    gray = view.convert("L").resize((side, side), Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.uint8).tobytes()


def signature_array(signature: bytes) -> np.ndarray:
    side = int(round(len(signature) ** 0.5))
    return np.frombuffer(signature, dtype=np.uint8).reshape(side, side)
