"""Phase 1: photo metadata from file headers only (no pixel is ever decoded).

``read_metadata`` opens a file with Pillow (pillow-heif for HEIC/HEIF), reads size, frame count,
EXIF (IFD0, Exif and GPS IFDs) and, for capture dates only, XMP. A broken tag never fails the
photo: what is readable is kept and the problem goes to ``PhotoMetadata.warnings``. Only files
that are not readable images at all raise ``PhotoError``.

HEIF note: pillow-heif reports the size after the file's own rotation/mirror transforms and
resets the EXIF orientation to 1, because its pixels come out already upright. We keep that
pairing (orientation 1), which is what the decoder will produce.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from imgengine_gui.analysis.errors import PhotoError, one_line_reason
from imgengine_gui.analysis.heif import register_heif_once
from imgengine_gui.analysis.metadata_dates import mtime_iso
from imgengine_gui.analysis.metadata_exif import TagReader, read_camera, read_gps, read_taken_at
from imgengine_gui.analysis.metadata_open import OversizedImage, open_header

__all__ = ["PhotoError", "PhotoMetadata", "read_metadata"]

# Pillow's default decompression-bomb threshold; larger images get a warning, never a failure.
VERY_LARGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3


@dataclass(slots=True)
class PhotoMetadata:
    format: str | None  # Pillow format name: JPEG, PNG, WEBP, TIFF, GIF, BMP, MPO, HEIF
    width: int | None  # as stored in the file (before orientation)
    height: int | None
    orientation: int = 1  # EXIF 1..8
    taken_at: str | None = None  # ISO 8601; offset only when the file states one (or for mtime)
    taken_at_source: str = "mtime"  # "DateTimeOriginal" | "CreateDate" | "mtime"
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    iso: int | None = None
    f_number: float | None = None
    exposure_time: float | None = None  # seconds
    focal_length: float | None = None  # mm
    gps_lat: float | None = None  # signed decimal degrees
    gps_lon: float | None = None
    gps_alt: float | None = None  # metres, negative below sea level
    frames: int = 1  # animated / multi-page count
    warnings: list[str] = field(default_factory=list)


def read_metadata(path: Path, *, mtime_ns: int | None = None) -> PhotoMetadata:
    """Read a photo's header metadata; raise PhotoError if the file is not a readable image.

    ``mtime_ns`` (from the caller's own stat) is the capture-date fallback; without it the file
    is stat'ed only when no EXIF/XMP date is usable.
    """
    path = Path(path)
    register_heif_once()
    try:
        with open_header(path) as im:
            meta = _read_open_image(im)
    except OversizedImage as big:
        meta = PhotoMetadata(format=big.format, width=None, height=None)
        size = f"{big.pixels / 1e6:.0f} MP" if big.pixels else "size unreadable"
        meta.warnings.append(f"very large image ({size})")
    if meta.taken_at is None:
        _use_mtime(path, mtime_ns, meta)
    return meta


def _read_open_image(im: Image.Image) -> PhotoMetadata:
    width, height = _stored_size(im)
    meta = PhotoMetadata(format=im.format, width=width, height=height)
    if width * height > VERY_LARGE_PIXELS:
        meta.warnings.append(f"very large image ({width * height / 1e6:.0f} MP)")
    meta.frames = _frame_count(im, meta.warnings)
    tags = TagReader(im, meta.warnings)
    read_camera(tags, meta)
    read_gps(tags, meta)
    read_taken_at(tags, im, meta)
    return meta


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


def _use_mtime(path: Path, mtime_ns: int | None, meta: PhotoMetadata) -> None:
    try:
        if mtime_ns is None:
            mtime_ns = os.stat(path).st_mtime_ns
        meta.taken_at = mtime_iso(mtime_ns)
    except (OSError, OverflowError, ValueError) as exc:
        meta.warnings.append(f"no capture date and no file time ({one_line_reason(exc)})")
    meta.taken_at_source = "mtime"
