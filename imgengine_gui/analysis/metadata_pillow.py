"""Header reading through Pillow: the geometry of multi-frame formats, and the fallback reader.

Pillow gives the frame count of GIF/PNG/WebP/TIFF/MPO files and opens huge images without
decoding them (see metadata_open). When exiv2 cannot read a file at all, Pillow (pillow-heif for
HEIF) reads its EXIF instead, and the photo carries a warning saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from imgengine_gui.analysis.errors import one_line_reason
from imgengine_gui.analysis.heif import register_heif_once
from imgengine_gui.analysis.metadata_exif import TagReader, date_candidates, read_camera, read_gps
from imgengine_gui.analysis.metadata_open import OversizedImage, open_header

if TYPE_CHECKING:
    from imgengine_gui.analysis.metadata import PhotoMetadata

# Pillow's default decompression-bomb threshold; larger images get a warning, never a failure.
VERY_LARGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3


def read_geometry(path: Path, meta: PhotoMetadata) -> None:
    """Format name, stored size and frame count; PhotoError when Pillow cannot open the file."""
    register_heif_once()
    try:
        with open_header(path) as im:
            _geometry(im, meta)
    except OversizedImage as big:
        meta.format = big.format or meta.format
        size = f"{big.pixels / 1e6:.0f} MP" if big.pixels else "size unreadable"
        meta.warnings.append(f"very large image ({size})")


def read_everything(path: Path, meta: PhotoMetadata) -> list[tuple[str, str, str | None]]:
    """Geometry, camera, exposure and GPS into ``meta``; returns the date candidates."""
    register_heif_once()
    dates: list[tuple[str, str, str | None]] = []
    try:
        with open_header(path) as im:
            _geometry(im, meta)
            if meta.format == "HEIF":
                # pillow-heif hands out the upright size and drops the orientation; the stored
                # geometry comes from the file's boxes when they are readable (see heif.py).
                meta.orientation = 1
            tags = TagReader(im, meta.warnings)
            read_camera(tags, meta)
            read_gps(tags, meta)
            dates = date_candidates(tags, im)
    except OversizedImage as big:
        meta.format = big.format or meta.format
        size = f"{big.pixels / 1e6:.0f} MP" if big.pixels else "size unreadable"
        meta.warnings.append(f"very large image ({size})")
    return dates


def _geometry(im: Image.Image, meta: PhotoMetadata) -> None:
    meta.format = im.format
    meta.width, meta.height = _stored_size(im)
    if meta.width * meta.height > VERY_LARGE_PIXELS:
        meta.warnings.append(f"very large image ({meta.width * meta.height / 1e6:.0f} MP)")
    meta.frames = _frame_count(im, meta.warnings)


def _stored_size(im: Image.Image) -> tuple[int, int]:
    """Width and height before orientation (Pillow's TIFF size is already swapped for 5-8)."""
    tags = getattr(im, "tag_v2", None) if im.format == "TIFF" else None
    if tags is not None:
        width, height = tags.get(256), tags.get(257)
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    return im.size


def _frame_count(im: Image.Image, warnings: list[str]) -> int:
    try:
        return max(1, int(getattr(im, "n_frames", 1) or 1))
    except Exception as exc:  # e.g. a GIF truncated after its first frame
        warnings.append(f"could not count frames ({one_line_reason(exc)})")
        return 1
