"""The format and stored geometry of a photo, from the header its format defines.

exiv2 gives the pixel size of JPEG and RAW files; HEIF/AVIF and JPEG XL state theirs in
container boxes or the codestream header (read here, with the rotation they carry); Pillow
gives the frame count of multi-frame formats and copes with decompression bombs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from imgengine_gui.analysis.errors import PhotoError
from imgengine_gui.analysis.formats import (
    HEAD_BYTES,
    RAW_FORMATS,
    UNSUPPORTED_FORMATS,
    sniff_format,
)
from imgengine_gui.analysis.heif import HeifLayoutError, read_heif_layout
from imgengine_gui.analysis.metadata_jxl import JxlHeaderError, read_jxl_layout
from imgengine_gui.analysis.metadata_open import (
    describe_unreadable,
    file_problem,
    has_mpf,
    jpeg_app_segments,
)
from imgengine_gui.analysis.metadata_pillow import read_geometry as pillow_geometry

if TYPE_CHECKING:
    from imgengine_gui.analysis.metadata import PhotoMetadata
    from imgengine_gui.analysis.metadata_exiv2 import Exiv2Read

_BMFF_FORMATS = {"HEIF", "AVIF"}


def sniff(path: Path) -> tuple[str, list[tuple[int, bytes]]]:
    """The format the file's first bytes announce, and a JPEG's application segments (read in
    the same open); PhotoError for anything we cannot read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
            fmt = sniff_format(head, path.name)
            segments = jpeg_app_segments(handle) if fmt == "JPEG" else []
    except OSError as exc:
        raise file_problem(path, exc) from None
    if fmt is None:
        raise PhotoError(f"{path.name}: {describe_unreadable(path)}")
    if fmt in UNSUPPORTED_FORMATS:
        raise PhotoError(f"{path.name}: format not supported: {fmt}")
    return fmt, segments


def read_geometry(
    path: Path, meta: PhotoMetadata, found: Exiv2Read | None, segments: list[tuple[int, bytes]]
) -> None:
    """Set format, stored size, frames and (HEIF/AVIF/JXL) orientation."""
    fmt = meta.format
    if fmt in _BMFF_FORMATS:
        _container_geometry(path, meta, found, read_heif_layout, HeifLayoutError)
    elif fmt == "JXL":
        _container_geometry(path, meta, found, read_jxl_layout, JxlHeaderError)
    elif fmt == "JPEG":
        if found is not None and found.width > 0 and found.height > 0 and not has_mpf(segments):
            meta.width, meta.height = found.width, found.height
        elif found is not None or meta.width is None:
            pillow_geometry(path, meta)  # MPO frames, or a header exiv2 found no size in
    elif fmt in RAW_FORMATS:
        if found is not None and found.width > 0 and found.height > 0:
            meta.width, meta.height = found.width, found.height
        else:
            meta.warnings.append("the RAW file states no image size")
    elif found is not None:
        pillow_geometry(path, meta)


def _container_geometry(path, meta, found, reader, error) -> None:
    try:
        with open(path, "rb") as handle:
            layout = reader(handle)
    except (error, OSError, ValueError) as exc:
        if meta.format == "JXL":
            raise PhotoError(f"{path.name}: unreadable JPEG XL header ({exc})") from None
        if found is not None:  # pillow-heif's size is the upright one: say so
            pillow_geometry(path, meta)
            meta.orientation = 1
        meta.warnings.append(f"stored size unknown ({exc}); the size is as displayed")
        return
    meta.width, meta.height, meta.orientation = layout.width, layout.height, layout.orientation
