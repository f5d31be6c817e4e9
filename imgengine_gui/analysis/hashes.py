"""Content hashes: the file's SHA-256 and perceptual hashes of the picture inside its borders.

Perceptual hashes are computed after uniform borders are trimmed (letterbox bars, padding frames,
a caption strip under the picture), so a padded or captioned copy hashes like the original.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image

HASH_BITS = 64
_VIEW_SIDE = 256  # borders are found and hashes computed on a copy this size
_BORDER_TOLERANCE = 24  # 0..255 per channel: how far a pixel may be from the border colour
_BORDER_FILL = 0.75  # share of a line that must be border-coloured for the line to be border
_MAX_TRIM = 0.4  # never trim more than this share of a side


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def hash_to_hex(h: int) -> str:
    return f"{int(h) & ((1 << HASH_BITS) - 1):016x}"


def hex_to_hash(s: str) -> int:
    value = int(s, 16)
    if not 0 <= value < 1 << HASH_BITS:
        raise ValueError(f"not a 64-bit hash: {s!r}")
    return value


def hash_view(image: Image.Image, *, trim: bool = True) -> Image.Image:
    """A small RGB copy of ``image`` with its uniform borders cut away."""
    small = image.convert("RGB") if image.mode != "RGB" else image
    factor = max(small.size) // _VIEW_SIDE
    if factor >= 2:
        small = small.reduce(factor)
    if not trim:
        return small
    box = content_box(np.asarray(small))
    return small.crop(box) if box != (0, 0, small.width, small.height) else small


def content_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the picture once uniform border lines are removed."""
    height, width = rgb.shape[:2]
    pixels = rgb.astype(np.int16)
    top = _border_depth(pixels, height)
    bottom = _border_depth(pixels[::-1], height)
    left = _border_depth(pixels.transpose(1, 0, 2), width)
    right = _border_depth(pixels.transpose(1, 0, 2)[::-1], width)
    if height - top - bottom < height * 0.2 or width - left - right < width * 0.2:
        return 0, 0, width, height
    return left, top, width - right, height - bottom


def _border_depth(lines: np.ndarray, extent: int) -> int:
    """How many leading lines (rows of ``lines``) are the border colour of the first line."""
    limit = int(extent * _MAX_TRIM)
    if limit < 1:
        return 0
    reference = np.median(lines[0], axis=0)
    close = np.all(np.abs(lines[:limit] - reference) <= _BORDER_TOLERANCE, axis=2)
    share = close.mean(axis=1)
    if share[0] < _BORDER_FILL:
        return 0
    failing = np.flatnonzero(share < _BORDER_FILL)
    return int(failing[0]) if failing.size else limit


def perceptual_hashes(image: Image.Image, *, trim: bool = True) -> tuple[int, int]:
    """(pHash, dHash) of the picture as 64-bit unsigned ints (borders trimmed first)."""
    return perceptual_hashes_of_view(hash_view(image, trim=trim))


def perceptual_hashes_of_view(view: Image.Image) -> tuple[int, int]:
    """(pHash, dHash) of an already reduced and trimmed ``hash_view``."""
    gray = view.convert("L")
    return _to_int(imagehash.phash(gray)), _to_int(imagehash.dhash(gray))


def _to_int(h: imagehash.ImageHash) -> int:
    bits = np.asarray(h.hash, dtype=bool).ravel()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")
