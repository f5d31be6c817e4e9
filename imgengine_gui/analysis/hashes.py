"""Content hashes: the file's SHA-256 and perceptual hashes of the picture inside its borders.

Perceptual hashes are computed after uniform borders are trimmed (letterbox bars, padding frames,
a caption strip under the picture), so a padded or captioned copy hashes like the original.
"""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

HASH_BITS = 64
_VIEW_SIDE = 256  # borders are found and hashes computed on a copy this size
_BORDER_TOLERANCE = 12  # 0..255 per channel: how far a border pixel may be from the border colour
_SOLID_LINE = 0.97  # share of border-coloured pixels in a plain border line
_CAPTION_LINE = 0.5  # ... in a line of a caption strip (text on the border colour)
_MAX_TRIM = 0.45  # a border is never deeper than this share of the side
_MIN_KEEP = 0.15  # never keep less than this share of the width or height
_EDGE_BLUR = 0.02  # lines (share of the side) between a border's last solid line and the picture
_MAX_PASSES = 3


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
    """(left, top, right, bottom) of the picture once uniform borders are removed.

    Borders are peeled in passes (a white frame inside a black letterbox, then a photo's own
    flat sky), so trimming a padded copy lands where trimming the original does. A side whose
    "border" would exceed ``_MAX_TRIM`` of the extent is picture, not border, and is kept.
    """
    height, width = rgb.shape[:2]
    pixels = rgb.astype(np.int16)
    left, top, right, bottom = 0, 0, width, height
    for _ in range(_MAX_PASSES):
        region = pixels[top:bottom, left:right]
        h, w = region.shape[:2]
        cut_top = _border_depth(region, h)
        cut_bottom = _border_depth(region[::-1], h)
        cut_left = _border_depth(region.transpose(1, 0, 2), w)
        cut_right = _border_depth(region.transpose(1, 0, 2)[::-1], w)
        if not (cut_top or cut_bottom or cut_left or cut_right):
            break
        if (
            h - cut_top - cut_bottom < _MIN_KEEP * height
            or w - cut_left - cut_right < _MIN_KEEP * width
        ):
            break
        left, top, right, bottom = (
            left + cut_left,
            top + cut_top,
            right - cut_right,
            bottom - cut_bottom,
        )
    return left, top, right, bottom


def _border_depth(lines: np.ndarray, extent: int) -> int:
    """How many leading lines (rows of ``lines``) form a uniform border.

    The border colour is the median of the first line. A border is a run of lines that are
    mostly that colour (a caption strip may have text in it) that ends in a sharp edge: at most
    a couple of blurred lines separate its last solid line from the picture. A flat area of the
    picture fades out gradually instead, and is kept.
    """
    limit = int(extent * _MAX_TRIM)
    if limit < 1:
        return 0
    reference = np.median(lines[0], axis=0)
    if _close_share(lines[:1], reference)[0] < _SOLID_LINE:
        return 0  # the common case, settled from one line
    share = _close_share(lines[: limit + 1], reference)
    mostly = share >= _CAPTION_LINE
    if mostly.all():
        return 0  # no edge in reach: a flat picture area, not a border
    run_end = int(np.argmin(mostly))
    solid_end = int(np.flatnonzero(share[:run_end] >= _SOLID_LINE)[-1]) + 1
    if run_end - solid_end > max(2, _EDGE_BLUR * extent):
        return 0
    return solid_end


def _close_share(lines: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per line, the share of pixels within the tolerance of ``reference`` on every channel."""
    return (np.abs(lines - reference).max(axis=2) <= _BORDER_TOLERANCE).mean(axis=1)


def perceptual_hashes(image: Image.Image, *, trim: bool = True) -> tuple[int, int]:
    """(pHash, dHash) of the picture as 64-bit unsigned ints (borders trimmed first)."""
    return perceptual_hashes_of_view(hash_view(image, trim=trim))


def perceptual_hashes_of_view(view: Image.Image) -> tuple[int, int]:
    """(pHash, dHash) of an already reduced and trimmed ``hash_view``."""
    gray = view.convert("L")
    return _to_int(imagehash.phash(gray)), _to_int(imagehash.dhash(gray))


def _to_int(h: imagehash.ImageHash) -> int:
    return int(str(h), 16)  # imagehash's own hex of its bits, row-major, first bit highest
