"""The content phase for one photo: everything derived from its single reduced decode.

``analyze_content`` hashes the file (SHA-256), computes perceptual hashes and a small grayscale
signature of the picture inside its borders (for duplicate verification), measures sharpness and
exposure, and writes a thumbnail and a preview into the cache folder. It never decodes the photo
again and never writes next to it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from imgengine_gui.analysis.decode import DecodedPhoto
from imgengine_gui.analysis.hashes import (
    content_box,
    hash_to_hex,
    hash_view,
    perceptual_hashes_of_view,
)
from imgengine_gui.analysis.quality import clipping, exposure, quality_gray, sharpness
from imgengine_gui.analysis.signature import make_signature
from imgengine_gui.common.files import sha256_file
from imgengine_gui.common.images import fitted_size

THUMB_SIDE = 256
PREVIEW_SIDE = 1024
JPEG_QUALITY = 85


@dataclass
class ContentResult:
    sha256: str
    phash: str  # 16 hex chars
    dhash: str  # 16 hex chars
    sharpness: float
    exposure: float
    thumb_path: str
    preview_path: str
    decoded_width: int
    decoded_height: int
    signature: bytes  # SIGNATURE_SIDE x SIGNATURE_SIDE grayscale, for duplicate verification
    content_box: tuple[int, int, int, int]  # the picture inside uniform borders, decoded pixels
    clipped_shadows: float
    clipped_highlights: float


def analyze_content(
    path: Path, decoded: DecodedPhoto, cache_dir: Path, *, key: str
) -> ContentResult:
    """Derive hashes, quality and cache images of ``path`` from its ``decoded`` pixels."""
    image = decoded.image
    view = hash_view(image, trim=False)
    box = content_box(np.asarray(view))
    inner = view.crop(box) if box != (0, 0, view.width, view.height) else view
    phash, dhash = perceptual_hashes_of_view(inner)
    gray = quality_gray(image)
    shadows, highlights = clipping(gray)
    thumb_path = _cache_path(Path(cache_dir), "thumbs", key)
    preview_path = _cache_path(Path(cache_dir), "previews", key)
    preview = _fit(image, PREVIEW_SIDE)
    _save_jpeg_atomic(preview, preview_path)
    _save_jpeg_atomic(_fit(preview, THUMB_SIDE), thumb_path)
    return ContentResult(
        sha256=sha256_file(path),
        phash=hash_to_hex(phash),
        dhash=hash_to_hex(dhash),
        sharpness=sharpness(gray),
        exposure=exposure(gray),
        thumb_path=str(thumb_path),
        preview_path=str(preview_path),
        decoded_width=image.width,
        decoded_height=image.height,
        signature=make_signature(inner),
        content_box=_scale_box(box, view.size, image.size),
        clipped_shadows=shadows,
        clipped_highlights=highlights,
    )


def _cache_path(cache_dir: Path, kind: str, key: str) -> Path:
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise ValueError(f"unsafe cache key: {key!r}")
    return cache_dir / kind / key[:2] / f"{key}.jpg"


def _fit(image: Image.Image, side: int) -> Image.Image:
    size = fitted_size(image.size, side)
    if size == image.size:
        return image
    # reducing_gap=1: a box reduce by the whole factor first, then a short bicubic step.
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=1.0)


def _save_jpeg_atomic(image: Image.Image, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(handle, "JPEG", quality=JPEG_QUALITY, optimize=False)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _scale_box(
    box: tuple[int, int, int, int], small: tuple[int, int], full: tuple[int, int]
) -> tuple[int, int, int, int]:
    sx, sy = full[0] / small[0], full[1] / small[1]
    left, top, right, bottom = box
    return round(left * sx), round(top * sy), round(right * sx), round(bottom * sy)
